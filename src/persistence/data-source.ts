/**
 * Opens the task store (DECISIONS §2, §7): TypeORM on sqlite3 with WAL for one machine, or on
 * PostgreSQL for a cluster, and brings its schema up to date by running the one migration set —
 * never `synchronize` (house-style rule 8).
 * The only place that constructs a DataSource; composeServer calls openDatabase once at start.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sqlite3 from 'sqlite3';
import { DataSource, type MigrationInterface } from 'typeorm';
import type { DatabaseTarget } from '../config/config.types.ts';
import { CreateTasks1795434210937 } from '../../migrations/1795434210937-CreateTasks.ts';
import { AddIdempotencyKeys1796430000000 } from '../../migrations/1796430000000-AddIdempotencyKeys.ts';
import { ClusterQueue1796400670446 } from '../../migrations/1796400670446-ClusterQueue.ts';
import { NodeEntity } from './entities/node.entity.ts';
import { TaskEntity } from './entities/task.entity.ts';
import { runCloseHooks } from './close-hooks.ts';
import { TaskLiveEntity } from './entities/task-live.entity.ts';

type MigrationClass = new () => MigrationInterface;

/**
 * Listed explicitly, oldest first: TypeORM's glob loading needs require() of .js files, which
 * does not work under tsx/ESM. Append each new migration here.
 */
export const MIGRATIONS: MigrationClass[] = [
  CreateTasks1795434210937,
  ClusterQueue1796400670446,
  AddIdempotencyKeys1796430000000,
];

/** How long a statement waits for a lock held by another process (e.g. a backup) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;
/** Connections per node: claims, renewals, polls and writes from a handful of engines. */
const POSTGRES_POOL_SIZE = 10;
/**
 * Session-level advisory lock key held while migrations run, so nodes starting together apply
 * each migration once ("fgw-migr" as ASCII).
 */
const MIGRATION_LOCK_KEY = 0x6667772d6d696772n;

export interface OpenDatabaseOptions {
  /** Tests run a prefix of the set to check a later migration on rows written before it. */
  migrations?: MigrationClass[];
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/** A bare string is a sqlite file (the tests' and tools' shorthand). */
export async function openDatabase(
  target: DatabaseTarget | string,
  options: OpenDatabaseOptions = {},
): Promise<DataSource> {
  const resolved: DatabaseTarget = typeof target === 'string' ? { kind: 'sqlite', file: target } : target;
  const dataSource =
    resolved.kind === 'sqlite'
      ? await sqliteDataSource(resolved.file, options)
      : postgresDataSource(resolved.url, options);
  await dataSource.initialize();
  try {
    if (resolved.kind === 'sqlite') await assertWal(dataSource, resolved.file);
    await runMigrationsOnce(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

export async function closeDatabase(dataSource: DataSource): Promise<void> {
  await runCloseHooks(dataSource);
  if (dataSource.isInitialized) await dataSource.destroy();
}

export function isPostgres(dataSource: DataSource): boolean {
  return dataSource.options.type === 'postgres';
}

/**
 * TypeORM calls `verbose()` on the driver it loads, which wraps every sqlite3 call in a
 * long-stack-trace recorder (a `new Error()` and `util.inspect` of each argument): 14% of the
 * server's CPU under a burst of submissions. Our errors are mapped by TypeORM anyway, so the
 * driver TypeORM gets answers `verbose()` with the plain module.
 */
const plainSqlite3: typeof sqlite3 = Object.assign(Object.create(sqlite3) as typeof sqlite3, {
  verbose: () => sqlite3,
});

async function sqliteDataSource(file: string, options: OpenDatabaseOptions): Promise<DataSource> {
  await mkdir(dirname(file), { recursive: true });
  return new DataSource({
    type: 'sqlite',
    database: file,
    driver: plainSqlite3,
    // The driver issues `PRAGMA journal_mode = WAL` and `PRAGMA busy_timeout` on connect.
    // synchronous stays at sqlite's default FULL: an accepted task must survive a power cut (DECISIONS §2).
    enableWAL: true,
    busyTimeout: BUSY_TIMEOUT_MS,
    entities: [TaskEntity, NodeEntity, TaskLiveEntity],
    migrations: options.migrations ?? MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
}

function postgresDataSource(url: string, options: OpenDatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    applicationName: options.applicationName ?? 'fooocus-gateway',
    poolSize: POSTGRES_POOL_SIZE,
    entities: [TaskEntity, NodeEntity, TaskLiveEntity],
    migrations: options.migrations ?? MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
  });
}

/**
 * One transaction per migration, so a failing one leaves the earlier ones applied and recorded.
 * On PostgreSQL a session advisory lock makes concurrent starts take turns: the second node finds
 * the migrations recorded and applies nothing.
 */
async function runMigrationsOnce(dataSource: DataSource): Promise<void> {
  if (!isPostgres(dataSource)) {
    await dataSource.runMigrations({ transaction: 'each' });
    return;
  }
  const lock = dataSource.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    await lock.release();
  }
}

/** WAL lets readers (status polls) run while the runner writes; some filesystems refuse it silently. */
async function assertWal(dataSource: DataSource, file: string): Promise<void> {
  const rows: Array<{ journal_mode: string }> = await dataSource.query('PRAGMA journal_mode');
  const mode = rows[0]?.journal_mode;
  if (mode !== 'wal') throw new Error(`database ${file}: journal_mode is '${String(mode)}', expected 'wal'`);
}
