/**
 * Fooocus's prompt-weighting rule and item combination (modules/patch_clip.py
 * `encode_token_weights_fooocus`, modules/default_pipeline.py `clip_encode`; fooocus-semantics §4.6).
 * Pure float32 math on hidden states so it is tested without a model.
 */
import { CHUNK_LENGTH } from './prompt-chunks.ts';
import type { PromptEmbedding } from './prompt-encoder.ts';

const f = Math.fround;

/**
 * One chunk of one encoder, z: float32 [77, width] row-major; zEmpty: the same encoder's hidden
 * states of the empty chunk [BOS, EOS, pad…], float32 [77, width]; weights: 77 token weights.
 * Every token j with weight w ≠ 1 becomes (z_j − zEmpty_j)·w + zEmpty_j, then the whole chunk is
 * multiplied by mean(z before) / mean(z after) (one scalar over all 77·width values), as Fooocus does
 * per chunk and per encoder. Returns a new array; z is untouched.
 */
export function weightChunk(
  z: Float32Array,
  zEmpty: Float32Array,
  weights: readonly number[],
  width: number,
): Float32Array {
  if (z.length !== CHUNK_LENGTH * width || zEmpty.length !== z.length || weights.length !== CHUNK_LENGTH) {
    throw new RangeError(
      `weightChunk needs [77,${width}] hidden states and 77 weights; got ${z.length}, ${zEmpty.length} values and ${weights.length} weights`,
    );
  }
  const originalMean = meanOf(z);
  const out = Float32Array.from(z);
  for (let j = 0; j < CHUNK_LENGTH; j++) {
    const w = weights[j];
    if (w === 1) continue;
    const w32 = f(w);
    for (let c = j * width; c < (j + 1) * width; c++) out[c] = f(f(f(z[c] - zEmpty[c]) * w32) + zEmpty[c]);
  }
  const newMean = meanOf(out);
  // Fooocus divides unguarded; a zero mean only arises from degenerate weights (all tokens ×0 on a
  // zero-mean empty encoding), where leaving the scale alone beats filling the chunk with Inf/NaN.
  if (newMean === 0) return out;
  const ratio = f(originalMean / newMean);
  for (let i = 0; i < out.length; i++) out[i] = f(out[i] * ratio);
  return out;
}

/** float32 mean (accumulated in float64, rounded once). */
function meanOf(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return f(sum / values.length);
}

/**
 * Items are concatenated along the sequence axis (each already a whole number of 77-token chunks);
 * pooled = Σ pooled of the first `poolCount` items (each item's pooled is its first chunk's), summed
 * in float32 in item order. poolCount 0 gives a zero pooled vector.
 */
export function combineItems(items: readonly PromptEmbedding[], poolCount: number): PromptEmbedding {
  if (items.length === 0) throw new RangeError('combineItems needs at least one item');
  const { width } = items[0];
  const pooledWidth = items[0].pooled.length;
  for (const item of items) {
    if (item.width !== width || item.pooled.length !== pooledWidth)
      throw new RangeError(`items disagree on width: ${item.width}/${item.pooled.length} vs ${width}/${pooledWidth}`);
  }
  const tokens = items.reduce((sum, item) => sum + item.tokens, 0);
  const context = new Float32Array(tokens * width);
  let offset = 0;
  for (const item of items) {
    context.set(item.context, offset);
    offset += item.context.length;
  }
  const pooled = new Float32Array(pooledWidth);
  for (const item of items.slice(0, Math.max(0, poolCount))) {
    for (let i = 0; i < pooledWidth; i++) pooled[i] += item.pooled[i];
  }
  return { context, tokens, width, pooled };
}

/**
 * Appends copies of `emptyChunk` (the encoding of [BOS, EOS, pad…], float32 [77, width]) until the
 * context holds `chunks` chunks: positive and negative must share one sequence length for the
 * batched UNet call. Pooled is unchanged.
 */
export function padToChunks(embedding: PromptEmbedding, chunks: number, emptyChunk: Float32Array): PromptEmbedding {
  const target = chunks * CHUNK_LENGTH;
  if (embedding.tokens >= target) return embedding;
  if (emptyChunk.length !== CHUNK_LENGTH * embedding.width)
    throw new RangeError(`empty chunk has ${emptyChunk.length} values, expected ${CHUNK_LENGTH * embedding.width}`);
  const context = new Float32Array(target * embedding.width);
  context.set(embedding.context, 0);
  for (let offset = embedding.context.length; offset < context.length; offset += emptyChunk.length)
    context.set(emptyChunk, offset);
  return { ...embedding, context, tokens: target };
}
