/**
 * Seeded standard-normal stream for initial latents and sampler noise.
 *
 * Recipe (the golden test depends on it): state = four SplitMix64 outputs from seed mod 2^64;
 * uniforms from xoshiro256** (top 53 bits); Box–Muller on pairs (u1 = (k1 + 1)/2^53 so ln never sees 0,
 * u2 = k2/2^53), yielding r·cos(2πu2) then r·sin(2πu2). All 64 seed bits matter. The same seed gives
 * the same stream whether it is drawn with next() or fill(). Not torch's CPU randn (DECISIONS §1).
 */
import { Xoshiro256StarStar } from './xoshiro256.ts';

export interface NormalRng {
  /** Next N(0,1) draw. */
  next(): number;
  /** Fills `out` with the next out.length draws (rounded to float32) and returns it. */
  fill(out: Float32Array): Float32Array;
}

const TWO_PI = 2 * Math.PI;
const TWO_POW_NEG_53 = 1 / 9007199254740992;

export function createNormalRng(seed: bigint): NormalRng {
  if (typeof seed !== 'bigint') throw new TypeError(`seed must be a bigint, got ${typeof seed}`);
  const uniform = new Xoshiro256StarStar(seed);
  let spare = 0;
  let hasSpare = false;

  const next = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    const u1 = (uniform.nextUint53() + 1) * TWO_POW_NEG_53; // (0, 1]: ln(u1) is finite
    const u2 = uniform.nextUint53() * TWO_POW_NEG_53;
    const r = Math.sqrt(-2 * Math.log(u1));
    const angle = TWO_PI * u2;
    spare = r * Math.sin(angle);
    hasSpare = true;
    return r * Math.cos(angle);
  };

  let scratch = new Float64Array(0);
  return {
    next,
    fill(out: Float32Array): Float32Array {
      let i = 0;
      if (hasSpare && out.length > 0) out[i++] = next();
      const pairs = (out.length - i) >> 1;
      if (scratch.length < 2 * pairs) scratch = new Float64Array(2 * pairs);
      const ks = uniform.fillUint53(pairs === scratch.length / 2 ? scratch : scratch.subarray(0, 2 * pairs));
      for (let p = 0; p < pairs; p++) {
        const r = Math.sqrt(-2 * Math.log((ks[2 * p] + 1) * TWO_POW_NEG_53));
        const angle = TWO_PI * (ks[2 * p + 1] * TWO_POW_NEG_53);
        out[i++] = r * Math.cos(angle);
        out[i++] = r * Math.sin(angle);
      }
      if (i < out.length) out[i] = next(); // odd tail: the pair's second value stays pending
      return out;
    },
  };
}
