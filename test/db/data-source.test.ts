import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { closeDatabase, openDatabase } from '../../src/persistence/data-source.ts';
import { TypeOrmTaskRepository } from '../../src/persistence/task.repository.ts';
import { newTask, openTempDatabase, type TempDatabase } from '../fixtures/db-fixtures.ts';

const INDEXES = ['IDX_tasks_in_queue_mills', 'IDX_tasks_status', 'IDX_tasks_status_id', 'IDX_tasks_task_id'];
const ALL_INDEXES = ['IDX_tasks_idempotency_key', ...INDEXES];
const MIGRATION_NAMES = ['CreateTasks1795434210937', 'ClusterQueue1796400670446', 'AddIdempotencyKeys1796430000000'];

async function schemaObjects(db: TempDatabase): Promise<string[]> {
  const rows: Array<{ name: string }> = await db.dataSource.query(
    `SELECT name FROM sqlite_master WHERE tbl_name = 'tasks' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

describe('openDatabase', () => {
  let db: TempDatabase | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('creates the missing parent folder and the tasks table with its named indexes by running the migrations', async () => {
    db = await openTempDatabase();
    assert.ok(existsSync(db.file));
    assert.deepEqual(await schemaObjects(db), [...ALL_INDEXES, 'tasks']);
    const applied: Array<{ name: string }> = await db.dataSource.query('SELECT name FROM migrations ORDER BY id');
    assert.deepEqual(
      applied.map((m) => m.name),
      MIGRATION_NAMES,
    );
  });

  it('turns on WAL journaling and a busy timeout', async () => {
    db = await openTempDatabase();
    assert.deepEqual(await db.dataSource.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    assert.deepEqual(await db.dataSource.query('PRAGMA busy_timeout'), [{ timeout: 5000 }]);
  });

  it('keeps rows across close and reopen, and does not re-run applied migrations', async () => {
    db = await openTempDatabase();
    const repo = new TypeOrmTaskRepository(db.dataSource);
    await repo.insert(newTask('kept-1'));
    await repo.markStarted('kept-1', 5);
    await repo.insert(newTask('kept-2', { request: { ...newTask('x').request, image_seed: 2n ** 63n - 1n } }));
    await closeDatabase(db.dataSource);

    const reopened = await openDatabase(db.file);
    db.dataSource = reopened;
    const again = new TypeOrmTaskRepository(reopened);
    const rows = await again.find({});
    assert.deepEqual(
      rows.map((r) => [r.taskId, r.status, r.attempts]),
      [
        ['kept-1', 'running', 1],
        ['kept-2', 'pending', 0],
      ],
    );
    assert.equal(rows[1].request.image_seed, 9223372036854775807n);
    const applied: unknown[] = await reopened.query('SELECT name FROM migrations');
    assert.equal(applied.length, MIGRATION_NAMES.length);
  });

  it('closeDatabase is safe to call twice', async () => {
    db = await openTempDatabase();
    await closeDatabase(db.dataSource);
    await closeDatabase(db.dataSource);
    assert.equal(db.dataSource.isInitialized, false);
  });
});

describe('migration CreateTasks', () => {
  let db: TempDatabase | undefined;
  afterEach(async () => {
    await db?.cleanup();
    db = undefined;
  });

  it('reverts on a table holding rows and re-applies to a working, empty table', async () => {
    db = await openTempDatabase();
    const repo = new TypeOrmTaskRepository(db.dataSource);
    await repo.insert(newTask('before-1'));
    await repo.insert(newTask('before-2'));

    for (let i = 0; i < MIGRATION_NAMES.length; i++) await db.dataSource.undoLastMigration({ transaction: 'each' });
    assert.deepEqual(await schemaObjects(db), []);
    assert.deepEqual(await db.dataSource.query('SELECT name FROM migrations'), []);

    await db.dataSource.runMigrations({ transaction: 'each' });
    assert.deepEqual(await schemaObjects(db), [...ALL_INDEXES, 'tasks']);
    assert.equal(await repo.count({}), 0);
    const record = await repo.insert(newTask('after'));
    assert.equal(record.status, 'pending');
    await assert.rejects(repo.insert(newTask('after')), /already exists/, 'unique index on task_id is back');
  });

  it('AddIdempotencyKeys reverts and re-applies on a table holding rows, keeping them', async () => {
    db = await openTempDatabase();
    const repo = new TypeOrmTaskRepository(db.dataSource);
    await repo.insert(newTask('kept-a'));
    await repo.insertIfRoom({ ...newTask('kept-b'), idempotency: { key: 'k1', fingerprint: 'f1' } }, 0, 0);
    await db.dataSource.undoLastMigration({ transaction: 'each' });
    assert.deepEqual(await schemaObjects(db), [...INDEXES, 'tasks']);
    const columns: Array<{ name: string }> = await db.dataSource.query(`PRAGMA table_info('tasks')`);
    assert.ok(!columns.some((c) => c.name === 'idempotency_key'));
    assert.deepEqual(
      (await db.dataSource.query('SELECT task_id FROM tasks ORDER BY id')).map((r: { task_id: string }) => r.task_id),
      ['kept-a', 'kept-b'],
    );
    await db.dataSource.runMigrations({ transaction: 'each' });
    assert.deepEqual(
      (await repo.find({})).map((t) => t.taskId),
      ['kept-a', 'kept-b'],
    );
    assert.equal(await repo.findByIdempotencyKey('k1', 0), null, 'keys do not survive a revert');
    await repo.insertIfRoom({ ...newTask('kept-c'), idempotency: { key: 'k1', fingerprint: 'f2' } }, 0, 0);
    assert.equal((await repo.findByIdempotencyKey('k1', 0))?.task.taskId, 'kept-c');
  });

  it('never reuses a row id after deletes (AUTOINCREMENT keeps submission order)', async () => {
    db = await openTempDatabase();
    const repo = new TypeOrmTaskRepository(db.dataSource);
    const first = await repo.insert(newTask('one'));
    const second = await repo.insert(newTask('two'));
    await repo.deleteByTaskIds(['two']);
    const third = await repo.insert(newTask('three'));
    assert.ok(third.id > second.id && second.id > first.id);
  });
});
