import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { TypeOrmTaskClaims } from '../../src/persistence/task-claims.repository.ts';
import { TypeOrmTaskRepository } from '../../src/persistence/task.repository.ts';
import { describeWith } from '../fixtures/postgres.ts';
import type { InsertOutcome } from '../../src/tasks/task.types.ts';
import { newTask, openTempStore, storeKinds, type TempStore } from '../fixtures/db-fixtures.ts';

/** The inserted row, or null when insertIfRoom refused (full, or the key named another task). */
const insertedOf = (outcome: InsertOutcome) => ('inserted' in outcome ? outcome.inserted : null);

const LEASE_MS = 60_000;
const done = {
  status: 'finished' as const,
  finishMills: 9,
  result: [{ file: '2024-01-02/a.png', seed: 1n }],
  error: null,
  warnings: [],
};
const reclaimOptions = { maxStarts: 2, finishMills: 50, failedError: (n: number) => `interrupted ${n} times` };

/** Moves every running lease into the past, as if its node had stopped renewing long ago. */
async function expireLeases(dataSource: DataSource): Promise<void> {
  await dataSource.query(`UPDATE "tasks" SET "lease_until" = 1 WHERE "status" = 'running'`);
}

for (const { kind, skip } of await storeKinds())
  describeWith(`TypeOrmTaskClaims on ${kind}`, skip, ({ it, before, after, beforeEach }) => {
    let db: TempStore;
    let repo: TypeOrmTaskRepository;
    let claims: TypeOrmTaskClaims;

    before(async () => {
      db = await openTempStore(kind);
      repo = new TypeOrmTaskRepository(db.dataSource);
      claims = new TypeOrmTaskClaims(db.dataSource, LEASE_MS);
    });
    after(async () => db.cleanup());
    beforeEach(async () => {
      await db.dataSource.query('DELETE FROM "tasks"');
    });

    it('claims pending tasks oldest first, marking each running for the node with a start, an attempt and a lease', async () => {
      for (const id of ['a', 'b', 'c']) await repo.insert(newTask(id));
      const first = await claims.claimNext('node-1', 100);
      assert.equal(first?.taskId, 'a');
      assert.equal(first?.status, 'running');
      assert.equal(first?.startMills, 100);
      assert.equal(first?.attempts, 1);
      assert.equal((await claims.claimNext('node-2', 101))?.taskId, 'b');
      assert.equal((await claims.claimNext('node-1', 102))?.taskId, 'c');
      assert.equal(await claims.claimNext('node-1', 103), null, 'nothing left');
      const [row] = await db.dataSource.query(`SELECT "node_name", "lease_until" FROM "tasks" WHERE "task_id" = 'b'`);
      assert.equal(row.node_name, 'node-2');
      assert.ok(Number(row.lease_until) > Date.now() + LEASE_MS / 2, 'lease runs about LEASE_MS from now');
    });

    it('finishClaimed records only for the node holding the task, once', async () => {
      await repo.insert(newTask('t'));
      await claims.claimNext('node-1', 1);
      assert.equal(await claims.finishClaimed('t', 'node-2', done), null, 'another node cannot finish it');
      const finished = await claims.finishClaimed('t', 'node-1', done);
      assert.equal(finished?.status, 'finished');
      assert.deepEqual(finished?.result, done.result);
      assert.equal(
        await claims.finishClaimed('t', 'node-1', { ...done, status: 'failed' }),
        null,
        'a second finish changes nothing',
      );
      assert.equal((await repo.findByTaskId('t'))?.status, 'finished');
    });

    it('renew extends only the leases the node still holds and names them', async () => {
      await repo.insert(newTask('mine'));
      await repo.insert(newTask('theirs'));
      await claims.claimNext('node-1', 1);
      await claims.claimNext('node-2', 1);
      await expireLeases(db.dataSource);
      assert.deepEqual(await claims.renew('node-1', ['mine', 'theirs', 'gone']), ['mine']);
      assert.deepEqual(await claims.renew('node-1', []), []);
      const outcome = await claims.reclaim(reclaimOptions);
      assert.deepEqual(outcome.requeued, ['theirs'], 'the renewed lease is held; the other ran out');
    });

    it('reclaim requeues a task whose lease ran out, and it is claimed again (attempt 2) before newer ones', async () => {
      await repo.insert(newTask('old'));
      await repo.insert(newTask('new'));
      await claims.claimNext('dead-node', 1);
      assert.deepEqual(await claims.reclaim(reclaimOptions), { requeued: [], ended: [] }, 'a live lease is left alone');
      await expireLeases(db.dataSource);
      assert.deepEqual(await claims.reclaim(reclaimOptions), { requeued: ['old'], ended: [] });
      const pending = await repo.findByTaskId('old');
      assert.equal(pending?.status, 'pending');
      assert.equal(pending?.startMills, null);
      const again = await claims.claimNext('node-2', 5);
      assert.equal(again?.taskId, 'old');
      assert.equal(again?.attempts, 2);
      assert.equal(await claims.finishClaimed('old', 'dead-node', done), null, 'the dead node can no longer record it');
    });

    it("reclaim with sparing leaves the asking node's own tasks alone even when their lease ran out", async () => {
      await repo.insert(newTask('mine'));
      await repo.insert(newTask('orphan'));
      await claims.claimNext('me', 1);
      await claims.claimNext('gone', 1);
      await expireLeases(db.dataSource);
      assert.deepEqual((await claims.reclaim({ ...reclaimOptions, sparing: 'me' })).requeued, ['orphan']);
      assert.equal((await repo.findByTaskId('mine'))?.status, 'running');
    });

    it('reclaim fails a task that has already started twice, naming the attempts', async () => {
      await repo.insert(newTask('doomed'));
      await claims.claimNext('n1', 1);
      await expireLeases(db.dataSource);
      await claims.reclaim(reclaimOptions);
      await claims.claimNext('n2', 2);
      await expireLeases(db.dataSource);
      const outcome = await claims.reclaim(reclaimOptions);
      assert.deepEqual(outcome.requeued, []);
      assert.deepEqual(
        outcome.ended.map((t) => [t.taskId, t.status, t.error, t.finishMills]),
        [['doomed', 'failed', 'interrupted 2 times', 50]],
      );
    });

    it("reclaim with ownedBy takes the restarting node's own running tasks at once, lease or not", async () => {
      await repo.insert(newTask('own'));
      await repo.insert(newTask('other'));
      await claims.claimNext('me', 1);
      await claims.claimNext('you', 1);
      assert.deepEqual((await claims.reclaim({ ...reclaimOptions, ownedBy: 'me' })).requeued, ['own']);
      assert.deepEqual(
        (await claims.reclaim({ ...reclaimOptions, everyRunning: true })).requeued,
        ['other'],
        'everyRunning: the sole node takes all',
      );
    });

    it('a cancel requested while running ends the task as cancelled, whether its node finishes it or it is reclaimed', async () => {
      await repo.insert(newTask('finished-by-node'));
      await repo.insert(newTask('node-died'));
      await claims.claimNext('n1', 1);
      await claims.claimNext('n1', 1);
      assert.equal(await claims.requestCancel('finished-by-node'), true);
      assert.equal(await claims.requestCancel('node-died'), true);
      assert.equal((await claims.finishClaimed('finished-by-node', 'n1', done))?.status, 'cancelled');
      await expireLeases(db.dataSource);
      const outcome = await claims.reclaim(reclaimOptions);
      assert.deepEqual(
        outcome.ended.map((t) => [t.taskId, t.status, t.error]),
        [['node-died', 'cancelled', null]],
      );
      assert.equal(await claims.requestCancel('node-died'), false, 'no longer running');
    });

    it('cancelPending ends a pending task once, and not one that was claimed meanwhile', async () => {
      await repo.insert(newTask('waiting'));
      await repo.insert(newTask('taken'));
      await claims.claimNext('n1', 1);
      assert.equal(await claims.cancelPending('waiting', 7), null, "'waiting' was the oldest: it is running now");
      const cancelled = await claims.cancelPending('taken', 7);
      assert.equal(cancelled?.status, 'cancelled');
      assert.equal(cancelled?.finishMills, 7);
      assert.equal(await claims.cancelPending('taken', 8), null);
    });

    it("handBack returns the node's running tasks to pending without counting the start", async () => {
      await repo.insert(newTask('a'));
      await repo.insert(newTask('b'));
      await claims.claimNext('leaving', 1);
      await claims.claimNext('other', 1);
      assert.deepEqual(
        await claims.handBack('leaving', ['a', 'b']),
        ['a'],
        "only its own: 'b' belongs to another node",
      );
      const a = await repo.findByTaskId('a');
      assert.deepEqual([a?.status, a?.attempts, a?.startMills], ['pending', 0, null]);
      assert.equal((await claims.claimNext('other', 2))?.taskId, 'a');
    });
  });

