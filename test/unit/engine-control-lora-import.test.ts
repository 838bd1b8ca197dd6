/**
 * Control-LoRA import (engine/import/control-lora/) on the scaled SDXL architecture: a synthetic
 * base UNet written here, test Control-LoRAs in the real key layout (test/fixtures/control-lora-file.ts),
 * converted and run through the engine's own ControlNetSession. Checks: a no-op file reproduces the
 * base UNet's own skip and mid activations; merged weights read back as base + up@down and full
 * tensors replace the base's; the residuals have the shapes the residual-rewritten UNet takes (it
 * runs on them); bad files fail with their problem and leave no output folder behind.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import onnxProto from 'onnx-proto';
import { findControlNet } from '../../engine/controlnet/controlnet-files.ts';
import { ControlNetSession } from '../../engine/controlnet/controlnet-session.ts';
import { writeTinyControlNet } from '../../engine/controlnet/tiny-controlnet.ts';
import {
  downResidualName,
  MID_RESIDUAL,
  residualSites,
  rewriteForResiduals,
} from '../../engine/controlnet/residual-graph.ts';
import { ControlLoraError } from '../../engine/import/control-lora/control-lora-error.ts';
import { convertControlLora } from '../../engine/import/control-lora/convert-control-lora.ts';
import { ExternalFiles, readInitializer } from '../../engine/lora/initializer-data.ts';
import { LoraTargetIndex } from '../../engine/lora/onnx-targets.ts';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { contextWidth, pooledWidth, SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { buildSdxlUnet } from '../../engine/models/synthetic/sdxl-unet-graph.ts';
import { createWeightRng } from '../../engine/models/tiny/seeded-weights.ts';
import { OnnxSession, type FeedTensor } from '../../engine/onnx/session.ts';
import { skipChannels, writeTestControlLora } from '../fixtures/control-lora-file.ts';

const { onnx } = onnxProto;
const ARCH = SCALED_SDXL.unet;
const CONTEXT = contextWidth(SCALED_SDXL);
const POOLED = pooledWidth(SCALED_SDXL);
const LATENT = 8;
const NAMES = [...skipChannels(ARCH).map((_, k) => downResidualName(k)), MID_RESIDUAL];

let root = '';
let baseDir = '';
let controlnets = '';

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'control-lora-'));
  baseDir = join(root, 'checkpoint', 'unet');
  controlnets = join(root, 'models', 'controlnet');
  await mkdir(baseDir, { recursive: true });
  await mkdir(controlnets, { recursive: true });
  await buildSdxlUnet(ARCH, CONTEXT, POOLED, 'float32').write(baseDir, { external: true, seed: 1234 });
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

function unetFeeds(batch = 1): Record<string, FeedTensor> {
  const rand = createWeightRng(31);
  return {
    sample: { data: rand(batch * 4 * LATENT * LATENT, 1), dims: [batch, 4, LATENT, LATENT] },
    timestep: { data: [601], dims: [] },
    encoder_hidden_states: { data: rand(batch * 5 * CONTEXT, 1), dims: [batch, 5, CONTEXT] },
    text_embeds: { data: rand(batch * POOLED, 1), dims: [batch, POOLED] },
    time_ids: {
      data: Float32Array.from({ length: batch * 6 }, (_, i) => [1024, 1024, 0, 0, 1024, 1024][i % 6]),
      dims: [batch, 6],
    },
  };
}

function controlImage(batch = 1): FeedTensor {
  const size = LATENT * 8;
  const rand = createWeightRng(5);
  return { data: Array.from(rand(batch * 3 * size * size, 0.5), (v) => v + 0.5), dims: [batch, 3, size, size] };
}

const cpu = (model: string) => OnnxSession.create(model, { provider: 'cpu', threads: 1 });

/** The base UNet with its skip and mid activations published as extra outputs (written beside its data). */
async function baseActivations(): Promise<Float32Array[]> {
  const model = onnx.ModelProto.decode(await readFile(join(baseDir, 'model.onnx')));
  const sites = residualSites(model);
  const values = [...sites.map((s) => s.skip).reverse(), sites[0].hidden];
  model.graph!.output = values.map((name) => ({ name, type: { tensorType: { elemType: 1 } } }));
  const probe = join(baseDir, 'probe.onnx');
  await writeFile(probe, onnx.ModelProto.encode(model).finish());
  const session = await cpu(probe);
  try {
    const out = await session.run(unetFeeds(), values);
    return values.map((v) => out[v].data as Float32Array);
  } finally {
    await session.release();
    await rm(probe, { force: true });
  }
}

