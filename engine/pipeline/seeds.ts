/** Per-image seeds: image i uses seed+i wrapped into [0, 2^63−1] (Fooocus: (seed + i) mod (MAX_SEED+1)). */

export const MAX_SEED = (1n << 63n) - 1n;

export function imageSeed(seed: bigint, index: number, disableSeedIncrement: boolean): bigint {
  if (disableSeedIncrement) return seed;
  return (seed + BigInt(index)) % (MAX_SEED + 1n);
}

/**
 * The sampler's own noise stream must not replay the initial-noise stream (both are seeded
 * from the image seed): derive a distinct 64-bit seed with a fixed odd constant.
 */
export function samplerNoiseSeed(seed: bigint): bigint {
  return (seed ^ 0x5851f42d4c957f2dn) & ((1n << 64n) - 1n);
}
