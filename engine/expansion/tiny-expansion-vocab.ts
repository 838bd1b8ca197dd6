/**
 * A tiny GPT-2-layout vocabulary for the test expansion model: the 256 byte symbols at GPT-2's
 * ids (so ',' is id 11, as Fooocus assumes), one 'Ġword' token per listed word built by
 * left-to-right merges, then `<|endoftext|>`.
 */
import { bytesToUnicode } from '../tokenizer/byte-unicode.ts';
import { END_OF_TEXT } from './gpt2-tokenizer.ts';

/** Whitelisted words (more than top-k's 100, so the top-k cut matters). Invented for the fixture. */
export const TINY_POSITIVE_WORDS: readonly string[] = [
  'amazing',
  'ambient',
  'artistic',
  'atmospheric',
  'balanced',
  'beautiful',
  'bold',
  'bright',
  'brilliant',
  'calm',
  'charming',
  'cinematic',
  'clean',
  'clear',
  'colorful',
  'complex',
  'cozy',
  'creative',
  'crisp',
  'cute',
  'deep',
  'delicate',
  'detailed',
  'dramatic',
  'dreamy',
  'dynamic',
  'elegant',
  'enchanting',
  'epic',
  'ethereal',
  'exquisite',
  'fancy',
  'fine',
  'flowing',
  'focused',
  'fresh',
  'gentle',
  'glowing',
  'glorious',
  'gorgeous',
  'graceful',
  'grand',
  'harmonious',
  'highly',
  'iconic',
  'illuminated',
  'imposing',
  'inspired',
  'intricate',
  'inviting',
  'joyful',
  'light',
  'lively',
  'lovely',
  'luminous',
  'lush',
  'magical',
  'majestic',
  'marvelous',
  'masterful',
  'mellow',
  'mysterious',
  'neat',
  'noble',
  'ornate',
  'peaceful',
  'perfect',
  'pleasant',
  'polished',
  'precise',
  'pristine',
  'professional',
  'pure',
  'radiant',
  'refined',
  'rich',
  'romantic',
  'serene',
  'sharp',
  'shiny',
  'smooth',
  'soft',
  'sparkling',
  'spectacular',
  'splendid',
  'stunning',
  'stylish',
  'subtle',
  'superb',
  'symmetrical',
  'tender',
  'textured',
  'thoughtful',
  'tranquil',
  'vibrant',
  'vivid',
  'warm',
  'whimsical',
  'wonderful',
  'youthful',
  'zen',
  'aesthetic',
  'cool',
  'dazzling',
  'energetic',
  'festive',
  'golden',
  'heavenly',
  'ideal',
  'jubilant',
];

/** Non-whitelisted words a test prompt may use; each is one 'Ġword' token. */
export const TINY_PROMPT_WORDS: readonly string[] = [
  'a',
  'cat',
  'dog',
  'photo',
  'of',
  'in',
  'the',
  'forest',
  'at',
  'night',
  'castle',
  'red',
  'city',
];

export interface TinyVocab {
  vocab: Record<string, number>;
  merges: string[];
  size: number;
}

export function buildTinyVocab(words: readonly string[]): TinyVocab {
  const vocab: Record<string, number> = {};
  let next = 0;
  const add = (token: string): void => {
    if (!(token in vocab)) vocab[token] = next++;
  };
  // GPT-2 numbers the byte symbols in code-point order: printable Latin-1 first, then U+0100….
  for (const char of [...bytesToUnicode()].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0))) add(char);
  const merges: string[] = [];
  const seen = new Set<string>();
  for (const word of words) {
    let left = 'Ġ';
    for (const char of word) {
      const merge = `${left} ${char}`;
      if (!seen.has(merge)) {
        seen.add(merge);
        merges.push(merge);
      }
      left += char;
      add(left);
    }
  }
  add(END_OF_TEXT);
  return { vocab, merges, size: next };
}