async function runControlNet(modelPath: string, scale = 1) {
  const session = new ControlNetSession(await cpu(modelPath), NAMES);
  try {
    return await session.residuals(unetFeeds(), controlImage(), scale);
  } finally {
    await session.release();
  }
}

async function leftovers(): Promise<string[]> {
  return (await readdir(controlnets)).filter((n) => n.startsWith('.'));
}

test('a Control-LoRA with zero up halves, a zero hint and identity zero convs reproduces the base UNet activations', async () => {
  const file = join(root, 'identity.safetensors');
  await writeTestControlLora(file, ARCH, baseDir, { isIdentity: true });
  const outDir = join(controlnets, 'identity');
  const summary = await convertControlLora({ baseUnet: baseDir, controlLoraPath: file, outDir });
  assert.equal(summary.isReused, false);
  assert.equal(summary.floatType, 'float32');
  assert.ok(summary.merged > 40, `merged ${summary.merged}`);
  assert.equal(summary.added, 16 + 2 * NAMES.length);
  const expected = await baseActivations();
  const residuals = await runControlNet(summary.modelPath);
  residuals.forEach((r, k) => {
    assert.equal(r.data.length, expected[k].length, NAMES[k]);
    let worst = 0;
    for (let i = 0; i < r.data.length; i++) worst = Math.max(worst, Math.abs(r.data[i] - expected[k][i]));
    assert.ok(worst <= 1e-5, `${NAMES[k]} differs from the base activation by ${worst}`);
  });
  const again = await convertControlLora({ baseUnet: baseDir, controlLoraPath: file, outDir });
  assert.equal(again.isReused, true);
  assert.deepEqual(await leftovers(), []);
});

test("the hint is added to conv_in's output before the first skip and the first resnet read it", async () => {
  const file = join(root, 'hint.safetensors');
  const bias = Float32Array.from({ length: ARCH.channels[0] }, (_, c) => 0.25 * (c + 1));
  await writeTestControlLora(file, ARCH, baseDir, { isIdentity: true, hintBias: bias });
  const summary = await convertControlLora({
    baseUnet: baseDir,
    controlLoraPath: file,
    outDir: join(controlnets, 'hint'),
  });
  const expected = await baseActivations();
  const residuals = await runControlNet(summary.modelPath);
  const plane = LATENT * LATENT;
  let worst = 0;
  for (let i = 0; i < expected[0].length; i++)
    worst = Math.max(worst, Math.abs(residuals[0].data[i] - (expected[0][i] + bias[Math.floor(i / plane)])));
  assert.ok(worst <= 1e-5, `residual 0 is not conv_in + hint (off by ${worst})`);
  assert.ok(
    residuals[1].data.some((v, i) => Math.abs(v - expected[1][i]) > 1e-3),
    'the first resnet did not see the hint',
  );
});

test('merged weights read back as base + up@down, and full tensors replace the base', async () => {
  const file = join(root, 'merge.safetensors');
  const changedBias = 'input_blocks.4.0.in_layers.2.bias';
  const { tensors } = await writeTestControlLora(file, ARCH, baseDir, { rank: 3, seed: 9 });
  tensors[changedBias] = { ...tensors[changedBias], data: Float32Array.from(tensors[changedBias].data, (v) => v + 1) };
  await writeSafetensors(file, tensors);
  const summary = await convertControlLora({
    baseUnet: join(baseDir, 'model.onnx'),
    controlLoraPath: file,
    outDir: join(controlnets, 'merge'),
  });
  const read = async (dir: string, module: string) => {
    const model = onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
    const target = new LoraTargetIndex(model).find(module);
    assert.ok(target, `${module} in ${dir}`);
    const files = new ExternalFiles(dir);
    try {
      const bytes = await readInitializer(target.tensor, files);
      return { values: new Float32Array(bytes.buffer), layout: target.layout, dims: target.dims };
    } finally {
      await files.close();
    }
  };
  // A Linear (stored transposed, [in,out]) and a 3×3 conv ([out,in,3,3]).
  for (const [sgm, diffusers] of [
    ['input_blocks.4.1.transformer_blocks.0.attn1.to_q', 'down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q'],
    ['input_blocks.1.0.in_layers.2', 'down_blocks.0.resnets.0.conv1'],
  ]) {
    const before = await read(baseDir, diffusers);
    const merged = await read(summary.modelPath.replace(/\/model\.onnx$/, ''), diffusers);
    const up = tensors[`${sgm}.up`];
    const down = tensors[`${sgm}.down`];
    const [out, rank] = up.shape;
    const k = down.data.length / rank;
    for (let o = 0; o < out; o++)
      for (let c = 0; c < k; c++) {
        let delta = 0;
        for (let r = 0; r < rank; r++) delta += up.data[o * rank + r] * down.data[r * k + c];
        const at = merged.layout === 'in-out' ? c * out + o : o * k + c;
        assert.ok(Math.abs(merged.values[at] - (before.values[at] + delta)) <= 1e-6, `${sgm}[${o},${c}]`);
      }
  }
  const bias = await readFile(join(controlnets, 'merge', 'model.onnx'));
  const model = onnx.ModelProto.decode(bias);
  const tensor = model.graph!.initializer!.find((t) => t.name === 'down_blocks.1.resnets.0.conv1.bias')!;
  const files = new ExternalFiles(join(controlnets, 'merge'));
  const stored = new Float32Array((await readInitializer(tensor, files)).buffer);
  await files.close();
  assert.deepEqual(
    Array.from(stored),
    Array.from(tensors[changedBias].data, (v) => Math.fround(v)),
  );
});

