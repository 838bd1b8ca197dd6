/**
 * Textual-inversion embeddings without a model: `embedding:<name>` words (ComfyUI's sd1_clip rules,
 * fooocus-semantics §4.6), placeholder ids in the 77-token chunks (positions, weights, chunk
 * boundaries), files found by name under models/embeddings, SDXL files read and bad ones refused
 * with typed errors naming the file, and unknown names reported as warnings.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findEmbeddingFile, listEmbeddingNames } from '../../engine/embeddings/embedding-files.ts';
import { readSdxlEmbedding } from '../../engine/embeddings/embedding-vectors.ts';
import { EMBEDDING_ID_BASE, resolveJobEmbeddings } from '../../engine/embeddings/job-embeddings.ts';
import { EngineError } from '../../engine/errors.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { embeddingWordsOf, resolveEmbeddingWord } from '../../engine/prompts/embedding-words.ts';
import { parseEmphasis } from '../../engine/prompts/emphasis.ts';
import type { WeightedItem } from '../../engine/prompts/expand-prompts.ts';
import { toWeightedChunks } from '../../engine/text-encoders/prompt-chunks.ts';
import { ClipTokenizer } from '../../engine/tokenizer/clip-tokenizer.ts';

const DIR = fileURLToPath(new URL('../../engine/assets/clip-tokenizer/', import.meta.url));
const tokenizer = await ClipTokenizer.fromFiles(`${DIR}vocab.json`, `${DIR}merges.txt`);
const BOS = tokenizer.bosId;
const EOS = tokenizer.eosId;
const [A] = tokenizer.encode('a');
const [FOX] = tokenizer.encode('fox');
const [COMMA] = tokenizer.encode(',');
const B = EMBEDDING_ID_BASE;

const folder = await mkdtemp(join(tmpdir(), 'embeddings-unit-'));
after(() => rm(folder, { recursive: true, force: true }));

const item = (text: string): WeightedItem => ({ text, segments: parseEmphasis(text) });
const ramp = (n: number, scale: number): number[] => Array.from({ length: n }, (_, i) => (i + 1) * scale);

// Every file exists before the first test runs: node:test starts tests while the module still awaits.
const root = join(folder, 'embeddings');
await mkdir(join(root, 'sub', 'deeper'), { recursive: true });
const sdxl = (rows: number, w1: number, w2: number, scale = 0.01) => ({
  clip_l: { dtype: 'F16' as const, shape: [rows, w1], data: ramp(rows * w1, scale) },
  clip_g: { dtype: 'F32' as const, shape: [rows, w2], data: ramp(rows * w2, -scale) },
});
await writeSafetensors(join(root, 'style.safetensors'), sdxl(2, 4, 6));
await writeSafetensors(join(root, 'style.pt'), sdxl(1, 4, 6));
await writeSafetensors(join(root, 'sub', 'deeper', 'nested.bin'), sdxl(3, 4, 6));
await writeSafetensors(join(root, 'exact'), sdxl(1, 4, 6));
await writeSafetensors(join(root, '..dots.safetensors'), sdxl(1, 4, 6));
await writeSafetensors(join(folder, 'outside.safetensors'), sdxl(1, 4, 6));
await writeSafetensors(join(root, 'sd15.safetensors'), {
  emb_params: { dtype: 'F32', shape: [3, 768], data: ramp(3 * 768, 1e-4) },
});
await writeSafetensors(join(root, 'a1111.safetensors'), {
  'string_to_param.*': { dtype: 'F32', shape: [2, 768], data: ramp(2 * 768, 1e-4) },
});
await writeSafetensors(join(root, 'half.safetensors'), { clip_l: { dtype: 'F32', shape: [1, 4], data: ramp(4, 1) } });
await writeSafetensors(join(root, 'nan.safetensors'), {
  clip_l: { dtype: 'F32', shape: [1, 4], data: [1, Number.NaN, 2, 3] },
  clip_g: { dtype: 'F32', shape: [1, 6], data: ramp(6, 1) },
});
await writeSafetensors(join(root, 'empty.safetensors'), {});
await writeFile(join(root, 'truncated.safetensors'), Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123, 34]));

/** [BOS, ...content, EOS, pad…] of 77. */
function chunk(content: number[], pad = EOS): number[] {
  const out = [BOS, ...content, EOS];
  while (out.length < 77) out.push(pad);
  return out;
}

const table = new Map([
  ['style', [B, B + 1]],
  ['Trio', [B + 2, B + 3, B + 4]],
  ['long', Array.from({ length: 10 }, (_, k) => B + 5 + k)],
]);

