/**
 * The one migration set on both stores (DECISIONS §7): it builds the same tables, and ClusterQueue
 * upgrades a database that already holds rows written before it, and reverts with rows present.
 */
import assert from 'node:assert/strict';
import type { DataSource } from 'typeorm';
import { CreateTasks1795434210937 } from '../../migrations/1795434210937-CreateTasks.ts';
import { closeDatabase, MIGRATIONS, openDatabase } from '../../src/persistence/data-source.ts';
import { TypeOrmTaskClaims } from '../../src/persistence/task-claims.repository.ts';
import { TypeOrmNodeRegistry } from '../../src/persistence/node.repository.ts';
import { TypeOrmTaskRepository } from '../../src/persistence/task.repository.ts';
import { describeWith } from '../fixtures/postgres.ts';
import { newTask, openTempStore, storeKinds, type TempStore } from '../fixtures/db-fixtures.ts';

async function tablesAndIndexes(dataSource: DataSource): Promise<{ tables: string[]; indexes: string[] }> {
  const isPostgres = dataSource.options.type === 'postgres';
  const tables: Array<{ name: string }> = await dataSource.query(
    isPostgres
      ? `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`
      : `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1`,
  );
  const indexes: Array<{ name: string }> = await dataSource.query(
    isPostgres
      ? `SELECT indexname AS name FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE 'IDX_%' ORDER BY 1`
      : `SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'IDX_%' ORDER BY 1`,
  );
  return { tables: tables.map((t) => t.name), indexes: indexes.map((i) => i.name) };
}

/** A row as the first release wrote it, by hand: the entity of today has columns it lacked. */
async function insertFirstReleaseRow(dataSource: DataSource, taskId: string, status: string): Promise<void> {
  const request = JSON.stringify({ ...newTask(taskId).request, image_seed: 42 });
  const values = [taskId, 'all-in-one', 'Text to Image', 'async', request, status, 1_700_000_000_000];
  const sql =
    dataSource.options.type === 'postgres'
      ? `INSERT INTO "tasks" ("task_id","dialect","mode","response_mode","request","status","in_queue_mills") VALUES ($1,$2,$3,$4,$5,$6,$7)`
      : `INSERT INTO "tasks" ("task_id","dialect","mode","response_mode","request","status","in_queue_mills") VALUES (?,?,?,?,?,?,?)`;
  await dataSource.query(sql, values);
}