test('residuals have the shapes the residual-rewritten UNet takes, scale with the weight, and run it', async () => {
  const file = join(root, 'control.safetensors');
  await writeTestControlLora(file, ARCH, baseDir, { seed: 3 });
  const summary = await convertControlLora({
    baseUnet: baseDir,
    controlLoraPath: file,
    outDir: join(controlnets, 'canny'),
  });
  const found = await findControlNet(join(root, 'models'), 'PyraCanny');
  assert.deepEqual(found && { path: found.path, isDemo: found.isDemo }, { path: summary.modelPath, isDemo: false });
  const residuals = await runControlNet(summary.modelPath);
  const [c0, c1, c2] = ARCH.channels;
  const h = LATENT;
  const expected = [
    [c0, h],
    [c0, h],
    [c0, h],
    [c0, h / 2],
    [c1, h / 2],
    [c1, h / 2],
    [c1, h / 4],
    [c2, h / 4],
    [c2, h / 4],
    [c2, h / 4],
  ].map(([c, s]) => [1, c, s, s]);
  assert.deepEqual(
    residuals.map((r) => r.dims),
    expected,
  );
  assert.deepEqual(
    summary.residuals.map((r) => r.channels),
    expected.map((d) => d[1]),
  );
  const half = await runControlNet(summary.modelPath, 0.5);
  assert.ok(residuals.every((r, k) => r.data.every((v, i) => Math.abs(v * 0.5 - half[k].data[i]) <= 1e-6)));
  assert.ok(residuals[0].data.some((v) => v !== 0));

  const rewritten = rewriteForResiduals(onnx.ModelProto.decode(await readFile(join(baseDir, 'model.onnx'))));
  const path = join(baseDir, 'residual-probe.onnx');
  await writeFile(path, onnx.ModelProto.encode(rewritten).finish());
  const unet = await cpu(path);
  try {
    const feeds = unetFeeds();
    const zeros = Object.fromEntries(
      NAMES.map((n, k) => [n, { data: new Float32Array(residuals[k].data.length), dims: residuals[k].dims }]),
    );
    const plain = await unet.run({ ...feeds, ...zeros });
    const controlled = await unet.run({ ...feeds, ...Object.fromEntries(NAMES.map((n, k) => [n, residuals[k]])) });
    assert.deepEqual(controlled.out_sample.dims, [1, 4, h, h]);
    assert.ok(controlled.out_sample.data.some((v, i) => Math.abs(v - plain.out_sample.data[i]) > 1e-4));
  } finally {
    await unet.release();
    await rm(path, { force: true });
  }
});

