/**
 * Long-prompt chunking as ComfyUI/Fooocus do it: each whitespace-separated word is tokenized on its
 * own, words are packed into chunks of at most 75 tokens, and each chunk becomes
 * [BOS, ...tokens, EOS, pad...] of exactly 77 ids. A word of fewer than 8 tokens never straddles two
 * chunks (it moves whole to the next one); a longer word fills the current chunk and continues.
 * An `embedding:<name>` word is a textual inversion (engine/prompts/embedding-words.ts): its n
 * vectors count as an n-token word, written as placeholder ids the rewritten encoders look up.
 */
import { resolveEmbeddingWord } from '../prompts/embedding-words.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';

export const CHUNK_LENGTH = 77;
/** Tokens per chunk between BOS and EOS. */
export const CHUNK_CONTENT = CHUNK_LENGTH - 2;
/** Words with at least this many tokens may be split across chunks. */
const MIN_SPLITTABLE_WORD = 8;

/** A run of prompt text with one emphasis weight (engine/prompts/emphasis.ts parses them). */
export interface ChunkSegment {
  text: string;
  weight: number;
}

/** Embedding name → the placeholder ids of its vectors for one encoder (engine/embeddings/job-embeddings.ts). */
export type EmbeddingTokenIds = ReadonlyMap<string, readonly number[]>;

const NO_EMBEDDINGS: EmbeddingTokenIds = new Map();

/** One encoder's chunks: `ids[k]` and `weights[k]` have exactly 77 entries each. */
export interface WeightedChunks {
  ids: number[][];
  weights: number[][];
}

/**
 * Token id chunks for one prompt, for one text encoder (`padId`: 49407 for CLIP-L, 0 for CLIP-G).
 * Always at least one chunk; each chunk has exactly 77 ids.
 */
export function toPromptChunks(tokenizer: ClipTokenizer, text: string, padId: number): number[][] {
  return toWeightedChunks(tokenizer, [{ text, weight: 1 }], padId).ids;
}

/**
 * The same packing with emphasis weights (ComfyUI `SDTokenizer.tokenize_with_weights`, which
 * Fooocus uses; fooocus-semantics §4.6): every word keeps its segment's weight; BOS, EOS and
 * padding weigh 1. `[]` (an empty item) gives the empty chunk [BOS, EOS, pad…]. An embedding word
 * whose name is not in `embeddings` is dropped, as ComfyUI drops an embedding it cannot load.
 */
export function toWeightedChunks(
  tokenizer: ClipTokenizer,
  segments: readonly ChunkSegment[],
  padId: number,
  embeddings: EmbeddingTokenIds = NO_EMBEDDINGS,
): WeightedChunks {
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

  const groupsOf = (word: string): number[][] => {
    const reference = resolveEmbeddingWord(word, (name) => embeddings.has(name));
    if (!reference) return [tokenizer.encode(word)];
    const groups = reference.name === null ? [] : [[...embeddings.get(reference.name)!]];
    // ComfyUI packs the embedding and the text left after its name ("," ) as two words.
    if (reference.leftover !== '') groups.push(tokenizer.encode(reference.leftover));
    return groups;
  };

  for (const segment of segments) {
    for (const group of segment.text.split(/\s+/).flatMap((word) => (word === '' ? [] : groupsOf(word)))) {
      let tokens = group;
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
