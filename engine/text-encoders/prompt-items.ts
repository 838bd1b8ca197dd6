/**
 * A whole prompt list (positive or negative, from engine/prompts/expand-prompts.ts) → one
 * conditioning, as Fooocus's `clip_encode(texts, pool_top_k)` (fooocus-semantics §3.3, §4.6): each
 * item encoded on its own, the sequences concatenated, pooled = Σ of the first `poolCount` items'.
 * Encodings are cached by item text for the job (Fooocus's `fcs_cond_cache`): styles repeat items
 * across images and across the positive/negative lists.
 */
import type { WeightedItem } from '../prompts/expand-prompts.ts';
import type { PromptEmbedding, PromptEncoder } from './prompt-encoder.ts';
import { combineItems } from './token-weighting.ts';

/** Item text → encoding; one per job (clip skip and model are fixed within a job). */
export type ItemEncodingCache = Map<string, Promise<PromptEmbedding>>;

export async function encodePromptItems(
  encoder: PromptEncoder,
  items: readonly WeightedItem[],
  poolCount: number,
  clipSkip: number,
  cache: ItemEncodingCache,
): Promise<PromptEmbedding> {
  if (items.length === 0)
    throw new RangeError('a prompt list has at least one item (expandPrompts falls back to the user text)');
  const encoded: PromptEmbedding[] = [];
  for (const item of items) {
    let entry = cache.get(item.text);
    if (!entry) {
      entry = encoder.encodeItem(item.segments, clipSkip);
      cache.set(item.text, entry);
    }
    encoded.push(await entry);
  }
  return combineItems(encoded, poolCount);
}

/** The empty chunk's conditioning, float32 [77, width]: what a shorter list is padded with. */
export async function emptyChunkContext(
  encoder: PromptEncoder,
  clipSkip: number,
  cache: ItemEncodingCache,
): Promise<Float32Array> {
  return (await encodePromptItems(encoder, [{ text: '', segments: [] }], 1, clipSkip, cache)).context;
}
