/**
 * Files the checkpoint import refuses: each gives a CheckpointImportError (an invalid-input engine error) whose
 * message names the file and the problem, and leaves neither the output folder nor a temporary one behind —
 * including a read failure halfway through writing.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { copyFile, mkdtemp, open, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { CheckpointImportError } from '../../engine/import/checkpoint/checkpoint-import-error.ts';
import { exportSyntheticCheckpoint } from '../../engine/import/checkpoint/export-checkpoint.ts';
import { importCheckpoint } from '../../engine/import/checkpoint/import-checkpoint.ts';
import { importVae } from '../../engine/import/checkpoint/import-vae.ts';
import { registerTensorSourceOpener, safetensorsSource } from '../../engine/import/tensor-source.ts';
import { SafetensorsReader, writeSafetensors, type TensorToWrite } from '../../engine/lora/safetensors.ts';
import { SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';

const dir = await mkdtemp(join(tmpdir(), 'checkpoint-bad-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.safetensors');
await exportSyntheticCheckpoint(good, SCALED_SDXL, { seed: 3 });

/** The good checkpoint with `edit` applied to its tensors (the scaled one is small enough to hold). */
async function edited(name: string, edit: (tensors: Record<string, TensorToWrite>) => void): Promise<string> {
  const reader = await SafetensorsReader.open(good);
  const tensors: Record<string, TensorToWrite> = {};
  for (const [key, entry] of reader.entries)
    tensors[key] = { dtype: 'F32', shape: entry.shape, data: (await reader.readFloat32(key)).data };
  await reader.close();
  edit(tensors);
  const path = join(dir, name);
  await writeSafetensors(path, tensors);
  return path;
}

/** A checkpoint of other keys, tiny tensors: the family is told by names. */
async function keysOnly(name: string, keys: Record<string, number[]>): Promise<string> {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [key, shape] of Object.entries(keys))
    tensors[key] = { dtype: 'F16', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) };
  const path = join(dir, name);
  await writeSafetensors(path, tensors);
  return path;
}

async function assertRefused(
  file: string,
  problem: RegExp,
  run: (file: string, out: string) => Promise<unknown> = importCheckpoint,
): Promise<void> {
  const outParent = await mkdtemp(join(dir, 'out-'));
  const out = join(outParent, 'imported');
  await assert.rejects(run(file, out), (error: unknown) => {
    assert.ok(error instanceof CheckpointImportError, `CheckpointImportError, got ${String(error)}`);
    assert.equal(error.kind, 'invalid-input');
    assert.ok(error.message.startsWith(`${basename(file)}: `), error.message);
    assert.match(error.message, problem);
    return true;
  });
  assert.deepEqual(await readdir(outParent), [], 'nothing written: no output folder, no temporary folder');
}

