/**
 * Emphasis-weighted chunks as the text encoders take them; the packing itself (one rule for
 * weighted and plain prompts) lives in engine/text/prompt-chunks.ts.
 */
import type { WeightedChunks } from '../text/prompt-chunks.ts';

export { toWeightedChunks, type WeightedChunks } from '../text/prompt-chunks.ts';

/** Any token weight other than exactly 1 switches Fooocus's weighting rule on for the whole item. */
export function hasWeights(chunks: WeightedChunks): boolean {
  return chunks.weights.some((chunk) => chunk.some((w) => w !== 1));
}
