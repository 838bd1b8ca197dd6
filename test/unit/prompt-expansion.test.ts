import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../engine/errors.ts';
import { findExpansionModel, type ExpansionModelFiles } from '../../engine/expansion/expansion-files.ts';
import { PromptExpansion } from '../../engine/expansion/expansion-model.ts';
import {
  applyExpansionBias,
  BLOCKED_BIAS,
  buildPositiveBias,
  COMMA_ID,
  createExpansionRng,
  drawCategorical,
  parsePositiveWords,
  sampleNextToken,
  softmax,
  topKFilter,
} from '../../engine/expansion/expansion-sampling.ts';
import { newTokenBudget, safeStr } from '../../engine/expansion/expansion-text.ts';
import { Gpt2Decoder, readGpt2Layout, type DecoderSession } from '../../engine/expansion/gpt2-decoder.ts';
import { Gpt2Tokenizer } from '../../engine/expansion/gpt2-tokenizer.ts';
import {
  TINY_POSITIVE_WORDS,
  writeTinyExpansionModel,
  type TinyExpansionOptions,
} from '../../engine/expansion/tiny-expansion-model.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { FeedTensor, OutputTensor } from '../../engine/onnx/session.ts';

const root = await mkdtemp(join(tmpdir(), 'prompt-expansion-'));
after(() => rm(root, { recursive: true, force: true }));
const providers = new ProviderSelector('cpu', 1, () => {});

async function tinyModel(name: string, options: TinyExpansionOptions = {}): Promise<ExpansionModelFiles> {
  await writeTinyExpansionModel(join(root, name, 'prompt_expansion', 'fooocus_expansion'), options);
  const found = await findExpansionModel(join(root, name));
  assert.ok(found.files, found.files ? '' : found.reason);
  return found.files;
}

const noPastFiles = await tinyModel('no-past');
const withPastFiles = await tinyModel('with-past', { withPast: true });
const noPast = await PromptExpansion.load(noPastFiles, providers);
const withPast = await PromptExpansion.load(withPastFiles, providers);
after(() => Promise.all([noPast.release(), withPast.release()]));
const tokenizer = await Gpt2Tokenizer.fromFiles(noPastFiles.vocab, noPastFiles.merges);
const positiveIds = new Set(TINY_POSITIVE_WORDS.map((word) => tokenizer.vocab.get(`Ġ${word}`)));

// ---- text rules ----

test('safeStr collapses double spaces and strips ",. \\r\\n" from both ends only', () => {
  assert.equal(safeStr('  a  photo   of a cat.,\r\n'), 'a photo of a cat');
  assert.equal(safeStr('.,cat, dog. '), 'cat, dog');
  assert.equal(safeStr('\ttab\t'), '\ttab\t');
  assert.equal(safeStr(',. \n'), '');
  assert.equal(safeStr(`a${' '.repeat(70000)}b`), 'a  b', '16 halving passes, not a fixed point');
});

test('new tokens fill up to the next multiple of 75', () => {
  assert.equal(newTokenBudget(1), 74);
  assert.equal(newTokenBudget(75), 0);
  assert.equal(newTokenBudget(76), 74);
  assert.equal(newTokenBudget(150), 0);
});

// ---- the sampling step ----

test('positive words become 0 bias when they are single Ġ tokens; case folds to lower', () => {
  const vocab = new Map([
    ['Ġcinematic', 0],
    ['cinematic', 1],
    ['Ġsharp', 2],
    ['ĠSharp', 3],
    ['Ġnope', 4],
  ]);
  assert.deepEqual(parsePositiveWords('Cinematic\r\n\nSHARP\nmissing\n'), ['Cinematic', 'SHARP', 'missing']);
  assert.deepEqual(
    [...buildPositiveBias(vocab, ['Cinematic', 'SHARP', 'missing'], 6)],
    [0, BLOCKED_BIAS, 0, BLOCKED_BIAS, BLOCKED_BIAS, BLOCKED_BIAS],
  );
});

