/**
 * Fooocus V2's expansion folder (a transformers GPT-2 pytorch_model.bin written here in torch.save's
 * format, config.json and the tokenizer files) converted by engine/import/fooocus/gpt2-expansion.ts:
 * the result is found by findExpansionModel, its logits through the engine's Gpt2Decoder match a
 * plain JS GPT-2 forward of the same weights, and PromptExpansion loads and runs it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findExpansionModel } from '../../engine/expansion/expansion-files.ts';
import { PromptExpansion } from '../../engine/expansion/expansion-model.ts';
import { Gpt2Decoder, readGpt2Layout } from '../../engine/expansion/gpt2-decoder.ts';
import { buildTinyVocab, TINY_POSITIVE_WORDS, TINY_PROMPT_WORDS } from '../../engine/expansion/tiny-expansion-vocab.ts';
import { ModelConversionError } from '../../engine/import/fooocus/conversion-error.ts';
import { convertExpansionModel, expansionTargetDir } from '../../engine/import/fooocus/gpt2-expansion.ts';
import { createWeightRng } from '../../engine/models/tiny/seeded-weights.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import {
  D,
  gpt2Weights,
  H,
  LAYERS,
  POSITIONS,
  writeFooocusFolder,
  type Weights,
} from '../fixtures/fooocus-expansion-files.ts';

const providers = new ProviderSelector('cpu', 1, () => {});
const root = await mkdtemp(join(tmpdir(), 'fooocus-expansion-'));

function referenceLogits(w: Weights, ids: number[], vocab: number, head?: Float32Array): Float64Array[] {
  const get = (name: string) => w.get(`transformer.${name}`)!.data;
  const S = ids.length;
  const dh = D / H;
  let h = ids.map((id, t) =>
    Array.from({ length: D }, (_, j) => get('wte.weight')[id * D + j] + get('wpe.weight')[t * D + j]),
  );
  const ln = (x: number[], name: string) => {
    const mean = x.reduce((a, b) => a + b, 0) / D;
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / D;
    return x.map(
      (v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * get(`${name}.weight`)[j] + get(`${name}.bias`)[j],
    );
  };
  const conv1d = (x: number[], name: string, out: number) =>
    Array.from({ length: out }, (_, o) =>
      x.reduce((acc, v, i) => acc + v * get(`${name}.weight`)[i * out + o], get(`${name}.bias`)[o]),
    );
  const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  for (let l = 0; l < LAYERS; l++) {
    const p = `h.${l}`;
    const qkv = h.map((x) => conv1d(ln(x, `${p}.ln_1`), `${p}.attn.c_attn`, 3 * D));
    const attended = h.map(() => new Array<number>(D).fill(0));
    for (let head = 0; head < H; head++) {
      for (let t = 0; t < S; t++) {
        const scores = Array.from({ length: t + 1 }, (_, u) => {
          let dot = 0;
          for (let j = 0; j < dh; j++) dot += qkv[t][head * dh + j] * qkv[u][D + head * dh + j];
          return dot / Math.sqrt(dh);
        });
        const max = Math.max(...scores);
        const exps = scores.map((s) => Math.exp(s - max));
        const sum = exps.reduce((a, b) => a + b, 0);
        for (let u = 0; u <= t; u++)
          for (let j = 0; j < dh; j++) attended[t][head * dh + j] += (exps[u] / sum) * qkv[u][2 * D + head * dh + j];
      }
    }
    h = h.map((x, t) => conv1d(attended[t], `${p}.attn.c_proj`, D).map((v, j) => x[j] + v));
    h = h.map((x) => {
      const hidden = conv1d(ln(x, `${p}.ln_2`), `${p}.mlp.c_fc`, 4 * D).map(geluNew);
      return conv1d(hidden, `${p}.mlp.c_proj`, D).map((v, j) => x[j] + v);
    });
  }
  return h.map((x) => {
    const y = ln(x, 'ln_f');
    return Float64Array.from({ length: vocab }, (_, v) =>
      y.reduce((acc, yj, j) => acc + yj * (head ?? get('wte.weight'))[v * D + j], 0),
    );
  });
}

test('the Fooocus V2 expansion pytorch_model.bin converts to an ONNX GPT-2 whose logits match a JS GPT-2 forward, and PromptExpansion runs it', async () => {
  const started = Date.now();
  const vocabSize = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]).size;
  const weights = gpt2Weights(vocabSize);
  const source = join(root, 'fooocus', 'models', 'prompt_expansion', 'fooocus_expansion');
  await writeFooocusFolder(source, 'FloatStorage', weights);
  const models = join(root, 'ours');
  const out = expansionTargetDir(models);
  const summary = await convertExpansionModel(source, out);
  assert.deepEqual(
    {
      layers: summary.layers,
      heads: summary.heads,
      width: summary.width,
      vocab: summary.vocab,
      positions: summary.positions,
    },
    { layers: LAYERS, heads: H, width: D, vocab: vocabSize, positions: POSITIONS },
  );
  assert.deepEqual(summary.files, [
    'vocab.json',
    'merges.txt',
    'positive.txt',
    'config.json',
    'model.onnx_data',
    'model.onnx',
  ]);
  assert.deepEqual((await readdir(source)).sort(), [
    'config.json',
    'merges.txt',
    'positive.txt',
    'pytorch_model.bin',
    'vocab.json',
  ]);
  const found = await findExpansionModel(models);
  assert.ok(found.files, 'reason' in found ? found.reason : '');
  assert.equal(found.files.model, join(out, 'model.onnx'));

  const session = await providers.createSession(found.files.model, 'converted gpt2');
  try {
    const layout = readGpt2Layout(session, 'converted gpt2');
    assert.equal(layout.past.length, 2 * LAYERS, 'a KV-cache decoder: after the prompt, one token per step');
    assert.deepEqual(layout.pastHeads, { heads: H, headDim: D / H });
    const ids = [5, 17, 3, 29, 11];
    const expected = referenceLogits(weights, ids, vocabSize);
    const decoder = new Gpt2Decoder(session, layout);
    const rows = [await decoder.start(ids.slice(0, 3))];
    rows.push(await decoder.next(ids[3]), await decoder.next(ids[4]));
    rows.forEach((row, k) => {
      const reference = expected[2 + k];
      const worst = Math.max(...Array.from(row, (v, i) => Math.abs(v - reference[i])));
      assert.ok(worst < 1e-4, `position ${2 + k}: max |Δ| ${worst}`);
    });
    // The causal mask matters: a later token must not change an earlier position's logits.
    assert.notDeepEqual([...rows[0]], [...rows[1]]);
  } finally {
    await session.release();
  }

  const expansion = await PromptExpansion.load(found.files, providers);
  try {
    const expanded = await expansion.expand(TINY_PROMPT_WORDS.slice(0, 3).join(' '), 12345n);
    assert.ok(expanded.startsWith(TINY_PROMPT_WORDS.slice(0, 3).join(' ')), expanded);
    assert.ok(expanded.length > TINY_PROMPT_WORDS.slice(0, 3).join(' ').length + 5, expanded);
  } finally {
    await expansion.release();
  }
  assert.ok(Date.now() - started < 20_000);
});

test('an fp16 pytorch_model.bin converts to the same function within fp16 rounding; a wrong config is refused naming the file', async () => {
  const vocabSize = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]).size;
  const weights = gpt2Weights(vocabSize);
  const source = join(root, 'fp16');
  await writeFooocusFolder(source, 'HalfStorage', weights);
  const out = join(root, 'fp16-out');
  await convertExpansionModel(source, out);
  const session = await providers.createSession(join(out, 'model.onnx'), 'fp16 gpt2');
  try {
    const logits = await new Gpt2Decoder(session, readGpt2Layout(session, 'fp16 gpt2')).start([1, 2, 3]);
    const reference = referenceLogits(weights, [1, 2, 3], vocabSize)[2];
    const worst = Math.max(...Array.from(logits, (v, i) => Math.abs(v - reference[i])));
    assert.ok(worst > 0 && worst < 0.05, `fp16 rounding only: max |Δ| ${worst}`);
  } finally {
    await session.release();
  }
  await writeFile(
    join(source, 'config.json'),
    JSON.stringify({ model_type: 'gpt2', n_embd: D, n_head: H, n_layer: LAYERS + 1 }),
  );
  await assert.rejects(convertExpansionModel(source, join(root, 'bad-out')), (error: unknown) => {
    assert.ok(error instanceof ModelConversionError);
    assert.equal(error.path, join(source, 'pytorch_model.bin'));
    assert.match(error.problem, /missing transformer\.h\.2\.ln_1\.weight/);
    return true;
  });
  await writeFile(
    join(source, 'config.json'),
    JSON.stringify({ model_type: 'gpt2', n_embd: D, n_head: H, n_layer: 1 }),
  );
  await assert.rejects(
    convertExpansionModel(source, join(root, 'bad-out')),
    /keys this GPT-2 conversion \(n_layer 1\) does not use: transformer\.h\.1\.ln_1\.weight/,
  );
  await assert.rejects(readdir(join(root, 'bad-out')), { code: 'ENOENT' }, 'nothing is written for a refused file');
});

test('an lm_head.weight that differs from wte (an untied head) is used for the logits', async () => {
  const vocabSize = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]).size;
  const weights = gpt2Weights(vocabSize);
  const head = createWeightRng(99)(vocabSize * D, 0.5);
  const source = join(root, 'untied');
  await writeFooocusFolder(source, 'FloatStorage', weights, head);
  const out = join(root, 'untied-out');
  await convertExpansionModel(source, out);
  const session = await providers.createSession(join(out, 'model.onnx'), 'untied gpt2');
  try {
    const logits = await new Gpt2Decoder(session, readGpt2Layout(session, 'untied gpt2')).start([4, 9]);
    const reference = referenceLogits(weights, [4, 9], vocabSize, head)[1];
    const worst = Math.max(...Array.from(logits, (v, i) => Math.abs(v - reference[i])));
    assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
  } finally {
    await session.release();
  }
});
