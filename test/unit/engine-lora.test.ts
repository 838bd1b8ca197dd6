import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { EngineError } from '../../engine/errors.ts';
import { ExternalFiles, externalRef, readInitializer } from '../../engine/lora/initializer-data.ts';
import { mergeLoras } from '../../engine/lora/merge.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { fromFloat16Array, toFloat16Array } from '../../engine/onnx/float16.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import {
  dyadic,
  TE_NAMES,
  textEncoderLikeGraph,
  UNET_NAMES,
  unetLikeGraph,
  writeFixtureModel,
  type FixtureGraph,
} from '../fixtures/lora-models.ts';

const { onnx } = onnxProto;
const root = await mkdtemp(join(tmpdir(), 'engine-lora-'));
after(() => rm(root, { recursive: true, force: true }));

const ckpt = join(root, 'checkpoints', 'tiny');
const unetGraph = unetLikeGraph();
const te1Graph = textEncoderLikeGraph(2, 'float32');
const te2Graph = textEncoderLikeGraph(3, 'float16', true);
await writeFixtureModel(join(ckpt, 'unet'), unetGraph);
await writeFixtureModel(join(ckpt, 'text_encoder'), te1Graph);
await writeFixtureModel(join(ckpt, 'text_encoder_2'), te2Graph);

interface Pair {
  down: Float32Array;
  downShape: number[];
  up: Float32Array;
  upShape: number[];
  /** alpha/rank */
  scale: number;
}

function pair(seed: number, downShape: number[], upShape: number[], alpha?: number): Pair {
  const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    down: dyadic(count(downShape), seed),
    downShape,
    up: dyadic(count(upShape), seed + 1),
    upShape,
    scale: alpha === undefined ? 1 : alpha / downShape[0],
  };
}

// kohya: F32 factors, F16 alpha. Module → pair.
const KOHYA = {
  lora_unet_input_blocks_1_0_in_layers_2: pair(11, [2, 4, 3, 3], [4, 2, 1, 1], 1),
  lora_unet_input_blocks_4_1_proj_in: pair(13, [2, 4, 1, 1], [8, 2, 1, 1], 2),
  lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q: pair(15, [4, 8], [8, 4], 2),
  lora_unet_output_blocks_3_1_proj_out: pair(17, [2, 8], [8, 2], 2),
  lora_te1_text_model_encoder_layers_0_self_attn_q_proj: pair(19, [2, 16], [16, 2], 4),
  lora_te2_text_model_encoder_layers_0_mlp_fc1: pair(21, [2, 16], [32, 2], 2),
};
// diffusers/PEFT: BF16 factors, no alpha (scale 1).
const DIFFUSERS = {
  'unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q': pair(23, [2, 8], [8, 2]),
  'unet.down_blocks.0.resnets.0.conv1': pair(25, [3, 4, 3, 3], [4, 3, 1, 1]),
  'text_encoder.text_model.encoder.layers.0.self_attn.q_proj': pair(27, [2, 16], [16, 2]),
};

const kohyaPath = join(root, 'kohya.safetensors');
const diffusersPath = join(root, 'diffusers.safetensors');
await writeSafetensors(kohyaPath, {
  ...Object.fromEntries(
    Object.entries(KOHYA).flatMap(([m, p]) => [
      [`${m}.lora_down.weight`, { dtype: 'F32' as const, shape: p.downShape, data: p.down }],
      [`${m}.lora_up.weight`, { dtype: 'F32' as const, shape: p.upShape, data: p.up }],
      [`${m}.alpha`, { dtype: 'F16' as const, shape: [], data: [p.scale * p.downShape[0]] }],
    ]),
  ),
  'lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_k.hada_w1_a': { dtype: 'F32', shape: [2], data: [1, 2] },
});
await writeSafetensors(
  diffusersPath,
  Object.fromEntries(
    Object.entries(DIFFUSERS).flatMap(([m, p]) => [
      [`${m}.lora_A.weight`, { dtype: 'BF16' as const, shape: p.downShape, data: p.down }],
      [`${m}.lora_B.weight`, { dtype: 'BF16' as const, shape: p.upShape, data: p.up }],
    ]),
  ),
);