const [, postgres] = await storeKinds();
describeWith('claims between nodes on one PostgreSQL database', postgres.skip, ({ it, before, after }) => {
  let db: TempStore;
  before(async () => {
    db = await openTempStore('postgres');
  });
  after(async () => db.cleanup());

  it('4 nodes claiming 200 tasks at once each get different tasks and every task is claimed exactly once', async () => {
    const repo = new TypeOrmTaskRepository(db.dataSource);
    for (let i = 0; i < 200; i++) await repo.insert(newTask(`t${String(i).padStart(3, '0')}`));
    const nodes = await Promise.all(
      [0, 1, 2, 3].map(async (n) => ({
        name: `node-${n}`,
        claims: new TypeOrmTaskClaims(await db.openAnother(), LEASE_MS),
      })),
    );
    const claimedBy = new Map<string, string[]>();
    await Promise.all(
      nodes.map(async (node) => {
        // Several claimers per node, like a node with free engines.
        await Promise.all(
          [0, 1, 2].map(async () => {
            for (;;) {
              const task = await node.claims.claimNext(node.name, Date.now());
              if (!task) return;
              claimedBy.set(task.taskId, [...(claimedBy.get(task.taskId) ?? []), node.name]);
            }
          }),
        );
      }),
    );
    assert.equal(claimedBy.size, 200);
    assert.ok(
      [...claimedBy.values()].every((owners) => owners.length === 1),
      'no task claimed twice',
    );
    const perNode = nodes.map((node) => [...claimedBy.values()].filter(([owner]) => owner === node.name).length);
    assert.ok(
      perNode.every((count) => count > 0),
      `every node got work: ${perNode.join(', ')}`,
    );
    const rows: Array<{ attempts: number }> = await db.dataSource.query(`SELECT "attempts" FROM "tasks"`);
    assert.ok(rows.every((r) => r.attempts === 1));
  });

  it('insertIfRoom on two nodes at once never exceeds the limit', async () => {
    await db.dataSource.query('DELETE FROM "tasks"');
    const repos = [
      new TypeOrmTaskRepository(await db.openAnother()),
      new TypeOrmTaskRepository(await db.openAnother()),
    ];
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => repos[i % 2].insertIfRoom(newTask(`room-${i}`), 7, 0).then(insertedOf)),
    );
    assert.equal(outcomes.filter((o) => o !== null).length, 7);
  });

  it('two nodes reclaiming the same expired task: one requeues it, the other does nothing', async () => {
    await db.dataSource.query('DELETE FROM "tasks"');
    const repo = new TypeOrmTaskRepository(db.dataSource);
    await repo.insert(newTask('orphan'));
    const [a, b] = [
      new TypeOrmTaskClaims(await db.openAnother(), LEASE_MS),
      new TypeOrmTaskClaims(await db.openAnother(), LEASE_MS),
    ];
    await a.claimNext('dead', 1);
    await expireLeases(db.dataSource);
    const outcomes = await Promise.all([a.reclaim(reclaimOptions), b.reclaim(reclaimOptions)]);
    assert.deepEqual(
      outcomes.flatMap((o) => o.requeued),
      ['orphan'],
    );
  });
});
