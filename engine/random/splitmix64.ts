/**
 * SplitMix64 (Steele, Lea, Flood 2014), used only to expand a 64-bit seed into generator state.
 * BigInt is fine here: it runs four times per generator.
 */
const MASK64 = (1n << 64n) - 1n;

export interface SplitMix64 {
  next(): bigint;
}

/** A SplitMix64 stream; the seed is taken modulo 2^64 (negative int64 seeds wrap, as in C). */
export function createSplitMix64(seed: bigint): SplitMix64 {
  let state = BigInt.asUintN(64, seed);
  return {
    next(): bigint {
      state = (state + 0x9e3779b97f4a7c15n) & MASK64;
      let z = state;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
      return z ^ (z >> 31n);
    },
  };
}