test('an embedding word becomes its placeholder ids at its position; case is kept; weights apply as to words', () => {
  const plain = toWeightedChunks(tokenizer, parseEmphasis('a embedding:style fox'), EOS, table);
  assert.deepEqual(plain.ids, [chunk([A, B, B + 1, FOX])]);
  assert.ok(plain.weights[0].every((w) => w === 1));
  const weighted = toWeightedChunks(tokenizer, parseEmphasis('a (embedding:Trio:1.3) fox'), 0, table);
  assert.deepEqual(weighted.ids, [chunk([A, B + 2, B + 3, B + 4, FOX], 0)]);
  assert.deepEqual(weighted.weights[0].slice(0, 7), [1, 1, 1.3, 1.3, 1.3, 1, 1]);
  // `(embedding:style)` is emphasis ×1.1: the ':style' suffix is no number, so the name stays.
  const emphasised = toWeightedChunks(tokenizer, parseEmphasis('(embedding:style)'), EOS, table);
  assert.deepEqual(emphasised.weights[0].slice(1, 3), [1.1, 1.1]);
  // Names are matched as written: the tokenizer lowercases words, never embedding names.
  assert.deepEqual(toWeightedChunks(tokenizer, parseEmphasis('embedding:trio'), EOS, table).ids, [chunk([])]);
});

test('a trailing comma is split off as its own word, as Fooocus-cleaned prompts write "embedding:x, y"', () => {
  const ids = toWeightedChunks(tokenizer, parseEmphasis('embedding:style, fox'), EOS, table).ids;
  assert.deepEqual(ids, [chunk([B, B + 1, COMMA, FOX])]);
  assert.deepEqual(
    resolveEmbeddingWord('embedding:style,,', (n) => n === 'style'),
    { name: 'style', leftover: ',,' },
  );
  assert.equal(
    resolveEmbeddingWord('style', () => true),
    null,
  );
});

test('an unknown embedding word is left out (its trailing comma kept), exactly as if never written', () => {
  const without = toWeightedChunks(tokenizer, parseEmphasis('a fox'), EOS, table);
  assert.deepEqual(toWeightedChunks(tokenizer, parseEmphasis('a embedding:ghost fox'), EOS, table), without);
  assert.deepEqual(toWeightedChunks(tokenizer, parseEmphasis('a embedding:ghost fox'), EOS), without);
  assert.deepEqual(toWeightedChunks(tokenizer, parseEmphasis('embedding:ghost, fox'), EOS).ids, [chunk([COMMA, FOX])]);
});

test('embeddings follow the word rule at the 75-token boundary: under 8 vectors move whole, 8 or more split', () => {
  const filler = Array.from({ length: 73 }, () => 'a').join(' ');
  const moved = toWeightedChunks(tokenizer, parseEmphasis(`${filler} embedding:Trio`), EOS, table);
  assert.equal(moved.ids.length, 2);
  assert.deepEqual(moved.ids[0], chunk(Array<number>(73).fill(A)));
  assert.deepEqual(moved.ids[1], chunk([B + 2, B + 3, B + 4]));
  const longFiller = Array.from({ length: 70 }, () => 'a').join(' ');
  const split = toWeightedChunks(tokenizer, parseEmphasis(`${longFiller} (embedding:long:0.5)`), EOS, table);
  const longIds = table.get('long')!;
  assert.deepEqual(split.ids[0], [BOS, ...Array<number>(70).fill(A), ...longIds.slice(0, 5), EOS]);
  assert.deepEqual(split.ids[1], chunk(longIds.slice(5)));
  assert.deepEqual(split.weights[0].slice(71, 76), [0.5, 0.5, 0.5, 0.5, 0.5]);
  assert.deepEqual(split.weights[1].slice(0, 7), [1, 0.5, 0.5, 0.5, 0.5, 0.5, 1]);
});

test('embedding words are collected from every item once, in order', () => {
  assert.deepEqual(embeddingWordsOf([item('a embedding:x, (embedding:y:1.2)'), item('embedding:x, b')]), [
    'embedding:x,',
    'embedding:y',
  ]);
});

test('files are found by name: exact file, then .safetensors, .pt, .bin; subfolders too; never outside the folder', async () => {
  assert.equal(await findEmbeddingFile([root], 'style'), join(root, 'style.safetensors'));
  assert.equal(await findEmbeddingFile([root], 'style.pt'), join(root, 'style.pt'));
  assert.equal(await findEmbeddingFile([root], 'exact'), join(root, 'exact'));
  assert.equal(await findEmbeddingFile([root], 'nested'), join(root, 'sub', 'deeper', 'nested.bin'));
  assert.equal(await findEmbeddingFile([root], 'deeper/nested'), join(root, 'sub', 'deeper', 'nested.bin'));
  assert.equal(await findEmbeddingFile([root], '../outside'), null);
  assert.equal(await findEmbeddingFile([root], '..dots'), join(root, '..dots.safetensors'));
  assert.equal(await findEmbeddingFile([root], 'sub/../../outside'), null);
  assert.equal(await findEmbeddingFile([root], ''), null);
  assert.equal(await findEmbeddingFile([join(folder, 'absent')], 'style'), null);
  const names = await listEmbeddingNames([root]);
  assert.ok(names.includes('style') && names.includes('sub/deeper/nested'), names.join(', '));
});

