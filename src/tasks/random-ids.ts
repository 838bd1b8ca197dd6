import { randomBytes, randomUUID } from 'node:crypto';
import { MAX_SEED } from '../../adapters/parse-seed.ts';
import type { IdSource } from './ports.ts';
import type { Dialect } from '../../adapters/task-record.ts';

/** Seeds drawn per call to the system random source: a call per submission showed in the profile of a burst. */
const SEEDS_PER_DRAW = 512;
let seedPool = Buffer.alloc(0);
let seedOffset = 0;

function nextRandomSeed(): bigint {
  if (seedOffset + 8 > seedPool.length) {
    seedPool = randomBytes(8 * SEEDS_PER_DRAW);
    seedOffset = 0;
  }
  const seed = seedPool.readBigUInt64BE(seedOffset) & MAX_SEED;
  seedOffset += 8;
  return seed;
}

/** Task ids keep the creating dialect's form (DECISIONS §3); seeds are uniform in [0, 2^63-1]. */
export const randomIds: IdSource = {
  taskId: (dialect: Dialect) => (dialect === 'legacy' ? randomUUID() : randomUUID().replace(/-/g, '')),
  randomSeed: nextRandomSeed,
};
