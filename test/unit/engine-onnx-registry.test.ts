import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  listCheckpoints,
  listLoras,
  readCheckpointConfig,
  resolveCheckpointName,
  TINY_DEMO_MODEL_NAME,
} from '../../engine/models/registry.ts';
import { readPadId } from '../../engine/models/checkpoint-config.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'engine-registry-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function touch(path: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, '');
}

test('lists checkpoint folders holding unet/model.onnx, sorted, skipping incomplete and hidden ones', async () => {
  const models = join(dir, 'models-a');
  await touch(join(models, 'checkpoints', 'zeta', 'unet', 'model.onnx'));
  await touch(join(models, 'checkpoints', 'Alpha', 'unet', 'model.onnx'));
  await touch(join(models, 'checkpoints', 'beta', 'unet', 'model.onnx'));
  await touch(join(models, 'checkpoints', 'no-unet', 'text_encoder', 'model.onnx'));
  await touch(join(models, 'checkpoints', '.tiny.partial-1', 'unet', 'model.onnx'));
  await touch(join(models, 'checkpoints', 'stray.safetensors'));
  assert.deepEqual(await listCheckpoints(models), ['Alpha', 'beta', 'zeta']);
  assert.deepEqual(await listCheckpoints(join(dir, 'nowhere')), []);
});

test('lists loras/*.safetensors file names, sorted', async () => {
  const models = join(dir, 'models-b');
  await touch(join(models, 'loras', 'b.safetensors'));
  await touch(join(models, 'loras', 'a.SAFETENSORS'));
  await touch(join(models, 'loras', 'notes.txt'));
  assert.deepEqual(await listLoras(models), ['a.SAFETENSORS', 'b.safetensors']);
  assert.deepEqual(await listLoras(join(dir, 'nowhere')), []);
});

test('resolves client checkpoint names with a .safetensors suffix or other case, else null', () => {
  const installed = ['juggernautXL_v8', TINY_DEMO_MODEL_NAME];
  assert.equal(resolveCheckpointName(installed, 'juggernautXL_v8'), 'juggernautXL_v8');
  assert.equal(resolveCheckpointName(installed, 'juggernautXL_v8.safetensors'), 'juggernautXL_v8');
  assert.equal(resolveCheckpointName(installed, 'JuggernautXL_V8.safetensors'), 'juggernautXL_v8');
  assert.equal(resolveCheckpointName(installed, 'juggernautXL_version6Rundiffusion.safetensors'), null);
  assert.equal(TINY_DEMO_MODEL_NAME, 'tiny-sdxl-demo');
});

test('reads VAE and scheduler config from the checkpoint and falls back to SDXL values with warnings', async () => {
  const { checkpointDir } = await tinyCheckpoint();
  const config = await readCheckpointConfig(checkpointDir);
  assert.deepEqual(
    { ...config, warnings: config.warnings.length },
    {
      scalingFactor: 0.13025,
      latentChannels: 4,
      vaeScaleFactor: 8,
      betaStart: 0.00085,
      betaEnd: 0.012,
      trainSteps: 1000,
      betaSchedule: 'scaled_linear',
      forceZerosForEmptyPrompt: true,
      warnings: 0,
    },
  );
  const custom = join(dir, 'custom');
  await mkdir(join(custom, 'vae_decoder'), { recursive: true });
  await writeFile(
    join(custom, 'vae_decoder', 'config.json'),
    JSON.stringify({ scaling_factor: 0.18215, latent_channels: 4, block_out_channels: [32, 64] }),
  );
  const partial = await readCheckpointConfig(custom);
  assert.equal(partial.scalingFactor, 0.18215);
  assert.equal(partial.vaeScaleFactor, 2);
  assert.equal(partial.betaEnd, 0.012);
  assert.equal(partial.warnings.length, 1);
  assert.match(partial.warnings[0], /scheduler_config\.json is missing.*SDXL betas/);
  const empty = await readCheckpointConfig(join(dir, 'absent'));
  assert.equal(empty.scalingFactor, 0.13025);
  assert.equal(empty.warnings.length, 2);
});

test('reads each tokenizer pad id: EOS for tokenizer, "!" (id 0) for tokenizer_2', async () => {
  const { checkpointDir } = await tinyCheckpoint();
  assert.equal(await readPadId(join(checkpointDir, 'tokenizer'), 49407), 49407);
  assert.equal(await readPadId(join(checkpointDir, 'tokenizer_2'), 49407), 0);
  assert.equal(await readPadId(join(dir, 'absent'), 49407), 49407);
});

test('the registry module imports no onnxruntime (the gateway loads it to list models)', async () => {
  for (const file of ['registry.ts', 'checkpoint-config.ts']) {
    const source = await readFile(new URL(`../../engine/models/${file}`, import.meta.url), 'utf8');
    const specifiers = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    assert.ok(specifiers.length > 0);
    for (const s of specifiers)
      assert.ok(s.startsWith('node:') || s === './checkpoint-config.ts', `${file} imports ${s}`);
  }
});

test('writes the same checkpoint bytes for the same seed, and a different UNet for another seed', async () => {
  const a = await tinyCheckpoint({ seed: 5 }, 'same-a');
  const b = await tinyCheckpoint({ seed: 5 }, 'same-b');
  const c = await tinyCheckpoint({ seed: 6 }, 'other-seed');
  const unet = (p: string) => readFile(join(p, 'unet', 'model.onnx'));
  assert.ok((await unet(a.checkpointDir)).equals(await unet(b.checkpointDir)));
  assert.ok(!(await unet(a.checkpointDir)).equals(await unet(c.checkpointDir)));
  const index = JSON.parse(await readFile(join(a.checkpointDir, 'model_index.json'), 'utf8'));
  assert.equal(index.force_zeros_for_empty_prompt, true);
  const listed = await listCheckpoints(a.modelsDir);
  for (const name of ['other-seed', 'same-a', 'same-b']) assert.ok(listed.includes(name), listed.join(', '));
});