test('the logits processor blocks non-positive and used ids and always re-allows id 11', () => {
  const positive = new Float32Array(16).fill(BLOCKED_BIAS);
  for (const id of [2, 3, 5]) positive[id] = 0;
  const scores = applyExpansionBias(new Float32Array(16).fill(1), positive, [3, COMMA_ID, 7]);
  assert.deepEqual(
    [...scores]
      .map((s, id) => [id, s])
      .filter(([, s]) => s === 1)
      .map(([id]) => id),
    [2, 5, COMMA_ID],
  );
  assert.ok(scores.every((s) => s === 1 || s === 1 + BLOCKED_BIAS));
  assert.deepEqual([...positive].filter((b) => b === 0).length, 3, 'the static bias is not modified');
});

test('top-k keeps exactly k distinct scores, and every score tied with the k-th', () => {
  const kept = (scores: number[], k: number): number[] =>
    [...topKFilter(Float32Array.from(scores), k)].map((s, i) => (s === -Infinity ? -1 : i)).filter((i) => i >= 0);
  assert.deepEqual(kept([0.1, 5, 3, 4, -2, 2], 3), [1, 2, 3]);
  assert.deepEqual(kept([5, 4, 3, 3, 3, 1], 3), [0, 1, 2, 3, 4]);
  assert.deepEqual(kept([1, 2], 100), [0, 1]);
  const scores = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 10);
  assert.equal([...topKFilter(scores, 100)].filter((s) => s !== -Infinity).length, 100);
});

test('softmax normalises and gives -Infinity zero mass; the draw walks the cumulative sum', () => {
  const probs = softmax([Math.log(2), -Infinity, Math.log(5), Math.log(3)]);
  assert.deepEqual(
    [...probs].map((p) => Math.round(p * 1e12) / 1e12),
    [0.2, 0, 0.5, 0.3],
  );
  assert.deepEqual(
    [0, 0.19, 0.2, 0.69, 0.71, 0.999999].map((u) => drawCategorical(probs, u)),
    [0, 0, 2, 2, 3, 3],
  );
  assert.throws(() => softmax([-Infinity, -Infinity]), /no finite score/);
});