/** Σ weight·scale·up@down as float64 [out, K]. */
function delta(terms: [Pair, number][]): Float64Array {
  const [first] = terms[0];
  const out = first.upShape[0];
  const k = first.down.length / first.downShape[0];
  const result = new Float64Array(out * k);
  for (const [p, weight] of terms) {
    const rank = p.downShape[0];
    for (let o = 0; o < out; o++)
      for (let r = 0; r < rank; r++)
        for (let j = 0; j < k; j++) result[o * k + j] += weight * p.scale * p.up[o * rank + r] * p.down[r * k + j];
  }
  return result;
}

function transposed(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

function original(graph: FixtureGraph, name: string): Float32Array {
  const t = graph.tensors.find((x) => x.name === name)!;
  return t.dtype === 'float16' ? fromFloat16Array(toFloat16Array(t.values)) : t.values;
}

async function loadModel(modelPath: string) {
  return onnx.ModelProto.decode(await readFile(modelPath));
}

/** An initializer of a (merged) model read from wherever its proto says, as float32. */
async function tensorOf(modelPath: string, name: string): Promise<{ values: Float32Array; location?: string }> {
  const tensor = (await loadModel(modelPath)).graph!.initializer!.find((t) => t.name === name)!;
  const files = new ExternalFiles(dirname(modelPath));
  try {
    const bytes = await readInitializer(tensor, files);
    const values =
      tensor.dataType === 10 ? fromFloat16Array(new Uint16Array(bytes.buffer)) : new Float32Array(bytes.buffer);
    return { values, location: externalRef(tensor)?.location };
  } finally {
    await files.close();
  }
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (tolerance + Math.abs(expected[i]) * tolerance));
  assert.ok(worst <= 1, `${label}: off by ${worst}× the tolerance ${tolerance}`);
}