test('a truncated checkpoint is refused as truncated', async () => {
  const path = join(dir, 'truncated.safetensors');
  const handle = await open(good, 'r');
  const half = Buffer.alloc(((await handle.stat()).size / 2) | 0);
  await handle.read(half, 0, half.length, 0);
  await handle.close();
  await writeFile(path, half);
  await assertRefused(path, /is truncated or corrupt \(tensor .* lies outside the file/);
});

test('a file that is not safetensors is refused as such', async () => {
  const path = join(dir, 'notes.safetensors');
  await writeFile(path, 'these are my prompt notes, not a model\n'.repeat(20));
  await assertRefused(path, /is not a safetensors checkpoint/);
  await assertRefused(join(dir, 'absent.safetensors'), /does not exist/);
});

const FAMILIES: [string, Record<string, number[]>, RegExp][] = [
  [
    'sd15.safetensors',
    {
      'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight': [320, 768],
      'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight': [4, 768],
    },
    /SD 1\.x checkpoint .*768-wide context/,
  ],
  [
    'sd21.safetensors',
    {
      'model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight': [320, 1024],
      'cond_stage_model.model.token_embedding.weight': [4, 1024],
    },
    /SD 2\.x checkpoint/,
  ],
  [
    'sd3.safetensors',
    { 'model.diffusion_model.joint_blocks.0.x_block.attn.qkv.weight': [4, 4] },
    /SD3 model \(joint_blocks/,
  ],
  ['flux.safetensors', { 'double_blocks.0.img_attn.qkv.weight': [4, 4], 'img_in.weight': [4, 4] }, /Flux model/],
  [
    'lora.safetensors',
    { 'lora_unet_input_blocks_4_1_proj_in.lora_down.weight': [4, 640] },
    /no model\.diffusion_model/,
  ],
];
for (const [name, keys, problem] of FAMILIES)
  test(`${name.replace('.safetensors', '')}: a non-SDXL file is refused naming what it is`, async () => {
    await assertRefused(await keysOnly(name, keys), problem);
  });

test('a refiner fragment (its embedder and ADM width, nothing else) is refused naming the first missing tensor', async () => {
  const path = await keysOnly('refiner-fragment.safetensors', {
    'model.diffusion_model.label_emb.0.0.weight': [1536, 2560],
    'conditioner.embedders.0.model.token_embedding.weight': [4, 1280],
  });
  await assertRefused(
    path,
    /is not a complete SDXL checkpoint: tensor conditioner\.embedders\.0\.model\.transformer\.resblocks\.0\.mlp\.c_fc\.weight is missing/,
  );
});

test('a checkpoint missing a tensor is refused naming it', async () => {
  const key = 'model.diffusion_model.output_blocks.3.1.transformer_blocks.0.attn2.to_k.weight';
  const path = await edited('missing.safetensors', (t) => delete t[key]);
  await assertRefused(path, new RegExp(`lacks 1 tensors of an SDXL checkpoint: ${key.replaceAll('.', '\\.')}$`));
});

test('a checkpoint with a tensor no graph uses is refused naming it; ignored training buffers are not', async () => {
  const path = await edited('unknown.safetensors', (t) => {
    t['model.diffusion_model.input_blocks.1.1.lora_extra.weight'] = { dtype: 'F32', shape: [2], data: [1, 2] };
    t['alphas_cumprod'] = { dtype: 'F32', shape: [3], data: [0.99, 0.98, 0.97] };
    t['model_ema.decay'] = { dtype: 'F32', shape: [], data: [0.9999] };
  });
  await assertRefused(
    path,
    /has 1 tensors no SDXL graph uses: model\.diffusion_model\.input_blocks\.1\.1\.lora_extra\.weight$/,
  );
});

test('a tensor of the wrong shape is refused with both shapes', async () => {
  const key = 'model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight';
  const path = await edited('shape.safetensors', (t) => {
    t[key] = { dtype: 'F32', shape: [32, 40], data: new Float32Array(32 * 40) };
  });
  await assertRefused(path, /wrong shape or type: .*attn2\.to_k\.weight is \[32,40\], expected \[32,48\]/);
});

test('shapes that make no architecture (text_projection transposed) are refused, not built', async () => {
  const path = await edited('projection.safetensors', (t) => {
    t['conditioner.embedders.1.model.text_projection'] = { dtype: 'F32', shape: [24, 32], data: new Float32Array(768) };
  });
  await assertRefused(path, /do not fit together/);
});

test('a VAE import refuses a file without VAE tensors and a VAE with an extra tensor', async () => {
  await assertRefused(
    await keysOnly('not-vae.safetensors', { 'img_in.weight': [4, 4] }),
    /is not an SDXL VAE file/,
    importVae,
  );
  const vae = join(dir, 'vae.safetensors');
  await exportSyntheticCheckpoint(vae, SCALED_SDXL, { components: ['vae_encoder', 'vae_decoder'], isBareVae: true });
  const withUnet = join(dir, 'vae-plus.safetensors');
  await exportSyntheticCheckpoint(withUnet, SCALED_SDXL, {
    components: ['vae_encoder', 'vae_decoder'],
    isBareVae: true,
    extra: { 'model.diffusion_model.out.2.bias': { shape: [4], values: [0, 0, 0, 0] } },
  });
  await assertRefused(withUnet, /no SDXL graph uses: model\.diffusion_model\.out\.2\.bias/, importVae);
});

test('a read failing halfway through writing leaves no output folder and no temporary folder', async () => {
  const failing = join(dir, 'failing.ckpt-test');
  await copyFile(good, failing);
  let reads = 0;
  registerTensorSourceOpener(async (path) => {
    if (!path.endsWith('.ckpt-test')) return null;
    const source = await safetensorsSource(path);
    return {
      ...source,
      readFloat32: async (name: string) => {
        if (++reads === 300) throw new Error('disk went away');
        return source.readFloat32(name);
      },
    };
  });
  const outParent = await mkdtemp(join(dir, 'out-'));
  await assert.rejects(importCheckpoint(failing, join(outParent, 'imported')), /disk went away/);
  assert.equal(reads, 300);
  assert.deepEqual(await readdir(outParent), []);
});
