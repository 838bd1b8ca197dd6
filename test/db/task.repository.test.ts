import assert from 'node:assert/strict';
import { COMMON_REQUEST_DEFAULTS } from '../../adapters/common-request.ts';
import { TypeOrmTaskRepository } from '../../src/persistence/task.repository.ts';
import { NotFoundError } from '../../src/errors.ts';
import { describeWith } from '../fixtures/postgres.ts';
import type { InsertOutcome } from '../../src/tasks/task.types.ts';
import { newTask, openTempStore, storeKinds, type TempStore } from '../fixtures/db-fixtures.ts';

/** The inserted row, or null when insertIfRoom refused (full, or the key named another task). */
const insertedOf = (outcome: InsertOutcome) => ('inserted' in outcome ? outcome.inserted : null);

const INT64_MAX = 9223372036854775807n;
const TWO_53_PLUS_1 = 2n ** 53n + 1n;

for (const { kind, skip } of await storeKinds())
  describeWith(`TypeOrmTaskRepository on ${kind}`, skip, ({ it, before, after, beforeEach }) => {
    let db: TempStore;
    let repo: TypeOrmTaskRepository;

    before(async () => {
      db = await openTempStore(kind);
      repo = new TypeOrmTaskRepository(db.dataSource);
    });
    after(async () => {
      await db.cleanup();
    });
    beforeEach(async () => {
      await db.dataSource.query('DELETE FROM "tasks"');
    });

    it('inserts a pending task with progress 0 and returns the stored record with its row id', async () => {
      const task = newTask('a'.repeat(32), {
        warnings: ['style "Foo" is unknown; used "Fooocus V2"'],
        webhookUrl: 'http://hook.test/x',
      });
      const record = await repo.insert(task);
      assert.ok(Number.isInteger(record.id) && record.id > 0);
      assert.deepEqual(record, {
        ...task,
        id: record.id,
        status: 'pending',
        startMills: null,
        finishMills: null,
        progress: 0,
        result: [],
        error: null,
        attempts: 0,
      });
    });

    it('insertIfRoom inserts while fewer than the limit are pending or running, and refuses (null) once full', async () => {
      await repo.insert(newTask('done'));
      await repo.markFinished('done', { status: 'finished', finishMills: 1, result: [], error: null, warnings: [] });
      await repo.insert(newTask('waiting'));
      await repo.insert(newTask('busy'));
      await repo.markStarted('busy', 1);
      assert.equal(insertedOf(await repo.insertIfRoom(newTask('third'), 2, 0)), null, 'two unfinished already: full');
      assert.equal(await repo.findByTaskId('third'), null);
      assert.equal(insertedOf(await repo.insertIfRoom(newTask('third'), 3, 0))?.status, 'pending');
      assert.equal(insertedOf(await repo.insertIfRoom(newTask('unlimited'), 0, 0))?.status, 'pending', '0 = no limit');
    });

    it('insertIfRoom never lets concurrent inserts past the limit', async () => {
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) => repo.insertIfRoom(newTask(`race-${i}`), 5, 0).then(insertedOf)),
      );
      assert.equal(outcomes.filter((o) => o !== null).length, 5);
      assert.equal(await repo.count({ statuses: ['pending'] }), 5);
    });

    it('round-trips int64 seeds exactly (2^63-1 and 2^53+1) in the request and the results, as bigint', async () => {
      const request = {
        ...COMMON_REQUEST_DEFAULTS,
        image_seed: INT64_MAX,
        uov_input_image: { kind: 'stored' as const, file: 'inputs/x.png', width: 64, height: 48 },
        controlnet_image: [
          {
            cn_img: { kind: 'url' as const, url: 'http://e.test/a.png' },
            cn_stop: 0.5,
            cn_weight: 1,
            cn_type: 'ImagePrompt' as const,
          },
        ],
      };
      await repo.insert(newTask('t-seeds', { request }));
      await repo.markFinished('t-seeds', {
        status: 'finished',
        finishMills: 5,
        result: [
          { file: '2024-01-02/a.png', seed: TWO_53_PLUS_1 },
          { file: '2024-01-02/b.png', seed: 7n },
        ],
        error: null,
        warnings: [],
      });
      const stored = await repo.findByTaskId('t-seeds');
      assert.ok(stored);
      assert.equal(stored.request.image_seed, INT64_MAX);
      assert.equal(typeof stored.request.image_seed, 'bigint');
      assert.deepEqual(stored.request, request);
      assert.deepEqual(stored.result, [
        { file: '2024-01-02/a.png', seed: TWO_53_PLUS_1 },
        { file: '2024-01-02/b.png', seed: 7n },
      ]);
      // 2^53+1 is not representable as a double: it must be stored as its exact digits.
      const [raw] = await db.dataSource.query(`SELECT "result" FROM "tasks" WHERE "task_id" = 't-seeds'`);
      assert.match(raw.result, /9007199254740993/);
    });

    it('returns null for an unknown task id', async () => {
      assert.equal(await repo.findByTaskId('nope'), null);
    });

    it('markStarted sets running, the start time, progress 0 and counts the attempt', async () => {
      await repo.insert(newTask('t1'));
      const first = await repo.markStarted('t1', 111);
      assert.equal(first.status, 'running');
      assert.equal(first.startMills, 111);
      assert.equal(first.progress, 0);
      assert.equal(first.attempts, 1);
      const second = await repo.markStarted('t1', 222);
      assert.equal(second.attempts, 2);
      assert.equal(second.startMills, 222);
    });

    it('markFinished stores status, finish time, result, error, warnings and progress 100', async () => {
      await repo.insert(newTask('t1', { warnings: ['w0'] }));
      await repo.markStarted('t1', 10);
      const done = await repo.markFinished('t1', {
        status: 'failed',
        finishMills: 20,
        result: [],
        error: 'engine crashed',
        warnings: ['w0', 'w1'],
      });
      assert.equal(done.status, 'failed');
      assert.equal(done.finishMills, 20);
      assert.equal(done.startMills, 10);
      assert.equal(done.progress, 100);
      assert.equal(done.error, 'engine crashed');
      assert.deepEqual(done.warnings, ['w0', 'w1']);
      assert.deepEqual(await repo.findByTaskId('t1'), done);
    });

    it('markStarted and markFinished reject an unknown task id with an error naming it', async () => {
      await assert.rejects(
        repo.markStarted('ghost-1', 1),
        (e: Error) => e instanceof NotFoundError && e.message.includes('ghost-1'),
      );
      await assert.rejects(
        repo.markFinished('ghost-2', { status: 'finished', finishMills: 1, result: [], error: null, warnings: [] }),
        (e: Error) => e instanceof NotFoundError && e.message.includes('ghost-2'),
      );
    });

    it('rejects a duplicate task id naming it, and the connection keeps working afterwards', async () => {
      await repo.insert(newTask('dup'));
      await assert.rejects(repo.insert(newTask('dup')), /task id 'dup' already exists/);
      const next = await repo.insert(newTask('after-dup'));
      assert.equal(next.status, 'pending');
      assert.equal(await repo.count({}), 2);
    });

    it('finds oldest first by default, newest first on request, and pages with limit and offset', async () => {
      for (const id of ['a', 'b', 'c', 'd', 'e']) await repo.insert(newTask(id));
      const ids = async (q: Parameters<typeof repo.find>[0]) => (await repo.find(q)).map((r) => r.taskId);
      assert.deepEqual(await ids({}), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(await ids({ newestFirst: true }), ['e', 'd', 'c', 'b', 'a']);
      assert.deepEqual(await ids({ limit: 2 }), ['a', 'b']);
      assert.deepEqual(await ids({ limit: 2, offset: 2 }), ['c', 'd']);
      assert.deepEqual(await ids({ newestFirst: true, limit: 2, offset: 1 }), ['d', 'c']);
      assert.deepEqual(await ids({ offset: 3 }), ['d', 'e']);
      assert.equal(await repo.count({ limit: 1, offset: 1 }), 5, 'count ignores paging');
    });

    it('filters by an inclusive in_queue_mills range and by statuses', async () => {
      await repo.insert(newTask('t99', { inQueueMills: 99 }));
      await repo.insert(newTask('t100', { inQueueMills: 100 }));
      await repo.insert(newTask('t150', { inQueueMills: 150 }));
      await repo.insert(newTask('t200', { inQueueMills: 200 }));
      await repo.insert(newTask('t201', { inQueueMills: 201 }));
      await repo.markStarted('t150', 1);
      const ids = async (q: Parameters<typeof repo.find>[0]) => (await repo.find(q)).map((r) => r.taskId);
      const range = { startMills: 100, endMills: 200 };
      assert.deepEqual(await ids({ range }), ['t100', 't150', 't200']);
      assert.equal(await repo.count({ range }), 3);
      assert.deepEqual(await ids({ range: { startMills: 150, endMills: 150 } }), ['t150']);
      assert.deepEqual(await ids({ range, statuses: ['pending'] }), ['t100', 't200']);
      assert.deepEqual(await ids({ statuses: ['running', 'finished'] }), ['t150']);
      assert.deepEqual(await ids({ statuses: [] }), []);
      assert.equal(await repo.count({ statuses: ['pending'] }), 4);
    });

    it('findUnfinished returns pending and running tasks in submission order', async () => {
      for (const id of ['p1', 'r1', 'f1', 'p2', 'r2', 'x1']) await repo.insert(newTask(id));
      await repo.markStarted('r2', 1);
      await repo.markStarted('r1', 2);
      await repo.markStarted('f1', 3);
      await repo.markFinished('f1', { status: 'finished', finishMills: 4, result: [], error: null, warnings: [] });
      await repo.markFinished('x1', { status: 'cancelled', finishMills: 4, result: [], error: null, warnings: [] });
      const unfinished = await repo.findUnfinished();
      assert.deepEqual(
        unfinished.map((r) => [r.taskId, r.status]),
        [
          ['p1', 'pending'],
          ['r1', 'running'],
          ['p2', 'pending'],
          ['r2', 'running'],
        ],
      );
    });

    it('deletes exactly the given task ids, ignoring unknown ones, also beyond one statement of ids', async () => {
      for (const id of ['a', 'b', 'c']) await repo.insert(newTask(id));
      await repo.deleteByTaskIds([]);
      await repo.deleteByTaskIds(['a', 'c', 'unknown']);
      assert.deepEqual(
        (await repo.find({})).map((r) => r.taskId),
        ['b'],
      );
      const many = Array.from({ length: 1200 }, (_, i) => `bulk-${i}`);
      await repo.deleteByTaskIds([...many, 'b']);
      assert.equal(await repo.count({}), 0);
    });

    it('isFileReferenced matches exact result paths of other tasks only', async () => {
      const finish = (taskId: string, files: string[]) =>
        repo.markFinished(taskId, {
          status: 'finished',
          finishMills: 1,
          result: files.map((file, i) => ({ file, seed: BigInt(i) })),
          error: null,
          warnings: [],
        });
      await repo.insert(newTask('owner'));
      await repo.insert(newTask('other'));
      await repo.insert(newTask('tricky'));
      await finish('owner', ['2024-01-02/shared.png', '2024-01-02/own.png']);
      await finish('other', ['2024-01-02/shared.png']);
      // Contains "own.png" and "2024-01-02/Own.png" only as substrings / case variants, and a LIKE wildcard.
      await finish('tricky', ['2024-01-02/Own.png', '2024-01-02/known.png', '2024-01-02/a_b.png']);

      assert.equal(await repo.isFileReferenced('2024-01-02/shared.png', ['owner']), true);
      assert.equal(await repo.isFileReferenced('2024-01-02/shared.png', ['owner', 'other']), false);
      assert.equal(await repo.isFileReferenced('2024-01-02/own.png', ['owner']), false);
      assert.equal(await repo.isFileReferenced('2024-01-02/own.png', []), true);
      assert.equal(await repo.isFileReferenced('2024-01-02/axb.png', []), false, '_ is not a wildcard');
      assert.equal(await repo.isFileReferenced('2024-01-02/a_b.png', []), true);
      assert.equal(await repo.isFileReferenced('2024-01-02', []), false, 'a prefix is not a reference');
    });

    it('keeps ids unique and every row when 20 inserts run concurrently', async () => {
      const records = await Promise.all(Array.from({ length: 20 }, (_, i) => repo.insert(newTask(`c${i}`))));
      assert.equal(new Set(records.map((r) => r.id)).size, 20);
      records.forEach((r, i) => assert.equal(r.taskId, `c${i}`));
      assert.equal(await repo.count({}), 20);
    });

    it('survives concurrent writes where some fail: the others land and later calls work', async () => {
      await repo.insert(newTask('exists'));
      const outcomes = await Promise.allSettled([
        repo.insert(newTask('n1')),
        repo.insert(newTask('exists')),
        repo.markStarted('missing', 1),
        repo.markStarted('exists', 2),
        repo.insert(newTask('n2')),
      ]);
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled'],
      );
      assert.deepEqual(
        (await repo.find({})).map((r) => r.taskId),
        ['exists', 'n1', 'n2'],
      );
      assert.equal((await repo.findByTaskId('exists'))?.status, 'running');
    });

    it('insertIfRoom: 20 concurrent inserts against a limit of 5 with one running land exactly 4; finished tasks free room', async () => {
      await repo.insert(newTask('held'));
      await repo.markStarted('held', 1);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => repo.insertIfRoom(newTask(`q${i}`), 5, 0)),
      );
      assert.equal(outcomes.filter((o) => 'inserted' in o).length, 4);
      assert.equal(outcomes.filter((o) => 'isFull' in o).length, 16);
      await repo.markFinished('held', { status: 'finished', finishMills: 2, result: [], error: null, warnings: [] });
      assert.ok('inserted' in (await repo.insertIfRoom(newTask('after'), 5, 0)));
      assert.ok('inserted' in (await repo.insertIfRoom(newTask('unlimited'), 0, 0)), 'limit 0 = unlimited');
    });

    it('insertIfRoom with an idempotency key: concurrent submissions of one key insert once; the rest find it', async () => {
      const tag = { key: 'retry-me', fingerprint: 'abc' };
      const outcomes = await Promise.all(
        [1, 2, 3].map((i) => repo.insertIfRoom({ ...newTask(`k${i}`), idempotency: tag }, 0, 0)),
      );
      const inserted = outcomes.filter((o) => 'inserted' in o);
      assert.equal(inserted.length, 1);
      for (const o of outcomes)
        if ('existing' in o) assert.deepEqual([o.existing.task.taskId, o.existing.fingerprint], ['k1', 'abc']);
      assert.equal((await repo.findByIdempotencyKey('retry-me', 0))?.task.taskId, 'k1');
    });

    it('countByStatus counts every status in one read, 0 for statuses without rows', async () => {
      await repo.insert(newTask('p1'));
      await repo.insert(newTask('p2'));
      await repo.insert(newTask('r1'));
      await repo.markStarted('r1', 1);
      await repo.insert(newTask('f1'));
      await repo.markFinished('f1', { status: 'failed', finishMills: 2, result: [], error: 'x', warnings: [] });
      assert.deepEqual(await repo.countByStatus(), {
        pending: 2,
        running: 1,
        finished: 0,
        stopped: 0,
        skipped: 0,
        failed: 1,
        cancelled: 0,
      });
      assert.deepEqual(await repo.countByStatus(['running', 'pending']), { running: 1, pending: 2 });
      assert.deepEqual(await repo.countByStatus(['cancelled']), { cancelled: 0 });
    });

    it('insertIfRoom: a burst larger than one statement lands whole, in call order, and the store closes right after', async () => {
      const burst = await openTempStore(kind);
      try {
        const own = new TypeOrmTaskRepository(burst.dataSource);
        const count = 1100;
        const outcomes = await Promise.all(
          Array.from({ length: count }, (_, i) => own.insertIfRoom(newTask(`m${i}`), count - 50, 0)),
        );
        assert.equal(outcomes.filter((o) => 'inserted' in o).length, count - 50);
        assert.equal(outcomes.filter((o) => 'isFull' in o).length, 50);
        const ids = outcomes.flatMap((o) => ('inserted' in o ? [o.inserted.id] : []));
        assert.deepEqual(
          ids,
          [...ids].sort((a, b) => a - b),
        );
        assert.deepEqual(
          (await own.find({ limit: 3 })).map((r) => r.taskId),
          ['m0', 'm1', 'm2'],
        );
      } finally {
        // sqlite refuses to close over statements left prepared; closing must finalize them first.
        await burst.cleanup();
      }
    });

    it('insertIfRoom: a statement the store cannot prepare fails the submissions and nothing else (no crash)', async () => {
      const broken = await openTempStore(kind);
      try {
        const own = new TypeOrmTaskRepository(broken.dataSource);
        await broken.dataSource.query('ALTER TABLE "tasks" RENAME COLUMN "request_fingerprint" TO "renamed"');
        const outcomes = await Promise.allSettled([0, 1, 2].map((i) => own.insertIfRoom(newTask(`x${i}`), 0, 0)));
        assert.deepEqual(
          outcomes.map((o) => o.status),
          ['rejected', 'rejected', 'rejected'],
        );
        await broken.dataSource.query('ALTER TABLE "tasks" RENAME COLUMN "renamed" TO "request_fingerprint"');
        assert.ok('inserted' in (await own.insertIfRoom(newTask('after'), 0, 0)), 'the next submission is stored');
      } finally {
        await broken.cleanup();
      }
    });

    it('insertIfRoom: a burst is answered with the records as stored, in call order, and a duplicate fails only itself', async () => {
      await repo.insert(newTask('taken'));
      const names = ['b0', 'b1', 'taken', 'b2', 'b3'];
      const outcomes = await Promise.allSettled(names.map((name) => repo.insertIfRoom(newTask(name), 0, 0)));
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const inserted = outcomes.flatMap((o) =>
        o.status === 'fulfilled' && 'inserted' in o.value ? [o.value.inserted] : [],
      );
      for (const record of inserted)
        assert.deepEqual(record, await repo.findByTaskId(record.taskId), 'the reply is the stored row');
      const ids = inserted.map((r) => r.id);
      assert.deepEqual(
        ids,
        [...ids].sort((a, b) => a - b),
        'ids follow call order',
      );
      assert.deepEqual(
        (await repo.find({})).map((r) => r.taskId),
        ['taken', 'b0', 'b1', 'b2', 'b3'],
      );
    });
  });
