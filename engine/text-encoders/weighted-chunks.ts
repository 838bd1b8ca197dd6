/**
 * Emphasis-weighted chunking (ComfyUI `SDTokenizer.tokenize_with_weights`, which Fooocus uses;
 * fooocus-semantics §4.6): every segment is split into words, each word is tokenized on its own and
 * keeps its segment's weight, and the words are packed into 77-id chunks by exactly the rules of
 * engine/text/prompt-chunks.ts (a word under 8 tokens never straddles two chunks). BOS, EOS and
 * padding always weigh 1, so an unweighted prompt gives the same ids as toPromptChunks.
 */
import type { WeightedSegment } from '../prompts/emphasis.ts';
import { CHUNK_CONTENT, CHUNK_LENGTH } from '../text/prompt-chunks.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';

const MIN_SPLITTABLE_WORD = 8;

/** One encoder's chunks: `ids[k]` and `weights[k]` have exactly 77 entries each. */
export interface WeightedChunks {
  ids: number[][];
  weights: number[][];
}

/** Always at least one chunk; `[]` (an empty item) gives the empty chunk [BOS, EOS, pad…]. */
export function toWeightedChunks(tokenizer: ClipTokenizer, segments: readonly WeightedSegment[], padId: number): WeightedChunks {
  if (!Number.isInteger(padId) || padId < 0) throw new Error(`padId must be a non-negative integer, got ${padId}`);
  const ids: number[][] = [];
  const weights: number[][] = [];
  let content: number[] = [];
  let contentWeights: number[] = [];
  const close = (): void => {
    const chunk = [tokenizer.bosId, ...content, tokenizer.eosId];
    const chunkWeights = [1, ...contentWeights, 1];
    while (chunk.length < CHUNK_LENGTH) {
      chunk.push(padId);
      chunkWeights.push(1);
    }
    ids.push(chunk);
    weights.push(chunkWeights);
    content = [];
    contentWeights = [];
  };
  const push = (tokens: readonly number[], weight: number): void => {
    content.push(...tokens);
    for (let i = 0; i < tokens.length; i++) contentWeights.push(weight);
  };

  for (const segment of segments) {
    for (const word of segment.text.split(/\s+/)) {
      if (word === '') continue;
      let tokens = tokenizer.encode(word);
      const isSplittable = tokens.length >= MIN_SPLITTABLE_WORD;
      while (tokens.length > 0) {
        const room = CHUNK_CONTENT - content.length;
        if (tokens.length <= room) {
          push(tokens, segment.weight);
          break;
        }
        if (isSplittable) {
          push(tokens.slice(0, room), segment.weight);
          tokens = tokens.slice(room);
        }
        close();
      }
    }
  }
  close();
  return { ids, weights };
}

/** Any token weight other than exactly 1 switches Fooocus's weighting rule on for the whole item. */
export function hasWeights(chunks: WeightedChunks): boolean {
  return chunks.weights.some((chunk) => chunk.some((w) => w !== 1));
}