test('draws over many seeds follow the top-k softmax (chi-square, df 3, p = 0.001)', () => {
  const logits = Float32Array.from([9, 1.0, 0.5, 0.0, -0.5, -1.0, 9, 9, 9, 9, 9, 0.2, 9, 9, 9, 9]);
  const positive = new Float32Array(16).fill(BLOCKED_BIAS);
  for (const id of [1, 2, 3, 4, 5, 6]) positive[id] = 0;
  // 6 is used, 11 is the comma; the top 4 of the rest are ids 1, 2, 11, 3.
  const expected = softmax([1.0, 0.5, 0.2, 0.0]);
  const ids = [1, 2, 11, 3];
  const counts = new Map<number, number>();
  const draws = 20000;
  for (let seed = 0; seed < draws; seed++) {
    const id = sampleNextToken(logits, positive, [6], createExpansionRng(BigInt(seed) * 7919n), 4);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.deepEqual(
    [...counts.keys()].sort((a, b) => a - b),
    [1, 2, 3, 11],
  );
  const chi2 = ids.reduce(
    (sum, id, i) => sum + ((counts.get(id) ?? 0) - draws * expected[i]) ** 2 / (draws * expected[i]),
    0,
  );
  assert.ok(chi2 < 16.27, `chi-square ${chi2.toFixed(2)}; counts ${JSON.stringify([...counts])}`);
});

test('the sampling stream is seeded by seed mod 2^32', () => {
  const first = (seed: bigint): number => createExpansionRng(seed).nextDouble();
  assert.equal(first(12345n), first(12345n));
  assert.equal(first(12345n), first(12345n + (1n << 32n)));
  assert.equal(first(-1n), first((1n << 32n) - 1n), 'Python modulo: never negative');
  assert.notEqual(first(12345n), first(12346n));
  // Golden draws, so a change to the stream (which changes every seed's expansion) is deliberate.
  // Recipe: xoshiro256** seeded via SplitMix64 from (42 mod 2^32) XOR 0x657870616e642121 ("expand!!"), top 53 bits /
  // 2^53.
  const rng = createExpansionRng(42n);
  assert.deepEqual(
    [rng.nextDouble(), rng.nextDouble(), rng.nextDouble()],
    [0.19464596634167342, 0.004673296417119555, 0.7281016553471409],
  );
});

// ---- end to end on the tiny models ----

test('expand returns the cleaned prompt, a comma and only new positive words, 75 tokens in all', async () => {
  const prompt = '  a  photo of a cat. ';
  const tokens = await noPast.generate(prompt, 42n);
  assert.equal(tokens.input, 'a photo of a cat,');
  assert.equal(tokens.inputIds.length + tokens.newIds.length, 75);
  for (const id of tokens.newIds)
    assert.ok(id === COMMA_ID || positiveIds.has(id), `id ${id} is neither ',' nor a positive word`);
  const words = [...tokens.inputIds, ...tokens.newIds].filter((id) => id !== COMMA_ID);
  assert.equal(new Set(words).size, words.length, 'no token but the comma repeats');
  const text = await noPast.expand(prompt, 42n);
  assert.ok(text.startsWith('a photo of a cat,'), text);
  const added = text
    .slice('a photo of a cat,'.length)
    .split(/[\s,]+/)
    .filter((w) => w !== '');
  assert.ok(added.length > 10, text);
  for (const word of added) assert.ok(TINY_POSITIVE_WORDS.includes(word), `'${word}' is not in positive.txt`);
  assert.equal(text, safeStr(text));
});

test('a prompt of exactly 75 tokens comes back unchanged without the added comma; 76 grows to 150', async () => {
  const exact = `x${' cat'.repeat(73)}.`;
  assert.equal(tokenizer.encode(`${safeStr(exact)},`).length, 75);
  assert.equal(await noPast.expand(exact, 1n), safeStr(exact));
  assert.deepEqual((await noPast.generate(exact, 1n)).newIds, []);
  const longer = `x${' cat'.repeat(74)}`;
  const tokens = await noPast.generate(longer, 1n);
  assert.equal(tokens.inputIds.length, 76);
  assert.equal(tokens.newIds.length, 74);
});

test('the empty prompt expands to the empty string', async () => {
  assert.equal(await noPast.expand('', 5n), '');
});

test('same prompt and seed give the same text; seed s and s + 2^32 agree; s + 1 differs', async () => {
  const prompt = 'a red castle at night';
  const text = await noPast.expand(prompt, 777n);
  assert.equal(await noPast.expand(prompt, 777n), text);
  assert.equal(await noPast.expand(prompt, 777n + (1n << 32n)), text);
  assert.notEqual(await noPast.expand(prompt, 778n), text);
});

test('the KV-cache model and the full-sequence model give identical expansions', async () => {
  for (const [prompt, seed] of [
    ['a photo of a cat', 3n],
    ['the city at night, red', 99n],
    [`x${' dog'.repeat(80)}`, 2n ** 40n],
  ] as const) {
    assert.equal(
      await withPast.expand(prompt, seed),
      await noPast.expand(prompt, seed),
      `prompt '${prompt.slice(0, 30)}' seed ${seed}`,
    );
  }
});

test('with-past logits match full-sequence logits at every step and depend on the whole prefix', async () => {
  const open = async (files: ExpansionModelFiles) => {
    const session = await providers.createSession(files.model, 'tiny gpt2');
    return { session, layout: readGpt2Layout(session, 'tiny gpt2') };
  };
  const full = await open(noPastFiles);
  const cached = await open(withPastFiles);
  try {
    assert.equal(full.layout.past.length, 0);
    assert.equal(cached.layout.past.length, 4);
    assert.deepEqual(cached.layout.pastHeads, { heads: 2, headDim: 8 });
    const a = new Gpt2Decoder(full.session, full.layout);
    const b = new Gpt2Decoder(cached.session, cached.layout);
    const prompt = tokenizer.encode('a photo of a cat,');
    const close = (x: Float32Array, y: Float32Array) => assert.ok(x.every((v, i) => Math.abs(v - y[i]) < 1e-4));
    close(await a.start(prompt), await b.start(prompt));
    for (const id of tokenizer.encode(' cinematic, vivid epic')) close(await a.next(id), await b.next(id));
    const other = new Gpt2Decoder(full.session, full.layout);
    const changed = await other.start([tokenizer.vocab.get('Ġdog') as number, ...prompt.slice(1)]);
    const same = await new Gpt2Decoder(full.session, full.layout).start(prompt);
    assert.ok(
      changed.some((v, i) => Math.abs(v - same[i]) > 1e-3),
      'changing the first token changes the last logits',
    );
  } finally {
    await Promise.all([full.session.release(), cached.session.release()]);
  }
});

test('past shapes come from present outputs or config.json when the inputs are symbolic; fp16 I/O works', async () => {
  const prompt = 'a cat in the forest';
  const reference = await noPast.expand(prompt, 8n);
  for (const [name, options] of [
    ['outputs-dims', { pastDims: 'outputs' }],
    ['config-dims', { pastDims: 'none' }],
    ['no-position-ids', { hasPositionIds: false }],
  ] as const) {
    const model = await PromptExpansion.load(await tinyModel(name, { withPast: true, ...options }), providers);
    assert.equal(await model.expand(prompt, 8n), reference, name);
    await model.release();
  }
  const half = await PromptExpansion.load(
    await tinyModel('fp16', { withPast: true, dtype: 'float16', modelFile: 'decoder_model_merged.onnx' }),
    providers,
  );
  const text = await half.expand(prompt, 8n);
  await half.release();
  assert.ok(text.startsWith('a cat in the forest,'), text);
  for (const word of text
    .slice(20)
    .split(/[\s,]+/)
    .filter((w) => w !== ''))
    assert.ok(TINY_POSITIVE_WORDS.includes(word), word);
});

test('an optimum merged decoder (decoder_model_merged.onnx with a bool use_cache_branch) runs: false on the first step, true with the cache after', async () => {
  const prompt = 'a cat in the forest';
  const merged = await PromptExpansion.load(
    await tinyModel('merged', { withPast: true, useCacheBranch: true, modelFile: 'decoder_model_merged.onnx' }),
    providers,
  );
  try {
    // The tiny merged model multiplies its pasts by use_cache_branch: a wrong flag would change the logits.
    assert.equal(await merged.expand(prompt, 8n), await noPast.expand(prompt, 8n));
  } finally {
    await merged.release();
  }
});

test('with no past shape anywhere, the first step runs on [1,1,0,1] placeholders or fails naming config.json', async () => {
  // ORT's Concat skips empty inputs, so the tiny decoder (like a real attention Concat) accepts the placeholder.
  const model = await PromptExpansion.load(
    await tinyModel('no-dims', { withPast: true, pastDims: 'none', writeConfig: false }),
    providers,
  );
  assert.equal(await model.expand('a cat', 1n), await noPast.expand('a cat', 1n));
  await model.release();
  const fed: number[][] = [];
  const session: DecoderSession = {
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['b', 's'] },
      { name: 'past_key_values.0.key', dtype: 'float32', shape: ['b', 'h', 'p', 'd'] },
      { name: 'past_key_values.0.value', dtype: 'float32', shape: ['b', 'h', 'p', 'd'] },
    ],
    outputs: [
      { name: 'logits', dtype: 'float32', shape: ['b', 's', 'v'] },
      { name: 'present.0.key', dtype: 'float32', shape: ['b', 'h', 't', 'd'] },
      { name: 'present.0.value', dtype: 'float32', shape: ['b', 'h', 't', 'd'] },
    ],
    async run(feeds) {
      fed.push([...feeds['past_key_values.0.key'].dims]);
      throw new Error('Concat: dimension mismatch');
    },
  };
  const layout = readGpt2Layout(session, 'scripted');
  assert.equal(layout.pastHeads, null);
  await assert.rejects(
    new Gpt2Decoder(session, layout).start([1]),
    (error: unknown) =>
      error instanceof EngineError && /placeholder past shapes.*config\.json.*dimension mismatch/.test(error.message),
  );
  assert.deepEqual(fed, [[1, 1, 0, 1]]);
  assert.deepEqual(
    readGpt2Layout(session, 'scripted', { heads: 12, headDim: 64 }).pastHeads,
    { heads: 12, headDim: 64 },
    'config.json fallback',
  );
});

