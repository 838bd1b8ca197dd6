import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ClipTokenizer } from '../../engine/tokenizer/clip-tokenizer.ts';
import { toPromptChunks } from '../../engine/text-encoders/prompt-chunks.ts';

const DIR = fileURLToPath(new URL('../../engine/assets/clip-tokenizer/', import.meta.url));
const tokenizer = await ClipTokenizer.fromFiles(`${DIR}vocab.json`, `${DIR}merges.txt`);
const BOS = 49406;
const EOS = 49407;
const A = 320; // "a"
const CAT = 2368; // "cat"
// Each digit is its own CLIP pre-token, so "1234567" is one word of exactly 7 tokens.
const DIGIT = [...'0123456789'].map((d) => {
  const ids = tokenizer.encode(d);
  assert.equal(ids.length, 1);
  return ids[0];
});

const repeat = (id: number, n: number): number[] => new Array<number>(n).fill(id);
const words = (word: string, n: number): string => new Array<string>(n).fill(word).join(' ');

test('empty text gives one chunk of BOS, EOS and padding', () => {
  assert.deepEqual(toPromptChunks(tokenizer, '', EOS), [[BOS, EOS, ...repeat(EOS, 75)]]);
  assert.deepEqual(toPromptChunks(tokenizer, '  \n ', 0), [[BOS, EOS, ...repeat(0, 75)]]);
});

test('a short prompt is wrapped in BOS/EOS and padded with the given pad id', () => {
  assert.deepEqual(toPromptChunks(tokenizer, 'a cat', 0), [[BOS, A, CAT, EOS, ...repeat(0, 73)]]);
  assert.deepEqual(toPromptChunks(tokenizer, 'a\ncat', EOS), [[BOS, A, CAT, EOS, ...repeat(EOS, 73)]]);
});

test('exactly 75 tokens fit one chunk without padding; 76 open a second chunk', () => {
  assert.deepEqual(toPromptChunks(tokenizer, words('a', 75), 0), [[BOS, ...repeat(A, 75), EOS]]);
  assert.deepEqual(toPromptChunks(tokenizer, words('a', 76), 0), [
    [BOS, ...repeat(A, 75), EOS],
    [BOS, A, EOS, ...repeat(0, 74)],
  ]);
});

test('a word of 7 tokens that does not fit moves whole to the next chunk', () => {
  const chunks = toPromptChunks(tokenizer, `${words('a', 74)} 1234567`, 0);
  assert.deepEqual(chunks, [
    [BOS, ...repeat(A, 74), EOS, 0],
    [BOS, ...DIGIT.slice(1, 8), EOS, ...repeat(0, 68)],
  ]);
});

test('a word of 8 or more tokens is split to fill the current chunk', () => {
  const chunks = toPromptChunks(tokenizer, `${words('a', 74)} 12345678 cat`, EOS);
  assert.deepEqual(chunks, [
    [BOS, ...repeat(A, 74), DIGIT[1], EOS],
    [BOS, ...DIGIT.slice(2, 9), CAT, EOS, ...repeat(EOS, 67)],
  ]);
});

test('every chunk has exactly 77 ids and no content token is lost for a long prompt', () => {
  const text = words('masterpiece, highly detailed photo of a red fox', 30);
  const chunks = toPromptChunks(tokenizer, text, 0);
  assert.ok(chunks.length >= 3);
  for (const chunk of chunks) {
    assert.equal(chunk.length, 77);
    assert.equal(chunk[0], BOS);
  }
  const content = chunks.flatMap((c) => c.slice(1, c.indexOf(EOS)));
  assert.deepEqual(content, tokenizer.encode(text));
});

test('a negative pad id is rejected naming padId', () => {
  assert.throws(() => toPromptChunks(tokenizer, 'a', -1), /padId/);
});
