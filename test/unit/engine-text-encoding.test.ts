/**
 * Fooocus text conditioning (fooocus-semantics §4.6): weighted chunking, the weighting rule against
 * the empty-chunk encoding with the mean rescale, items concatenated, pooled summed over the first
 * pool_top_k items, and the per-job cache. The model checks run the tiny checkpoint's real text
 * encoders; every expected tensor is rebuilt here in float64 from the raw (unweighted) hidden states.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TINY_DIMS } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import { LoadedCheckpoint } from '../../engine/pipeline/loaded-checkpoint.ts';
import { parseEmphasis } from '../../engine/prompts/emphasis.ts';
import type { WeightedItem } from '../../engine/prompts/expand-prompts.ts';
import type { PromptEmbedding } from '../../engine/text-encoders/prompt-encoder.ts';
import { encodePromptItems, type ItemEncodingCache } from '../../engine/text-encoders/prompt-items.ts';
import { combineItems, padToChunks, weightChunk } from '../../engine/text-encoders/token-weighting.ts';

import { hasWeights, toPromptChunks, toWeightedChunks } from '../../engine/text-encoders/prompt-chunks.ts';
import { ClipTokenizer } from '../../engine/tokenizer/clip-tokenizer.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const DIR = fileURLToPath(new URL('../../engine/assets/clip-tokenizer/', import.meta.url));
const tokenizer = await ClipTokenizer.fromFiles(`${DIR}vocab.json`, `${DIR}merges.txt`);
const EOS = 49407;
const W1 = TINY_DIMS.te1Hidden;
const W2 = TINY_DIMS.te2Hidden;
const W = W1 + W2;

const tiny = await tinyCheckpoint();
const model = await LoadedCheckpoint.load(
  tiny.name,
  tiny.checkpointDir,
  new ProviderSelector('cpu', 1, () => {}),
  () => {},
);
const encoder = model.promptEncoder;
after(() => model.release());

const item = (text: string): WeightedItem => ({ text, segments: parseEmphasis(text) });

function assertClose(actual: Float32Array, expected: ArrayLike<number>, label: string, tolerance = 2e-6): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  assert.ok(worst <= tolerance, `${label}: largest relative difference ${worst}`);
}

/** The reference rule in float64: (z − e)·w + e on weighted tokens, then × mean(before)/mean(after). */
function referenceWeighting(
  z: ArrayLike<number>,
  empty: ArrayLike<number>,
  weights: readonly number[],
  width: number,
  isRescaled = true,
): number[] {
  const out = Array.from(z);
  for (let j = 0; j < weights.length; j++) {
    if (weights[j] === 1) continue;
    for (let c = 0; c < width; c++)
      out[j * width + c] = (z[j * width + c] - empty[j * width + c]) * weights[j] + empty[j * width + c];
  }
  const mean = (values: ArrayLike<number>): number => Array.from(values).reduce((a, b) => a + b, 0) / values.length;
  const ratio = isRescaled ? mean(z) / mean(out) : 1;
  return out.map((v) => v * ratio);
}

/** Columns [from, to) of each row of a [rows, W] context. */
function columns(context: Float32Array, from: number, to: number): Float32Array {
  const rows = context.length / W;
  const out = new Float32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(context.subarray(r * W + from, r * W + to), r * (to - from));
  return out;
}

test('chunks weighted segments with their weights; BOS, EOS and padding weigh 1; unweighted ids equal toPromptChunks', () => {
  const chunks = toWeightedChunks(tokenizer, parseEmphasis('a (red:1.5) fox ((snow))'), EOS);
  assert.deepEqual(chunks.ids, toPromptChunks(tokenizer, 'a red fox snow', EOS));
  const [a, red, fox, snow] = ['a', 'red', 'fox', 'snow'].map((w) => tokenizer.encode(w));
  assert.deepEqual([a.length, red.length, fox.length, snow.length], [1, 1, 1, 1]);
  assert.deepEqual(chunks.weights[0].slice(0, 6), [1, 1, 1.5, 1, 1.1 * 1.1, 1]);
  assert.ok(chunks.weights[0].slice(5).every((w) => w === 1));
  assert.equal(hasWeights(chunks), true);
  assert.equal(hasWeights(toWeightedChunks(tokenizer, parseEmphasis('a (red:1) fox'), EOS)), false);
  assert.deepEqual(toWeightedChunks(tokenizer, [], 0).ids, toPromptChunks(tokenizer, '', 0));
});

