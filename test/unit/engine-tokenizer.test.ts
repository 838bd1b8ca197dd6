import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClipTokenizer } from '../../engine/tokenizer/clip-tokenizer.ts';
import { cleanClipText, unescapeHtml } from '../../engine/tokenizer/text-clean.ts';

// ../shared sits beside the project root (developers' machines and CI alike).
const SHARED = fileURLToPath(new URL('../../../shared/data/clip', import.meta.url));
const BUNDLED = fileURLToPath(new URL('../../engine/assets/clip-tokenizer/', import.meta.url));

interface ParityCase {
  text: string;
  ids: number[];
}
// Reference ids come from OpenAI's CLIP simple_tokenizer (bpe_simple_vocab_16e6), without BOS/EOS.
const parity = JSON.parse(readFileSync(`${SHARED}/tokenizer-parity.json`, 'utf8')) as { cases: ParityCase[] };

test('parity file holds the expected 60 cases', () => {
  assert.equal(parity.cases.length, 60);
});

for (const [label, dir] of [
  ['shared data', `${SHARED}/tokenizer/`],
  ['bundled asset', BUNDLED],
] as const) {
  test(`tokenizer from the ${label} reproduces every reference id sequence`, async () => {
    const tokenizer = await ClipTokenizer.fromFiles(`${dir}vocab.json`, `${dir}merges.txt`);
    for (const c of parity.cases) {
      assert.deepEqual(tokenizer.encode(c.text), c.ids, `prompt ${JSON.stringify(c.text)}`);
    }
  });
}

test('tokenizer exposes the CLIP start and end ids', async () => {
  const tokenizer = await ClipTokenizer.fromFiles(`${BUNDLED}vocab.json`, `${BUNDLED}merges.txt`);
  assert.equal(tokenizer.bosId, 49406);
  assert.equal(tokenizer.eosId, 49407);
});

test('special token text maps to the special ids, not to BPE pieces', async () => {
  const tokenizer = await ClipTokenizer.fromFiles(`${BUNDLED}vocab.json`, `${BUNDLED}merges.txt`);
  const cat = tokenizer.encode('a cat');
  assert.deepEqual(tokenizer.encode('<|startoftext|>a cat<|endoftext|>'), [49406, ...cat, 49407]);
});

test('cached words encode the same the second time', async () => {
  const tokenizer = await ClipTokenizer.fromFiles(`${BUNDLED}vocab.json`, `${BUNDLED}merges.txt`);
  const first = tokenizer.encode('supercalifragilistic lighthouse');
  assert.deepEqual(tokenizer.encode('supercalifragilistic lighthouse'), first);
  assert.ok(first.length > 2);
});

test('fullwidth letters and curly quotes tokenize like their ASCII forms', async () => {
  const tokenizer = await ClipTokenizer.fromFiles(`${BUNDLED}vocab.json`, `${BUNDLED}merges.txt`);
  assert.deepEqual(tokenizer.encode('ＣＡＴ don\u2019t'), tokenizer.encode("cat don't"));
});

test('text cleaning unescapes HTML twice, collapses whitespace and lowercases', () => {
  assert.equal(cleanClipText('  A&amp;amp;B\t\n C&#39;s &#x41;  '), "a&b c's a");
  assert.equal(unescapeHtml('&unknown; &lt;x&gt;'), '&unknown; <x>');
});

test('a merges file with a malformed line is rejected naming the line', () => {
  assert.throws(
    () => ClipTokenizer.fromStrings('{"<|startoftext|>":0,"<|endoftext|>":1}', '#version: 0.2\na b c\n'),
    /malformed line 'a b c'/,
  );
});
