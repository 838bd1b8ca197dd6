import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cleanUpTokenizationSpaces, Gpt2Tokenizer } from '../../engine/expansion/gpt2-tokenizer.ts';
import { bytesToUnicode } from '../../engine/tokenizer/byte-unicode.ts';

/**
 * A hand-written GPT-2-layout vocabulary: the 256 byte symbols at GPT-2's ids (printable
 * Latin-1 first, by code point), then the merge results below, then <|endoftext|>.
 * 'Ã ©' is é's UTF-8 pair C3 A9 seen through bytes_to_unicode.
 */
const MERGES = ['Ġ t', 'h e', 'Ġt he', 'i t', 'Ġ c', 'a t', 'Ġc at', "' s", '1 2', 'Ġ Ġ', 'Ã ©', 'Ġ w', 'Ġw or', 'o r'];
const BYTE_SYMBOLS = [...bytesToUnicode()].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));
const TOKENS = [...BYTE_SYMBOLS, ...MERGES.map((m) => m.replace(' ', '')), '<|endoftext|>'];
const VOCAB = Object.fromEntries(TOKENS.map((token, id) => [token, id]));
const EOS_ID = TOKENS.length - 1;

const dir = await mkdtemp(join(tmpdir(), 'gpt2-tokenizer-'));
after(() => rm(dir, { recursive: true, force: true }));
await writeFile(join(dir, 'vocab.json'), JSON.stringify(VOCAB));
await writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${MERGES.join('\n')}\n`);
const tokenizer = await Gpt2Tokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'));

function layout(text: string): string[] {
  return tokenizer.encode(text).map((id) => TOKENS[id]);
}

test('the byte symbols sit at GPT-2 ids: "!" is 0, "," is 11 (the comma Fooocus re-allows)', () => {
  assert.equal(tokenizer.vocab.get('!'), 0);
  assert.equal(tokenizer.vocab.get(','), 11);
  assert.equal(tokenizer.vocab.get('Ġ'), 220); // the space byte 0x20 maps to U+0120
  assert.equal(tokenizer.eosId, EOS_ID);
});

test('a leading space travels inside the token as Ġ and merges apply by rank', () => {
  assert.deepEqual(layout(' the'), ['Ġthe']);
  assert.deepEqual(layout('the cat'), ['t', 'he', 'Ġcat']);
  assert.deepEqual(layout('The Cat'), ['T', 'he', 'Ġ', 'C', 'at'], 'no lower-casing');
});

test("contractions split off only in lower case, as GPT-2's regex does", () => {
  assert.deepEqual(layout("it's"), ['it', "'s"]);
  assert.deepEqual(layout("IT'S"), ['I', 'T', "'", 'S']);
});

test('a non-ASCII letter goes through its UTF-8 bytes and can merge back', () => {
  assert.deepEqual(layout('café'), ['c', 'a', 'f', 'Ã©']);
  assert.deepEqual(layout('🙂'), ['ð', 'Ł', 'Ļ', 'Ĥ']); // F0 9F 99 82
});

test('digits form their own pre-tokens with at most one leading space', () => {
  assert.deepEqual(layout('12345'), ['12', '3', '4', '5']);
  assert.deepEqual(layout('cat12'), ['c', 'at', '12']);
  assert.deepEqual(layout(' 12'), ['Ġ', '12']);
});

test('runs of spaces leave one space for the next word; newlines stay separate', () => {
  assert.deepEqual(layout('a   b'), ['a', 'ĠĠ', 'Ġ', 'b']);
  assert.deepEqual(layout('at\n\nwor'), ['at', 'Ċ', 'Ċ', 'w', 'or']);
  assert.deepEqual(layout('cat  '), ['c', 'at', 'ĠĠ']);
});

test('punctuation runs keep one leading space and never merge into words', () => {
  assert.deepEqual(layout('cat, the.'), ['c', 'at', ',', 'Ġthe', '.']);
  assert.deepEqual(layout('cat ,,'), ['c', 'at', 'Ġ', ',', ',']);
});

test('a literal <|endoftext|> becomes the special id', () => {
  assert.deepEqual(tokenizer.encode('cat<|endoftext|> cat'), [VOCAB.c, VOCAB.at, EOS_ID, VOCAB['Ġcat']]);
});

test('decode inverts encode byte for byte', () => {
  for (const text of [
    'the cat',
    "It's 12345 cafés!",
    'a   b\n\n  c',
    '🙂 emoji, ünïcödé',
    '  leading and trailing  ',
  ]) {
    assert.equal(tokenizer.decode(tokenizer.encode(text)), text);
  }
});

test('decode keeps or skips <|endoftext|> as asked', () => {
  const ids = tokenizer.encode('the cat<|endoftext|>');
  assert.equal(tokenizer.decode(ids), 'the cat<|endoftext|>');
  assert.equal(tokenizer.decode(ids, { skipSpecialTokens: true }), 'the cat');
});

test('decode replaces a cut UTF-8 sequence with U+FFFD and rejects unknown ids', () => {
  const [first] = tokenizer.encode('🙂');
  assert.equal(tokenizer.decode([VOCAB.a, first]), 'a\uFFFD');
  assert.throws(() => tokenizer.decode([TOKENS.length + 5]), /not in the vocabulary/);
});

test("decode's clean-up option applies transformers' space clean-up", () => {
  assert.equal(tokenizer.decode(tokenizer.encode('cat , the .'), { cleanUpTokenizationSpaces: true }), 'cat, the.');
  assert.equal(
    cleanUpTokenizationSpaces("a , b . c ? d ! it 's do n't I 'm we 've they 're ' x"),
    "a, b. c? d! it's don't I'm we've they're'x",
  );
});

test('rejects a vocabulary that is not a token → id object', () => {
  assert.throws(() => Gpt2Tokenizer.fromStrings('[1, 2]', ''), /JSON object/);
  assert.throws(() => Gpt2Tokenizer.fromStrings('{"a": "x"}', ''), /not a non-negative integer/);
  assert.throws(() => Gpt2Tokenizer.fromStrings('{"a": 0}', 'a b c\n'), /malformed/);
});
