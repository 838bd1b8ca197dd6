/**
 * Single-file checkpoint import (engine/import/checkpoint) on the scaled SDXL configuration — the same graph code
 * and names as the full size: a synthetic checkpoint's seeded weights exported under SGM/A1111 names (the key map
 * run backwards: q/k/v fused, text_projection transposed, VAE attention as 1×1 convs), imported, and every
 * component run with onnxruntime against the synthetic original on fixed inputs: outputs bit-identical, fp32 and fp16.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportSyntheticCheckpoint } from '../../engine/import/checkpoint/export-checkpoint.ts';
import { importCheckpoint } from '../../engine/import/checkpoint/import-checkpoint.ts';
import { importVae } from '../../engine/import/checkpoint/import-vae.ts';
import {
  contextWidth,
  pooledWidth,
  SCALED_SDXL,
  SCALED_SDXL_REFINER,
} from '../../engine/models/synthetic/sdxl-architecture.ts';
import type { FloatType } from '../../engine/models/synthetic/streaming-graph.ts';
import { writeSyntheticCheckpoint } from '../../engine/models/synthetic/synthetic-checkpoint.ts';
import { OnnxSession, type FeedTensor } from '../../engine/onnx/session.ts';
import {
  SafetensorsReader,
  writeSafetensors,
  type FloatDtype,
  type TensorToWrite,
} from '../../engine/lora/safetensors.ts';

const SEED = 31;
const dir = await mkdtemp(join(tmpdir(), 'checkpoint-import-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Deterministic, varied values in [-1, 1]. */
function wave(count: number, phase: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + phase));
}

function ids(pad: number): FeedTensor {
  const tokens = [49406, 320, 1125, 539, 518, 2368, 49407];
  return { data: Array.from({ length: 77 }, (_, i) => tokens[i] ?? pad), dims: [1, 77] };
}

const FEEDS: Record<string, Record<string, FeedTensor>> = {
  text_encoder: { input_ids: ids(49407) },
  text_encoder_2: { input_ids: ids(0) },
  unet: {
    sample: { data: wave(4 * 8 * 8, 0), dims: [1, 4, 8, 8] },
    timestep: { data: [501], dims: [] },
    encoder_hidden_states: { data: wave(77 * contextWidth(SCALED_SDXL), 1), dims: [1, 77, contextWidth(SCALED_SDXL)] },
    text_embeds: { data: wave(pooledWidth(SCALED_SDXL), 2), dims: [1, pooledWidth(SCALED_SDXL)] },
    time_ids: { data: [64, 64, 0, 0, 64, 64], dims: [1, 6] },
  },
  vae_encoder: { sample: { data: wave(3 * 64 * 64, 3), dims: [1, 3, 64, 64] } },
  vae_decoder: { latent_sample: { data: wave(4 * 8 * 8, 4), dims: [1, 4, 8, 8] } },
};

/** Every output of a component on its fixed feeds, as raw float32 bytes. */
async function outputs(checkpoint: string, component: string, feeds = FEEDS): Promise<Map<string, Buffer>> {
  const session = await OnnxSession.create(join(checkpoint, component, 'model.onnx'), { provider: 'cpu', threads: 1 });
  try {
    const result = await session.run(feeds[component]);
    return new Map(
      Object.entries(result).map(([name, t]) => [
        name,
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      ]),
    );
  } finally {
    await session.release();
  }
}

async function assertSameOutputs(expected: string, actual: string, components: string[], feeds = FEEDS): Promise<void> {
  for (const component of components) {
    const [want, got] = [await outputs(expected, component, feeds), await outputs(actual, component, feeds)];
    assert.deepEqual([...got.keys()], [...want.keys()], `${component} outputs`);
    for (const [name, bytes] of want) {
      assert.ok(bytes.length > 0);
      assert.ok(got.get(name)!.equals(bytes), `${component} ${name} differs from the synthetic original`);
    }
  }
}

const COMPONENTS = ['text_encoder', 'text_encoder_2', 'unet', 'vae_encoder', 'vae_decoder'];

async function roundTrip(dtype: FloatType) {
  const synthetic = join(dir, `synthetic-${dtype}`);
  const file = join(dir, `checkpoint-${dtype}.safetensors`);
  const imported = join(dir, `imported-${dtype}`);
  await writeSyntheticCheckpoint(synthetic, SCALED_SDXL, { dtype, seed: SEED });
  await exportSyntheticCheckpoint(file, SCALED_SDXL, {
    dtype,
    seed: SEED,
    // Kept by real checkpoints, read by no graph: the import must skip them.
    extra: { 'conditioner.embedders.1.model.logit_scale': { shape: [], values: [4.6052] } },
  });
  const progress: number[] = [];
  const report = await importCheckpoint(file, imported, { onProgress: (done, total) => progress.push(done / total) });
  return { synthetic, file, imported, report, progress };
}

for (const dtype of ['float32', 'float16'] as const) {
  test(`a ${dtype} checkpoint exported under SGM names imports to graphs whose outputs are bit-identical to the synthetic original`, async () => {
    const { synthetic, imported, report, progress } = await roundTrip(dtype);
    assert.equal(report.architecture, SCALED_SDXL, 'architecture inferred from the tensor shapes');
    assert.equal(report.dtype, dtype, 'float type as stored');
    assert.equal(progress.at(-1), 1);
    await assertSameOutputs(synthetic, imported, COMPONENTS);
    // Same initializer names, order and values: the weight files are the same bytes, too.
    for (const component of COMPONENTS)
      for (const name of await readdir(join(synthetic, component)))
        assert.ok(
          (await readFile(join(imported, component, name))).equals(await readFile(join(synthetic, component, name))),
          `${component}/${name}`,
        );
    const index = JSON.parse(await readFile(join(imported, 'model_index.json'), 'utf8'));
    assert.deepEqual(index._imported_from, { file: `checkpoint-${dtype}.safetensors`, architecture: 'scaled' });
    assert.equal(index._synthetic_random_weights, undefined);
    assert.deepEqual((await readdir(imported)).sort(), (await readdir(synthetic)).sort());
  });
}