test('a prompt longer than the model positions is rejected naming the prompt field', async () => {
  await assert.rejects(
    noPast.expand(`x${' cat'.repeat(500)}`, 1n),
    (error: unknown) => error instanceof EngineError && error.kind === 'invalid-input' && error.field === 'prompt',
  );
});

test('expand after release fails', async () => {
  const model = await PromptExpansion.load(noPastFiles, providers);
  await model.release();
  await assert.rejects(model.expand('a cat', 1n), /after release/);
});

// ---- I/O layout, on a scripted session ----

test('a merged decoder gets use_cache_branch false then true, zero-length then fed-back pasts, absolute positions', async () => {
  const calls: Record<string, FeedTensor>[] = [];
  const vocab = 16;
  const session: DecoderSession = {
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'total'] },
      { name: 'position_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      { name: 'past_key_values.0.key', dtype: 'float16', shape: ['batch', 3, 'past', 4] },
      { name: 'past_key_values.0.value', dtype: 'float16', shape: ['batch', 3, 'past', 4] },
      { name: 'use_cache_branch', dtype: 'bool', shape: [1] },
    ],
    outputs: [
      { name: 'logits', dtype: 'float16', shape: ['batch', 'seq', vocab] },
      { name: 'present.0.key', dtype: 'float16', shape: ['batch', 3, 'total', 4] },
      { name: 'present.0.value', dtype: 'float16', shape: ['batch', 3, 'total', 4] },
    ],
    async run(feeds) {
      calls.push(feeds);
      const seq = feeds.input_ids.dims[1];
      const total = feeds['past_key_values.0.key'].dims[2] + seq;
      const present = (): OutputTensor => ({
        data: new Float32Array(3 * total * 4).fill(total),
        dims: [1, 3, total, 4],
      });
      const logits = Float32Array.from({ length: seq * vocab }, (_, i) => (i >= (seq - 1) * vocab ? total : -1));
      return {
        logits: { data: logits, dims: [1, seq, vocab] },
        'present.0.key': present(),
        'present.0.value': present(),
      };
    },
  };
  const layout = readGpt2Layout(session, 'scripted');
  const decoder = new Gpt2Decoder(session, layout);
  assert.deepEqual([...(await decoder.start([5, 6, 7]))], new Array(vocab).fill(3));
  assert.deepEqual([...(await decoder.next(9))], new Array(vocab).fill(4));
  const [first, second] = calls;
  const values = (feed: FeedTensor): number[] => Array.from(feed.data);
  assert.deepEqual([values(first.use_cache_branch), values(second.use_cache_branch)], [[0], [1]]);
  assert.deepEqual(first['past_key_values.0.key'].dims, [1, 3, 0, 4]);
  assert.deepEqual(second['past_key_values.0.value'].dims, [1, 3, 3, 4]);
  assert.deepEqual([...values(first.input_ids), ...values(second.input_ids)], [5, 6, 7, 9]);
  assert.deepEqual([values(first.position_ids), values(second.position_ids)], [[0, 1, 2], [3]]);
  assert.deepEqual(values(first.attention_mask), [1, 1, 1]);
  assert.deepEqual(second.attention_mask.dims, [1, 4]);
});

