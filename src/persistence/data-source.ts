/**
 * Opens the gateway's sqlite database (DECISIONS §2: TypeORM on sqlite3, WAL) and brings its schema
 * up to date by running the migrations — never `synchronize` (house-style rule 8).
 * The only place that constructs a DataSource; main.ts calls openDatabase once at start.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { CreateTasks1795434210937 } from '../../migrations/1795434210937-CreateTasks.ts';
import { AddIdempotencyKeys1796430000000 } from '../../migrations/1796430000000-AddIdempotencyKeys.ts';
import { TaskEntity } from './entities/task.entity.ts';

/**
 * Listed explicitly, oldest first: TypeORM's glob loading needs require() of .js files, which
 * does not work under tsx/ESM. Append each new migration here.
 */
export const MIGRATIONS = [CreateTasks1795434210937, AddIdempotencyKeys1796430000000];

/** How long a statement waits for a lock held by another process (e.g. a backup) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export async function openDatabase(file: string): Promise<DataSource> {
  await mkdir(dirname(file), { recursive: true });
  const dataSource = new DataSource({
    type: 'sqlite',
    database: file,
    // The driver issues `PRAGMA journal_mode = WAL` and `PRAGMA busy_timeout` on connect.
    // synchronous stays at sqlite's default FULL: an accepted task must survive a power cut (DECISIONS §2).
    enableWAL: true,
    busyTimeout: BUSY_TIMEOUT_MS,
    entities: [TaskEntity],
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
  await dataSource.initialize();
  try {
    await assertWal(dataSource, file);
    // One transaction per migration, so a failing one leaves the earlier ones applied and recorded.
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

export async function closeDatabase(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}

/** WAL lets readers (status polls) run while the runner writes; some filesystems refuse it silently. */
async function assertWal(dataSource: DataSource, file: string): Promise<void> {
  const rows: Array<{ journal_mode: string }> = await dataSource.query('PRAGMA journal_mode');
  const mode = rows[0]?.journal_mode;
  if (mode !== 'wal') throw new Error(`database ${file}: journal_mode is '${String(mode)}', expected 'wal'`);
}
