/**
 * One Fooocus V2 sampling step, pure: Fooocus's logits processor (positive-word whitelist, no
 * repeats, ',' always allowed), then HF's top-k warper, softmax and a categorical draw. Our RNG
 * is not torch's, so expansions match Fooocus statistically, not bit for bit (DECISIONS §1).
 */
import { Xoshiro256StarStar } from '../random/xoshiro256.ts';

/** Fooocus's `neg_inf`: a finite −8192, so a step whose whitelist is used up still has a distribution. */
export const BLOCKED_BIAS = -8192;
/** ',' in GPT-2's vocabulary; Fooocus re-allows it after banning used ids. */
export const COMMA_ID = 11;
export const TOP_K = 100;
/** Fooocus seeds torch/numpy with `seed % 2**32` (numpy's seed limit). */
export const SEED_MODULUS = 1n << 32n;

/** "expand!!" in ASCII: keeps this stream apart from the noise streams seeded from the same task seed. */
const EXPANSION_STREAM_TAG = 0x657870616e642121n;

/** Python `str.splitlines()` separators (FS, GS, RS control characters included, as Python splits on them). */
// eslint-disable-next-line no-control-regex
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

/** positive.txt → its non-empty lines, verbatim (Fooocus neither trims nor dedupes them). */
export function parsePositiveWords(text: string): string[] {
  return text.split(LINE_BREAK).filter((line) => line !== '');
}

/**
 * The static bias, float32 [size]: 0 for every vocab entry equal to 'Ġ' + a lower-cased positive
 * word (only words that are single GPT-2 tokens count), BLOCKED_BIAS elsewhere.
 */
export function buildPositiveBias(
  vocab: ReadonlyMap<string, number>,
  words: readonly string[],
  size: number,
): Float32Array {
  const bias = new Float32Array(size).fill(BLOCKED_BIAS);
  const wanted = new Set(words.map((word) => `Ġ${word.toLowerCase()}`));
  for (const [token, id] of vocab) if (wanted.has(token) && id < size) bias[id] = 0;
  return bias;
}

/** Fooocus's logits processor: logits + bias, with every id in `sequence` blocked and COMMA_ID re-allowed. */
export function applyExpansionBias(
  logits: Float32Array,
  positiveBias: Float32Array,
  sequence: readonly number[],
): Float32Array {
  if (logits.length !== positiveBias.length)
    throw new RangeError(`logits width ${logits.length} differs from the bias width ${positiveBias.length}`);
  const bias = Float32Array.from(positiveBias);
  for (const id of sequence) if (id < bias.length) bias[id] = BLOCKED_BIAS;
  if (COMMA_ID < bias.length) bias[COMMA_ID] = 0;
  const scores = new Float32Array(logits.length);
  for (let i = 0; i < scores.length; i++) scores[i] = logits[i] + bias[i];
  return scores;
}

/**
 * HF TopKLogitsWarper: scores below the k-th largest become −∞; ties with it are all kept
 * (torch removes `scores < topk[..., -1]`). Returns a new array.
 */
export function topKFilter(scores: Float32Array, k: number): Float32Array {
  const out = Float32Array.from(scores);
  if (k >= scores.length) return out;
  const sorted = Float32Array.from(scores).sort(); // ascending; NaN last
  const threshold = sorted[sorted.length - k];
  for (let i = 0; i < out.length; i++) if (out[i] < threshold) out[i] = -Infinity;
  return out;
}

/** Softmax in float64 (exp of −∞ is 0). */
export function softmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  const probs = new Float64Array(scores.length);
  if (max === -Infinity) throw new RangeError('softmax of a vector with no finite score');
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += probs[i] = Math.exp(scores[i] - max);
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  return probs;
}

/** Categorical draw: the first index whose cumulative probability exceeds `uniform` ∈ [0, 1). */
export function drawCategorical(probs: ArrayLike<number>, uniform: number): number {
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] <= 0) continue;
    cumulative += probs[i];
    last = i;
    if (uniform < cumulative) return i;
  }
  // Rounding left the total a hair under 1 and uniform landed in the gap: the last possible index.
  if (last < 0) throw new RangeError('categorical draw from an all-zero distribution');
  return last;
}

export interface ExpansionRng {
  /** Uniform double in [0, 1). */
  nextDouble(): number;
}

/** The sampling stream for a task seed: `seed mod 2^32` (Python semantics, never negative) feeds xoshiro256**. */
export function createExpansionRng(seed: bigint): ExpansionRng {
  const reduced = ((seed % SEED_MODULUS) + SEED_MODULUS) % SEED_MODULUS;
  return new Xoshiro256StarStar(reduced ^ EXPANSION_STREAM_TAG);
}

/** One step: bias → top-k → softmax → draw. `logits` is float32 [vocab] of the last position. */
export function sampleNextToken(
  logits: Float32Array,
  positiveBias: Float32Array,
  sequence: readonly number[],
  rng: ExpansionRng,
  topK = TOP_K,
): number {
  return drawCategorical(
    softmax(topKFilter(applyExpansionBias(logits, positiveBias, sequence), topK)),
    rng.nextDouble(),
  );
}
