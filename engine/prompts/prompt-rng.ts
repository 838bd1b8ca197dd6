/**
 * The per-image random choices of prompt processing (wildcards, `Random Style`). Fooocus draws them
 * from Python's `random.Random(task_seed)`; bit-identical choices are not required (DECISIONS §1), so
 * we use our own xoshiro256** stream, seeded from the task seed XOR a fixed tag so it never replays
 * the initial-noise stream (which is seeded from the same task seed).
 */
import { Xoshiro256StarStar } from '../random/xoshiro256.ts';

export interface PromptRng {
  /** A uniform integer in [0, count); count is a positive integer ≤ 2^53. */
  pickIndex(count: number): number;
}

/** "prompts!" in ASCII: keeps this stream apart from the noise streams seeded from the same seed. */
const PROMPT_STREAM_TAG = 0x70726f6d70747321n;
const TWO_POW_53 = 9007199254740992;

export function createPromptRng(taskSeed: bigint): PromptRng {
  const source = new Xoshiro256StarStar(BigInt.asUintN(64, taskSeed ^ PROMPT_STREAM_TAG));
  return {
    pickIndex(count: number): number {
      if (!Number.isInteger(count) || count < 1 || count > TWO_POW_53)
        throw new RangeError(`count must be an integer in [1, 2^53], got ${count}`);
      // Rejection sampling: draws at or above the largest multiple of count would favour small indexes.
      const limit = TWO_POW_53 - (TWO_POW_53 % count);
      for (;;) {
        const draw = source.nextUint53();
        if (draw < limit) return draw % count;
      }
    },
  };
}
