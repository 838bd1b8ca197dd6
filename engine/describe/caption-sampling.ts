/**
 * One decoding step of Fooocus's BLIP caption (fooocus-semantics §9): nucleus sampling with
 * top_p 0.9 after a repetition penalty of 1.1, EOS barred below the minimum length — the order
 * transformers applies them (logits processors, then the top-p warper, then a multinomial draw).
 * Fooocus draws from torch's global generator; we draw from a fixed-seed one so the same image
 * always gets the same caption.
 */

export const TOP_P = 0.9;
export const REPETITION_PENALTY = 1.1;
export const MIN_NEW_TOKENS = 10;
export const MAX_NEW_TOKENS = 75;
export const CAPTION_SEED = 0x5eed;

export type Uniform = () => number;

/** mulberry32: a small seeded uniform generator in [0, 1). */
export function seededUniform(seed: number): Uniform {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SamplingState {
  /** Every id so far, the start token included (transformers penalises the prompt too). */
  sequence: readonly number[];
  generated: number;
  eosIds: ReadonlySet<number>;
}

/** transformers' RepetitionPenaltyLogitsProcessor: seen ids' logits divided (positive) or multiplied (negative). */
export function applyRepetitionPenalty(logits: Float64Array, seen: Iterable<number>, penalty = REPETITION_PENALTY) {
  for (const id of new Set(seen)) {
    if (id < 0 || id >= logits.length) continue;
    logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
  }
}

/** Softmax probabilities after top-p: ascending cumulative mass ≤ 1 − top_p is dropped, the top token always kept. */
export function topPProbabilities(logits: Float64Array, topP = TOP_P): Float64Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    probs[i] = logits[i] === -Infinity ? 0 : Math.exp(logits[i] - max);
    sum += probs[i];
  }
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  const ascending = Array.from(probs.keys()).sort((a, b) => probs[a] - probs[b] || b - a);
  let cumulative = 0;
  for (let k = 0; k < ascending.length - 1; k++) {
    cumulative += probs[ascending[k]];
    if (cumulative > 1 - topP) break;
    probs[ascending[k]] = 0;
  }
  let kept = 0;
  for (const p of probs) kept += p;
  for (let i = 0; i < probs.length; i++) probs[i] /= kept;
  return probs;
}

export function nextToken(rawLogits: ArrayLike<number>, state: SamplingState, uniform: Uniform): number {
  const logits = Float64Array.from(rawLogits);
  applyRepetitionPenalty(logits, state.sequence);
  if (state.generated < MIN_NEW_TOKENS) for (const id of state.eosIds) if (id < logits.length) logits[id] = -Infinity;
  const probs = topPProbabilities(logits);
  let u = uniform();
  for (let i = 0; i < probs.length; i++) {
    u -= probs[i];
    if (u < 0 && probs[i] > 0) return i;
  }
  // Rounding left a sliver: the most likely token.
  let best = 0;
  for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
  return best;
}
