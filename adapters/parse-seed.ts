/** Exact int64 seeds (DECISIONS §3 "Seeds"): -1 or anything outside 0..2^63-1 means "random". */
export const MAX_SEED = (1n << 63n) - 1n;

export function parseSeed(value: unknown, randomSeed: bigint): bigint {
  let seed: bigint | null = null;
  if (typeof value === 'bigint') seed = value;
  else if (typeof value === 'number' && Number.isInteger(value)) seed = BigInt(value);
  else if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) seed = BigInt(value.trim());
  if (seed === null || seed < 0n || seed > MAX_SEED) return randomSeed;
  return seed;
}
