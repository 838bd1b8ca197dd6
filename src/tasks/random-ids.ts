import { randomBytes, randomUUID } from 'node:crypto';
import { MAX_SEED } from '../../adapters/parse-seed.ts';
import type { IdSource } from './ports.ts';
import type { Dialect } from '../../adapters/task-record.ts';

/** Task ids keep the creating dialect's form (DECISIONS §3); seeds are uniform in [0, 2^63-1]. */
export const randomIds: IdSource = {
  taskId: (dialect: Dialect) => (dialect === 'legacy' ? randomUUID() : randomUUID().replace(/-/g, '')),
  randomSeed: () => randomBytes(8).readBigUInt64BE() & MAX_SEED,
};