test('an fp16 base gives an fp16 ControlNet whose residuals follow the fp32 conversion', async () => {
  const fp16Dir = join(root, 'checkpoint-fp16', 'unet');
  await mkdir(fp16Dir, { recursive: true });
  await buildSdxlUnet(ARCH, CONTEXT, POOLED, 'float16').write(fp16Dir, { external: true, seed: 1234 });
  const file = join(root, 'for-fp16.safetensors');
  await writeTestControlLora(file, ARCH, baseDir, { seed: 4 });
  const half = await convertControlLora({
    baseUnet: fp16Dir,
    controlLoraPath: file,
    outDir: join(controlnets, 'fp16'),
  });
  const full = await convertControlLora({
    baseUnet: baseDir,
    controlLoraPath: file,
    outDir: join(controlnets, 'fp32'),
  });
  assert.equal(half.floatType, 'float16');
  const model = onnx.ModelProto.decode(await readFile(half.modelPath));
  const types = new Set(model.graph!.initializer!.filter((t) => t.dims!.length > 1).map((t) => t.dataType));
  assert.deepEqual([...types], [10]);
  const [a, b] = [await runControlNet(half.modelPath), await runControlNet(full.modelPath)];
  a.forEach((r, k) => {
    const peak = Math.max(...b[k].data.map(Math.abs));
    const worst = Math.max(...r.data.map((v, i) => Math.abs(v - b[k].data[i])));
    assert.ok(Number.isFinite(worst) && worst <= 0.01 * peak, `${NAMES[k]}: fp16 off by ${worst} (peak ${peak})`);
  });
});

async function rejects(name: string, problem: string, write: (file: string) => Promise<void>, base = baseDir) {
  const file = join(root, `${name}.safetensors`);
  await write(file);
  const outDir = join(controlnets, name);
  await assert.rejects(convertControlLora({ baseUnet: base, controlLoraPath: file, outDir }), (error) => {
    assert.ok(error instanceof ControlLoraError, String(error));
    assert.equal(error.problem, problem, error.message);
    assert.equal(error.kind, 'invalid-input');
    assert.ok(
      error.message.includes(problem === 'wrong-architecture' || problem === 'unreadable' ? root : file),
      error.message,
    );
    return true;
  });
  await assert.rejects(stat(outDir), { code: 'ENOENT' });
  assert.deepEqual(await leftovers(), []);
}

test('bad files fail naming the file and the problem, and leave no output folder', async () => {
  await rejects('plain-lora', 'not-control-lora', (f) =>
    writeTestControlLora(f, ARCH, baseDir, { isUnmarked: true }).then(() => undefined),
  );
  await rejects('truncated', 'truncated', async (f) => {
    await writeTestControlLora(f, ARCH, baseDir);
    await truncate(f, (await stat(f)).size - 100);
  });
  await rejects('unknown', 'unknown-keys', async (f) => {
    await writeTestControlLora(f, ARCH, baseDir, {
      extra: { 'output_blocks.0.0.in_layers.0.weight': { dtype: 'F32', shape: [2], data: [1, 1] } },
    });
  });
  await rejects('unknown-encoder', 'unknown-keys', async (f) => {
    await writeTestControlLora(f, ARCH, baseDir, {
      extra: {
        'input_blocks.1.0.out_layers.9.up': { dtype: 'F32', shape: [2, 1], data: [1, 1] },
        'input_blocks.1.0.out_layers.9.down': { dtype: 'F32', shape: [1, 2], data: [1, 1] },
      },
    });
  });
  await rejects('missing', 'missing-keys', async (f) => {
    await writeTestControlLora(f, ARCH, baseDir, {
      omit: ['zero_convs.3.0.weight', 'input_blocks.1.0.in_layers.2.down'],
    });
  });
  // Made for a UNet with other widths: the pairs' shapes do not fit this base.
  const otherDir = join(root, 'other', 'unet');
  await mkdir(otherDir, { recursive: true });
  const other = { ...ARCH, channels: [8, 16, 32], headDim: 4, groups: 4 };
  await buildSdxlUnet(other, CONTEXT, POOLED, 'float32').write(otherDir, { external: true, seed: 2 });
  await rejects('other-widths', 'wrong-architecture', async (f) => {
    await writeTestControlLora(f, other, otherDir);
  });
  // A base that is no UNet: the demo ControlNet has the SDXL inputs but no conv_in or up-block skips.
  const notUnet = join(root, 'tiny-controlnet');
  await writeTinyControlNet(notUnet);
  await rejects(
    'not-unet',
    'wrong-architecture',
    (f) => writeTestControlLora(f, ARCH, baseDir).then(() => undefined),
    notUnet,
  );
  await rejects(
    'no-base',
    'unreadable',
    (f) => writeTestControlLora(f, ARCH, baseDir).then(() => undefined),
    join(root, 'absent'),
  );
});