test('an SDXL file gives clip_l rows to the first encoder and clip_g rows to the second, widened exactly', async () => {
  const read = await readSdxlEmbedding('style', join(root, 'style.safetensors'));
  assert.deepEqual([read.first.rows, read.first.width, read.second.rows, read.second.width], [2, 4, 2, 6]);
  assert.equal(read.first.tensor, 'clip_l');
  assert.deepEqual(Array.from(read.second.data), ramp(12, -0.01).map(Math.fround));
  // F16 storage: 0.01 is not exact in half precision, so compare against the half-rounded values.
  assert.ok(Math.abs(read.first.data[0] - 0.01) < 1e-5 && read.first.data[0] !== Math.fround(0.01));
});

/** Rejects with an invalid-input EngineError whose message matches every pattern. */
async function rejectsWith(promise: Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.kind, 'invalid-input');
    for (const pattern of patterns) assert.match(error.message, pattern);
    return true;
  });
}

test('an SD1.5 file (emb_params or string_to_param) is refused for SDXL, saying it only fits the first encoder', async () => {
  for (const [name, tensor] of [
    ['sd15', 'emb_params'],
    ['a1111', 'string_to_param.*'],
  ]) {
    const path = join(root, `${name}.safetensors`);
    await rejectsWith(
      readSdxlEmbedding(name, path),
      new RegExp(`embedding '${name}' \\(${path.replace(/[.*]/g, '\\$&')}\\) is an SD1\\.5 embedding`),
      new RegExp(`\`${tensor.replace('*', '\\*')}\` \\[\\d,768\\]`),
      /only usable for the first text encoder \(CLIP-L\)/,
    );
  }
});

test('malformed files fail with a typed error naming the file and the problem', async () => {
  await rejectsWith(readSdxlEmbedding('half', join(root, 'half.safetensors')), /half\.safetensors/, /not `clip_g`/);
  await rejectsWith(readSdxlEmbedding('nan', join(root, 'nan.safetensors')), /`clip_l` holds a non-finite value/);
  await rejectsWith(readSdxlEmbedding('empty', join(root, 'empty.safetensors')), /malformed: no embedding vectors/);
  await rejectsWith(
    readSdxlEmbedding('truncated', join(root, 'truncated.safetensors')),
    /truncated\.safetensors\) is not a readable embedding file/,
  );
});

test("a job's embeddings get per-encoder placeholder ids in order of use; unknown names become warnings", async () => {
  const { set, warnings } = await resolveJobEmbeddings([root], {
    prompt: [item('embedding:nested, a (embedding:ghost:1.2)')],
    negative_prompt: [item('embedding:style embedding:nested')],
  });
  assert.deepEqual(
    set.embeddings.map((e) => e.name),
    ['nested', 'style'],
  );
  assert.deepEqual(
    [...set.first],
    [
      ['nested', [B, B + 1, B + 2]],
      ['style', [B + 3, B + 4]],
    ],
  );
  assert.deepEqual([...set.second], [...set.first]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /'embedding:ghost' left out of the prompt \(as Fooocus does\)/);
  assert.match(warnings[0], /no ghost, ghost\.safetensors, ghost\.pt, ghost\.bin under/);
  assert.match(warnings[0], /available: .*style/);
  const none = await resolveJobEmbeddings([root], { prompt: [item('a fox')], negative_prompt: [] });
  assert.deepEqual([none.set.embeddings.length, none.warnings], [0, []]);
});

test('a bad file fails the job rather than being skipped, naming the field whose text used it', async () => {
  const fieldOf = async (items: Parameters<typeof resolveJobEmbeddings>[1]) =>
    resolveJobEmbeddings([root], items).then(
      () => assert.fail('resolved'),
      (error: unknown) => (assert.ok(error instanceof EngineError && /SD1\.5/.test(error.message)), error.field),
    );
  assert.equal(await fieldOf({ prompt: [item('a embedding:sd15')], negative_prompt: [] }), 'prompt');
  assert.equal(await fieldOf({ prompt: [item('a')], negative_prompt: [item('embedding:sd15')] }), 'negative_prompt');
});
