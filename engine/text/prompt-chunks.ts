/**
 * Long-prompt chunking as ComfyUI/Fooocus do it: each whitespace-separated word is tokenized on its
 * own, words are packed into chunks of at most 75 tokens, and each chunk becomes
 * [BOS, ...tokens, EOS, pad...] of exactly 77 ids. A word of fewer than 8 tokens never straddles two
 * chunks (it moves whole to the next one); a longer word fills the current chunk and continues.
 */
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';

export const CHUNK_LENGTH = 77;
/** Tokens per chunk between BOS and EOS. */
export const CHUNK_CONTENT = CHUNK_LENGTH - 2;
/** Words with at least this many tokens may be split across chunks. */
const MIN_SPLITTABLE_WORD = 8;

/**
 * Token id chunks for one prompt, for one text encoder (`padId`: 49407 for CLIP-L, 0 for CLIP-G).
 * Always at least one chunk; each chunk has exactly 77 ids.
 */
export function toPromptChunks(tokenizer: ClipTokenizer, text: string, padId: number): number[][] {
  if (!Number.isInteger(padId) || padId < 0) throw new Error(`padId must be a non-negative integer, got ${padId}`);
  const chunks: number[][] = [];
  let content: number[] = [];
  const close = (): void => {
    const chunk = [tokenizer.bosId, ...content, tokenizer.eosId];
    while (chunk.length < CHUNK_LENGTH) chunk.push(padId);
    chunks.push(chunk);
    content = [];
  };

  for (const word of text.split(/\s+/)) {
    if (word === '') continue;
    let tokens = tokenizer.encode(word);
    const isSplittable = tokens.length >= MIN_SPLITTABLE_WORD;
    while (tokens.length > 0) {
      const room = CHUNK_CONTENT - content.length;
      if (tokens.length <= room) {
        content.push(...tokens);
        break;
      }
      if (isSplittable) {
        content.push(...tokens.slice(0, room));
        tokens = tokens.slice(room);
      }
      close();
    }
  }
  close();
  return chunks;
}