test('a session that is no GPT-2 decoder is refused naming what is wrong', () => {
  const session: DecoderSession = {
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: [1, 'n'] },
      { name: 'token_type_ids', dtype: 'int64', shape: [1, 'n'] },
      { name: 'past_key_values.0.key', dtype: 'float32', shape: [1, 2, 'p', 4] },
    ],
    outputs: [{ name: 'last_hidden_state', dtype: 'float32', shape: [1, 'n', 8] }],
    run: async () => ({}),
  };
  assert.throws(
    () => readGpt2Layout(session, 'odd.onnx'),
    (error: unknown) => {
      assert.ok(error instanceof EngineError);
      for (const part of ['token_type_ids', 'no logits output', 'present.0.key'])
        assert.ok(error.message.includes(part), error.message);
      return true;
    },
  );
});

// ---- finding the installed model ----

async function touch(dir: string, names: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of names) await writeFile(join(dir, name), '');
}

const DATA = ['vocab.json', 'merges.txt', 'positive.txt'];

test("finds the model in Fooocus's fooocus_expansion folder or directly in prompt_expansion", async () => {
  const nested = join(root, 'find-nested');
  await touch(join(nested, 'prompt_expansion', 'fooocus_expansion'), ['decoder_model.onnx', 'model.onnx', ...DATA]);
  const found = await findExpansionModel(nested);
  assert.deepEqual(found.files, {
    dir: join(nested, 'prompt_expansion', 'fooocus_expansion'),
    model: join(nested, 'prompt_expansion', 'fooocus_expansion', 'model.onnx'),
    vocab: join(nested, 'prompt_expansion', 'fooocus_expansion', 'vocab.json'),
    merges: join(nested, 'prompt_expansion', 'fooocus_expansion', 'merges.txt'),
    positive: join(nested, 'prompt_expansion', 'fooocus_expansion', 'positive.txt'),
  });
  const flat = join(root, 'find-flat');
  await touch(join(flat, 'prompt_expansion'), ['decoder_model_merged.onnx', 'decoder_model.onnx', ...DATA]);
  const flatFound = await findExpansionModel(flat);
  assert.equal(flatFound.files?.dir, join(flat, 'prompt_expansion'));
  assert.equal(flatFound.files?.model, join(flat, 'prompt_expansion', 'decoder_model_merged.onnx'));
});

test('reports the missing file by name', async () => {
  const none = await findExpansionModel(join(root, 'find-none'));
  assert.equal(none.files, null);
  if (none.files === null)
    assert.match(
      none.reason,
      /missing model\.onnx or decoder_model_merged\.onnx or decoder_model\.onnx, vocab\.json, merges\.txt, positive\.txt/,
    );
  const partial = join(root, 'find-partial');
  await touch(join(partial, 'prompt_expansion'), ['model.onnx', 'vocab.json', 'merges.txt']);
  const result = await findExpansionModel(partial);
  assert.equal(result.files, null);
  if (result.files === null) {
    assert.match(result.reason, /prompt_expansion: missing positive\.txt$/);
  }
  const torch = join(root, 'find-torch');
  await touch(join(torch, 'prompt_expansion', 'fooocus_expansion'), [...DATA, 'pytorch_model.bin']);
  const torchResult = await findExpansionModel(torch);
  if (torchResult.files !== null) assert.fail('a PyTorch-only folder is not an ONNX model');
  assert.match(torchResult.reason, /fooocus_expansion: missing model\.onnx or .*pytorch_model\.bin is there/);
});