test('a weighted word that does not fit moves whole to the next chunk, keeping its weight', () => {
  const text = `${new Array(74).fill('a').join(' ')} (1234567:1.3)`;
  const chunks = toWeightedChunks(tokenizer, parseEmphasis(text), 0);
  assert.deepEqual(chunks.ids, toPromptChunks(tokenizer, text.replace('(', '').replace(':1.3)', ''), 0));
  assert.equal(chunks.ids.length, 2);
  assert.ok(chunks.weights[0].every((w) => w === 1));
  assert.deepEqual(chunks.weights[1].slice(0, 9), [1, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1]);
});

test('weightChunk moves only weighted tokens away from the empty encoding, then restores the chunk mean', () => {
  const width = 2;
  const z = Float32Array.from({ length: 77 * width }, (_, i) => Math.sin(i) + 0.5);
  const empty = Float32Array.from({ length: 77 * width }, (_, i) => Math.cos(i) * 0.25);
  const weights = new Array<number>(77).fill(1);
  weights[3] = 1.5;
  weights[10] = 0.5;
  const out = weightChunk(z, empty, weights, width);
  assertClose(out, referenceWeighting(z, empty, weights, width), 'weighted chunk');
  const mean = (v: Float32Array): number => v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(Math.abs(mean(out) - mean(z)) < 1e-6, 'mean restored');
  assert.ok(out[3 * width] !== z[3 * width] && out[10 * width] !== z[10 * width], 'weighted tokens moved');
  assert.deepEqual(
    z,
    Float32Array.from({ length: 77 * width }, (_, i) => Math.sin(i) + 0.5),
    'input untouched',
  );
});

test('combineItems concatenates along the sequence and sums the first poolCount pooled vectors in float32', () => {
  const embedding = (seed: number, chunks: number): PromptEmbedding => ({
    context: Float32Array.from({ length: chunks * 77 * 3 }, (_, i) => seed + i),
    tokens: chunks * 77,
    width: 3,
    pooled: Float32Array.from([seed, seed / 3, 0.1 * seed]),
  });
  const [x, y, z] = [embedding(1, 1), embedding(2, 2), embedding(7, 1)];
  const combined = combineItems([x, y, z], 2);
  assert.equal(combined.tokens, 4 * 77);
  assert.deepEqual(combined.context, Float32Array.from([...x.context, ...y.context, ...z.context]));
  assert.deepEqual(combined.pooled, Float32Array.from([0, 1, 2].map((i) => Math.fround(x.pooled[i] + y.pooled[i]))));
  assert.deepEqual(combineItems([x, y], 0).pooled, new Float32Array(3));
  const padded = padToChunks(
    x,
    3,
    Float32Array.from({ length: 77 * 3 }, () => -1),
  );
  assert.equal(padded.tokens, 3 * 77);
  assert.deepEqual(padded.context.subarray(0, x.context.length), x.context);
  assert.ok(padded.context.subarray(x.context.length).every((v) => v === -1));
  assert.equal(padded.pooled, x.pooled);
});

test('an unweighted item is exactly the raw encoding of its chunks', async () => {
  const text = 'a red fox in the snow';
  const got = await encoder.encodeItem(parseEmphasis(text), 2);
  const raw = await encoder.encode(
    { first: toPromptChunks(tokenizer, text, EOS), second: toPromptChunks(tokenizer, text, 0) },
    2,
  );
  assert.deepEqual(got.context, raw.context);
  assert.deepEqual(got.pooled, raw.pooled);
  assert.equal(got.width, W);
  assert.equal(got.pooled.length, TINY_DIMS.projection);
  assert.deepEqual(
    (await encoder.encodeItem(parseEmphasis('a red (fox:1.0) in the snow'), 2)).context,
    raw.context,
    'weight 1.0 is no weight',
  );
});

