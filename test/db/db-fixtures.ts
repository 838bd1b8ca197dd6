/** Shared setup for the DB suites: a real sqlite file in a fresh temp dir, schema made by the migrations. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { COMMON_REQUEST_DEFAULTS } from '../../adapters/common-request.ts';
import { closeDatabase, openDatabase } from '../../src/persistence/data-source.ts';
import type { NewTask } from '../../src/tasks/task.types.ts';

export interface TempDatabase {
  dir: string;
  file: string;
  dataSource: DataSource;
  cleanup(): Promise<void>;
}

/** The file sits in a not-yet-existing subfolder, so openDatabase must create it. */
export async function openTempDatabase(): Promise<TempDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'fooocus-gateway-db-'));
  const file = join(dir, 'data', 'db.sqlite3');
  const dataSource = await openDatabase(file);
  return {
    dir,
    file,
    dataSource,
    async cleanup() {
      await closeDatabase(dataSource);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function newTask(taskId: string, overrides: Partial<NewTask> = {}): NewTask {
  return {
    taskId,
    dialect: 'all-in-one',
    mode: 'Text to Image',
    responseMode: 'async',
    request: { ...COMMON_REQUEST_DEFAULTS, prompt: `prompt of ${taskId}`, image_seed: 42n },
    webhookUrl: '',
    inQueueMills: 1_700_000_000_000,
    warnings: [],
    ...overrides,
  };
}