test('the comparison tells weights apart: a checkpoint of another seed gives other UNet and text_encoder_2 outputs', async () => {
  const file = join(dir, 'other-seed.safetensors');
  await exportSyntheticCheckpoint(file, SCALED_SDXL, { seed: SEED + 1 });
  await importCheckpoint(file, join(dir, 'other-seed'));
  for (const component of ['unet', 'text_encoder_2']) {
    const want = await outputs(join(dir, 'synthetic-float32'), component);
    const got = await outputs(join(dir, 'other-seed'), component);
    assert.ok(
      [...want].some(([name, bytes]) => !got.get(name)!.equals(bytes)),
      component,
    );
  }
});

test('imports to fp16 from an fp32 file when asked, with the same graphs as an fp16 synthetic checkpoint', async () => {
  const out = join(dir, 'fp32-as-fp16');
  const report = await importCheckpoint(join(dir, 'checkpoint-float32.safetensors'), out, { dtype: 'float16' });
  assert.equal(report.dtype, 'float16');
  await assertSameOutputs(join(dir, 'synthetic-float16'), out, ['text_encoder_2', 'unet']);
});

for (const isBare of [true, false]) {
  test(`a separate VAE file (${isBare ? 'bare encoder./decoder.' : 'first_stage_model.'} keys) imports to vae_encoder and vae_decoder only, bit-identical`, async () => {
    const file = join(dir, `vae-${isBare}.safetensors`);
    await exportSyntheticCheckpoint(file, SCALED_SDXL, {
      seed: SEED,
      components: ['vae_encoder', 'vae_decoder'],
      isBareVae: isBare,
    });
    const out = join(dir, `vae-${isBare}`);
    await importVae(file, out);
    assert.deepEqual((await readdir(out)).sort(), ['vae_decoder', 'vae_encoder']);
    await assertSameOutputs(join(dir, 'synthetic-float32'), out, ['vae_encoder', 'vae_decoder']);
  });
}

test('an SDXL refiner checkpoint (bigG as embedders.0, 4 levels, mid depth apart, 5 time ids) imports bit-identical', async () => {
  const arch = SCALED_SDXL_REFINER;
  const synthetic = join(dir, 'synthetic-refiner');
  const file = join(dir, 'refiner.safetensors');
  const imported = join(dir, 'imported-refiner');
  await writeSyntheticCheckpoint(synthetic, arch, { dtype: 'float16', seed: SEED });
  await exportSyntheticCheckpoint(file, arch, {
    dtype: 'float16',
    seed: SEED,
    extra: { 'conditioner.embedders.0.model.logit_scale': { shape: [], values: [4.6052] } },
  });
  const report = await importCheckpoint(file, imported);
  assert.equal(report.architecture, arch);
  const context = contextWidth(arch);
  const feeds = {
    ...FEEDS,
    unet: {
      ...FEEDS.unet,
      encoder_hidden_states: { data: wave(77 * context, 1), dims: [1, 77, context] },
      time_ids: { data: [64, 64, 0, 0, 6], dims: [1, 5] },
    },
  };
  await assertSameOutputs(synthetic, imported, ['text_encoder_2', 'unet', 'vae_encoder', 'vae_decoder'], feeds);
  const folders = (await readdir(imported)).sort();
  assert.deepEqual(folders, (await readdir(synthetic)).sort());
  assert.ok(!folders.includes('text_encoder') && !folders.includes('tokenizer'), folders.join());
  const index = JSON.parse(await readFile(join(imported, 'model_index.json'), 'utf8'));
  assert.equal(index.requires_aesthetics_score, true);
});

/** The file's tensors re-encoded as `dtype` (values read back as float32 first). */
async function recoded(source: string, path: string, dtype: FloatDtype): Promise<void> {
  const reader = await SafetensorsReader.open(source);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [key, entry] of reader.entries)
    tensors[key] = { dtype, shape: entry.shape, data: (await reader.readFloat32(key)).data };
  await reader.close();
  await writeSafetensors(path, tensors);
}

test('a BF16 checkpoint imports as float32, its values widened exactly (same graphs as an F32 file of those values)', async () => {
  const bf16 = join(dir, 'bf16.safetensors');
  const widened = join(dir, 'bf16-widened.safetensors');
  await recoded(join(dir, 'checkpoint-float32.safetensors'), bf16, 'BF16');
  await recoded(bf16, widened, 'F32');
  const [a, b] = [join(dir, 'imported-bf16'), join(dir, 'imported-bf16-widened')];
  assert.equal((await importCheckpoint(bf16, a)).dtype, 'float32');
  await importCheckpoint(widened, b);
  for (const component of COMPONENTS)
    for (const name of await readdir(join(a, component)))
      assert.ok((await readFile(join(a, component, name))).equals(await readFile(join(b, component, name))), name);
  const original = await readFile(join(dir, 'synthetic-float32', 'unet', 'model.onnx_data'));
  assert.ok(!(await readFile(join(a, 'unet', 'model.onnx_data'))).equals(original), 'BF16 rounding did change values');
});