test('a weighted item follows Fooocus: per encoder, against the empty chunk, mean-rescaled; pooled untouched', async () => {
  const text = 'a (red:1.5) fox in the (snow:0.7)';
  const plain = 'a red fox in the snow';
  const weights = toWeightedChunks(tokenizer, parseEmphasis(text), EOS).weights[0];
  // Raw hidden states of [chunk, empty chunk] in one batch, as Fooocus encodes them.
  const raw = await encoder.encode(
    {
      first: [toPromptChunks(tokenizer, plain, EOS)[0], encoder.emptyChunk('first')],
      second: [toPromptChunks(tokenizer, plain, 0)[0], encoder.emptyChunk('second')],
    },
    2,
  );
  const size = 77 * W;
  const chunk = raw.context.subarray(0, size);
  const empty = raw.context.subarray(size, 2 * size);
  const expected1 = referenceWeighting(columns(chunk, 0, W1), columns(empty, 0, W1), weights, W1);
  const expected2 = referenceWeighting(columns(chunk, W1, W), columns(empty, W1, W), weights, W2);

  const got = await encoder.encodeItem(parseEmphasis(text), 2);
  assert.equal(got.tokens, 77);
  assertClose(columns(got.context, 0, W1), expected1, 'CLIP-L side');
  assertClose(columns(got.context, W1, W), expected2, 'CLIP-G side');
  assert.deepEqual(got.pooled, raw.pooled, 'pooled is the first chunk’s, unweighted');
  // The rescale is not a no-op here, so the comparison above really checks it.
  const unscaled = referenceWeighting(columns(chunk, W1, W), columns(empty, W1, W), weights, W2, false);
  assert.ok(Math.abs(unscaled[0] / expected2[0] - 1) > 1e-4, `rescale ratio ${expected2[0] / unscaled[0]}`);
  const unweighted = await encoder.encodeItem(parseEmphasis(plain), 2);
  assert.notDeepEqual(got.context, unweighted.context);
});

test('a list of items: sequences concatenated, pooled = sum over the first pool_top_k items, each text encoded once', async () => {
  let calls = 0;
  const counting = new Proxy(encoder, {
    get(target, key, receiver) {
      if (key === 'encodeItem')
        return (...args: Parameters<typeof encoder.encodeItem>) => (calls++, target.encodeItem(...args));
      return Reflect.get(target, key, receiver);
    },
  });
  const items = [item('photograph of a fox'), item('a (fox:1.3)'), item('photograph of a fox'), item('film grain')];
  const cache: ItemEncodingCache = new Map();
  const got = await encodePromptItems(counting, items, 3, 2, cache);
  assert.equal(calls, 3, 'the repeated text is encoded once');
  const each = await Promise.all(items.map((i) => encoder.encodeItem(i.segments, 2)));
  assert.equal(got.tokens, 4 * 77);
  assert.deepEqual(got.context, Float32Array.from(each.flatMap((e) => [...e.context])));
  const pooled = new Float32Array(got.pooled.length);
  for (const e of each.slice(0, 3))
    for (let i = 0; i < pooled.length; i++) pooled[i] = Math.fround(pooled[i] + e.pooled[i]);
  assert.deepEqual(got.pooled, pooled);
  await encodePromptItems(counting, [item('film grain')], 1, 2, cache);
  assert.equal(calls, 3, 'cached across lists of the same job');
});

test('clip skip selects the hidden state for weighted items too', async () => {
  const text = 'a (red:1.5) fox';
  const skip1 = await encoder.encodeItem(parseEmphasis(text), 1);
  const skip2 = await encoder.encodeItem(parseEmphasis(text), 2);
  assert.notDeepEqual(skip1.context, skip2.context);
  assert.deepEqual(skip1.pooled, skip2.pooled, 'pooled is unaffected by clip skip');
});