for (const { kind, skip } of await storeKinds())
  describeWith(`migrations on ${kind}`, skip, ({ it, afterEach }) => {
    let store: TempStore | undefined;
    afterEach(async () => {
      await store?.cleanup();
      store = undefined;
    });

    it('build the tasks, nodes and task_live tables with their named indexes and record every migration', async () => {
      store = await openTempStore(kind);
      const { tables, indexes } = await tablesAndIndexes(store.dataSource);
      assert.deepEqual(tables, ['migrations', 'nodes', 'task_live', 'tasks']);
      assert.deepEqual(indexes, [
        'IDX_tasks_idempotency_key',
        'IDX_tasks_in_queue_mills',
        'IDX_tasks_status',
        'IDX_tasks_status_id',
        'IDX_tasks_task_id',
      ]);
      const applied: Array<{ name: string }> = await store.dataSource.query('SELECT name FROM migrations ORDER BY id');
      assert.deepEqual(
        applied.map((m) => m.name),
        MIGRATIONS.map((m) => new m().name),
      );
    });

    it('ClusterQueue upgrades a database holding rows: they keep their data, pending ones are claimable, running ones reclaimable', async () => {
      store = await openTempStore(kind, { migrations: [CreateTasks1795434210937] });
      await insertFirstReleaseRow(store.dataSource, 'was-pending', 'pending');
      await insertFirstReleaseRow(store.dataSource, 'was-running', 'running');
      await insertFirstReleaseRow(store.dataSource, 'was-finished', 'finished');
      await closeDatabase(store.dataSource);

      const upgraded = await openDatabase(store.target);
      store.dataSource = upgraded;
      const repo = new TypeOrmTaskRepository(upgraded);
      const claims = new TypeOrmTaskClaims(upgraded, 60_000);
      assert.deepEqual(
        (await repo.find({})).map((t) => [t.taskId, t.status, t.request.image_seed]),
        [
          ['was-pending', 'pending', 42n],
          ['was-running', 'running', 42n],
          ['was-finished', 'finished', 42n],
        ],
      );
      // A running row from before the cluster has no lease: nobody holds it.
      assert.deepEqual((await claims.reclaim({ maxStarts: 2, finishMills: 1, failedError: () => 'x' })).requeued, [
        'was-running',
      ]);
      assert.equal((await claims.claimNext('n', 1))?.taskId, 'was-pending');
      assert.equal((await claims.claimNext('n', 1))?.taskId, 'was-running');
    });

    it('AddIdempotencyKeys and ClusterQueue revert with rows present (leaving the first table intact) and apply again', async () => {
      store = await openTempStore(kind);
      const repo = new TypeOrmTaskRepository(store.dataSource);
      await repo.insert(newTask('kept'));
      await repo.insertIfRoom({ ...newTask('keyed'), idempotency: { key: 'k', fingerprint: 'f' } }, 0, 0);
      await new TypeOrmNodeRegistry(store.dataSource).register({
        name: 'n',
        engines: 1,
        devices: ['cpu'],
        baseUrl: '',
      });
      await store.dataSource.undoLastMigration({ transaction: 'each' });
      assert.deepEqual((await tablesAndIndexes(store.dataSource)).indexes, [
        'IDX_tasks_in_queue_mills',
        'IDX_tasks_status',
        'IDX_tasks_status_id',
        'IDX_tasks_task_id',
      ]);
      const kept = await store.dataSource.query(`SELECT "task_id" FROM "tasks" ORDER BY "id"`);
      assert.deepEqual(
        kept.map((row: { task_id: string }) => row.task_id),
        ['kept', 'keyed'],
        'AddIdempotencyKeys reverted, rows kept',
      );
      await store.dataSource.undoLastMigration({ transaction: 'each' });
      const reverted = await tablesAndIndexes(store.dataSource);
      assert.deepEqual(reverted.tables, ['migrations', 'tasks']);
      assert.deepEqual(reverted.indexes, ['IDX_tasks_in_queue_mills', 'IDX_tasks_status', 'IDX_tasks_task_id']);
      const rows = await store.dataSource.query(`SELECT "task_id", "status" FROM "tasks" ORDER BY "id"`);
      assert.deepEqual(
        rows.map((row: object) => ({ ...row })),
        [
          { task_id: 'kept', status: 'pending' },
          { task_id: 'keyed', status: 'pending' },
        ],
      );
      await store.dataSource.runMigrations({ transaction: 'each' });
      assert.equal((await new TypeOrmTaskClaims(store.dataSource, 1000).claimNext('n', 1))?.taskId, 'kept');
      const reused = await repo.insertIfRoom(
        { ...newTask('keyed-again'), idempotency: { key: 'k', fingerprint: 'f2' } },
        0,
        0,
      );
      assert.ok('inserted' in reused, 'keys do not survive a revert');
    });
  });

const [, postgres] = await storeKinds();
describeWith('migrations on PostgreSQL from two nodes starting together', postgres.skip, ({ it }) => {
  it('apply each migration once', async () => {
    const store = await openTempStore('postgres', { migrations: [] });
    try {
      const [a, b] = await Promise.all([openDatabase(store.target), openDatabase(store.target)]);
      const applied: Array<{ name: string }> = await a.query('SELECT name FROM migrations ORDER BY id');
      assert.deepEqual(
        applied.map((m) => m.name),
        MIGRATIONS.map((m) => new m().name),
      );
      await closeDatabase(a);
      await closeDatabase(b);
    } finally {
      await store.cleanup();
    }
  });
});