async function run(modelPath: string, feeds: Record<string, { data: Float32Array; dims: number[] }>) {
  const session = await OnnxSession.create(modelPath, { provider: 'cpu', threads: 1 });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

const sample = { sample: { data: dyadic(4 * 64, 99), dims: [1, 4, 8, 8] } };

test('merges a kohya and a diffusers LoRA into SDXL-named UNet initializers: exactly W + Σ w·(alpha/rank)·up@down', async () => {
  const cache = join(root, 'cache-exact');
  const result = await mergeLoras(
    join(ckpt, 'unet'),
    [
      { path: kohyaPath, weight: 0.8 },
      { path: diffusersPath, weight: -1.5 },
    ],
    cache,
  );
  assert.deepEqual([...result.changed].sort(), [UNET_NAMES.conv1, UNET_NAMES.projIn, UNET_NAMES.toQ].sort());
  assert.equal(result.isReused, false);
  assert.ok(
    result.skipped.some(
      (s) => s.includes('up_blocks.1.attentions.0.proj_out') && s.includes('no matching initializer'),
    ),
    result.skipped.join('\n'),
  );
  assert.ok(
    result.skipped.some((s) => s.includes('hada_w1_a')),
    result.skipped.join('\n'),
  );
  const setDir = dirname(result.modelPath);
  assert.equal(dirname(setDir), join(cache, 'unet'));

  const conv1 = delta([
    [KOHYA.lora_unet_input_blocks_1_0_in_layers_2, 0.8],
    [DIFFUSERS['unet.down_blocks.0.resnets.0.conv1'], -1.5],
  ]);
  const projIn = delta([[KOHYA.lora_unet_input_blocks_4_1_proj_in, 0.8]]);
  // to_q is an anonymous MatMul weight stored [in,out]: the delta lands transposed.
  const toQ = transposed(
    delta([
      [KOHYA.lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q, 0.8],
      [DIFFUSERS['unet.down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q'], -1.5],
    ]),
    8,
    8,
  );
  const sideName = `lora-${setDir.split('/').pop()}.onnx_data`;
  for (const [name, d] of [
    [UNET_NAMES.conv1, conv1],
    [UNET_NAMES.projIn, projIn],
    [UNET_NAMES.toQ, toQ],
  ] as const) {
    const merged = await tensorOf(result.modelPath, name);
    assert.equal(merged.location, sideName, `${name} points at the side file`);
    const base = original(unetGraph, name);
    const expected = Float64Array.from(base, (v, i) => v + d[i]);
    assertClose(merged.values, expected, 1e-6, name);
    assert.ok(
      d.some((v) => Math.abs(v) > 0.01),
      `${name}: the delta is not trivially small`,
    );
  }
  for (const name of [UNET_NAMES.toK, UNET_NAMES.conv1Bias]) {
    const kept = await tensorOf(result.modelPath, name);
    assert.equal(kept.location, 'model.onnx_data', `${name} still reads the original data file`);
    assert.deepEqual(kept.values, original(unetGraph, name));
  }
  // Only the changed tensors are written: 576 + 128 + 256 bytes, each 64-aligned.
  assert.equal((await stat(join(setDir, sideName))).size, (4 * 4 * 9 + 8 * 4 + 8 * 8) * 4);
  const originalData = await stat(join(ckpt, 'unet', 'model.onnx_data'));
  const linked = await stat(join(setDir, 'model.onnx_data'));
  assert.equal(linked.ino, originalData.ino, 'the original data is hard-linked, not copied');
});

test('the merged UNet loads and runs in onnxruntime and matches a model built with the expected weights', async () => {
  const result = await mergeLoras(join(ckpt, 'unet'), [{ path: kohyaPath, weight: 1 }], join(root, 'cache-run'));
  const before = (await run(join(ckpt, 'unet', 'model.onnx'), sample)).out_sample.data;
  const after_ = (await run(result.modelPath, sample)).out_sample.data;
  assert.ok(
    after_.some((v, i) => Math.abs(v - before[i]) > 1e-3),
    'the LoRA changes the output',
  );
  const expectedGraph = structuredClone(unetGraph);
  const kohyaDelta: Record<string, Float64Array> = {
    [UNET_NAMES.conv1]: delta([[KOHYA.lora_unet_input_blocks_1_0_in_layers_2, 1]]),
    [UNET_NAMES.projIn]: delta([[KOHYA.lora_unet_input_blocks_4_1_proj_in, 1]]),
    [UNET_NAMES.toQ]: transposed(delta([[KOHYA.lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q, 1]]), 8, 8),
  };
  for (const t of expectedGraph.tensors) {
    const d = kohyaDelta[t.name];
    if (d) t.values = Float32Array.from(t.values, (v, i) => v + d[i]);
  }
  await writeFixtureModel(join(root, 'expected-unet'), expectedGraph);
  const reference = (await run(join(root, 'expected-unet', 'model.onnx'), sample)).out_sample.data;
  assertClose(after_, reference, 1e-5, 'out_sample');
});

test('merges te1 LoRA keys into a named Gemm(transB=1) weight and te2 keys into an fp16 inline MatMul weight behind a Cast', async () => {
  const cache = join(root, 'cache-te');
  const te1 = await mergeLoras(
    join(ckpt, 'text_encoder'),
    [
      { path: kohyaPath, weight: 1 },
      { path: diffusersPath, weight: 0.5 },
    ],
    cache,
  );
  assert.deepEqual(te1.changed, [TE_NAMES.qProj]);
  const qDelta = delta([
    [KOHYA.lora_te1_text_model_encoder_layers_0_self_attn_q_proj, 1],
    [DIFFUSERS['text_encoder.text_model.encoder.layers.0.self_attn.q_proj'], 0.5],
  ]);
  assertClose(
    (await tensorOf(te1.modelPath, TE_NAMES.qProj)).values,
    Float64Array.from(original(te1Graph, TE_NAMES.qProj), (v, i) => v + qDelta[i]),
    1e-6,
    'q_proj',
  );
  assert.deepEqual((await tensorOf(te1.modelPath, TE_NAMES.fc1)).values, original(te1Graph, TE_NAMES.fc1));

  const te2 = await mergeLoras(join(ckpt, 'text_encoder_2'), [{ path: kohyaPath, weight: -2 }], cache);
  assert.deepEqual(te2.changed, [TE_NAMES.fc1]);
  const fcDelta = transposed(delta([[KOHYA.lora_te2_text_model_encoder_layers_0_mlp_fc1, -2]]), 32, 16);
  const merged = await tensorOf(te2.modelPath, TE_NAMES.fc1);
  // float16 storage: within one half-precision rounding of the exact sum.
  assertClose(
    merged.values,
    Float64Array.from(original(te2Graph, TE_NAMES.fc1), (v, i) => v + fcDelta[i]),
    2 ** -10,
    'fc1 (fp16)',
  );
  const inlineKept = (await loadModel(te2.modelPath)).graph!.initializer!.find((t) => t.name === TE_NAMES.qProj)!;
  assert.equal(inlineKept.rawData?.length, 256 * 2, 'unchanged inline initializers stay inline');

  const hidden = { hidden: { data: dyadic(16, 5), dims: [1, 16] } };
  const before = await run(join(ckpt, 'text_encoder_2', 'model.onnx'), hidden);
  const after_ = await run(te2.modelPath, hidden);
  assert.deepEqual(after_.q.data, before.q.data);
  assert.ok(after_.fc1.data.some((v, i) => Math.abs(v - before.fc1.data[i]) > 1e-3));
});

test('reuses a merged set for the same model, LoRAs and weights and keeps at most two sets per component', async () => {
  const cache = join(root, 'cache-lru');
  const unet = join(ckpt, 'unet');
  const a = await mergeLoras(unet, [{ path: kohyaPath, weight: 1 }], cache);
  const again = await mergeLoras(unet, [{ path: kohyaPath, weight: 1 }], cache);
  assert.deepEqual([again.isReused, again.modelPath, again.changed], [true, a.modelPath, a.changed]);
  const b = await mergeLoras(unet, [{ path: kohyaPath, weight: 0.5 }], cache);
  assert.notEqual(b.modelPath, a.modelPath);
  await mergeLoras(unet, [{ path: kohyaPath, weight: 1 }], cache); // a is now the most recently used
  const c = await mergeLoras(unet, [{ path: diffusersPath, weight: 1 }], cache);
  const sets = (await readdir(join(cache, 'unet'))).sort();
  assert.deepEqual(
    sets,
    [dirname(a.modelPath), dirname(c.modelPath)].map((p) => p.split('/').pop()).sort(),
    'b (least recently used) was evicted',
  );
  const bAgain = await mergeLoras(unet, [{ path: kohyaPath, weight: 0.5 }], cache);
  assert.equal(bAgain.isReused, false, 'an evicted set is rebuilt');
  assert.equal((await readdir(join(cache, 'unet'))).length, 2);
  assert.ok((await run(bAgain.modelPath, sample)).out_sample.data.length > 0);
});

test('returns the original model without LoRAs or with zero weights, and rejects more than six LoRAs (five user ones plus the performance LoRA) or weights beyond ±2', async () => {
  const unet = join(ckpt, 'unet');
  const cache = join(root, 'cache-none');
  assert.deepEqual(await mergeLoras(unet, [], cache), {
    modelPath: join(unet, 'model.onnx'),
    changed: [],
    skipped: [],
    isReused: false,
  });
  assert.equal((await mergeLoras(unet, [{ path: kohyaPath, weight: 0 }], cache)).modelPath, join(unet, 'model.onnx'));
  const isInvalid = (pattern: RegExp) => (error: unknown) =>
    error instanceof EngineError &&
    error.kind === 'invalid-input' &&
    error.field === 'loras' &&
    pattern.test(error.message);
  await assert.rejects(
    mergeLoras(
      unet,
      Array.from({ length: 7 }, () => ({ path: kohyaPath, weight: 1 })),
      cache,
    ),
    isInvalid(/at most 6 LoRAs/),
  );
  await assert.rejects(
    mergeLoras(unet, [{ path: kohyaPath, weight: 2.5 }], cache),
    isInvalid(/weight 2\.5 is outside/),
  );
  await assert.rejects(
    mergeLoras(unet, [{ path: join(root, 'missing.safetensors'), weight: 1 }], cache),
    (e: unknown) => e instanceof EngineError && e.kind === 'model-missing',
  );
});
