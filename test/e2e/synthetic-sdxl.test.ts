/**
 * The full-size synthetic SDXL generator (engine/models/synthetic) checked on its scaled-down
 * configuration — the same graph code, names and I/O with fewer channels and layers — so the names
 * the LoRA mapper and FreeU look for are proven to exist in the real layout, and the engine runs it.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { residualUnsupportedReason, rewriteForResiduals } from '../../engine/controlnet/residual-graph.ts';
import { findIpAttentionLayers, ipUnsupportedReason } from '../../engine/ip-adapter/ip-attention-graph.ts';
import { mergeLoras } from '../../engine/lora/merge.ts';
import { LoraTargetIndex } from '../../engine/lora/onnx-targets.ts';
import { sgmToDiffusers } from '../../engine/lora/sdxl-block-names.ts';
import { diffusersToSgm, unetLoraModules, writeKohyaLora } from '../../engine/models/synthetic/kohya-lora.ts';
import { contextWidth, FULL_SDXL, SCALED_SDXL } from '../../engine/models/synthetic/sdxl-architecture.ts';
import { writeSyntheticCheckpoint } from '../../engine/models/synthetic/synthetic-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import {
  findFreeuSites,
  freeuUnsupportedReason,
  modelChannels,
  rewriteForFreeu,
} from '../../engine/unet/freeu-graph.ts';
import { engineJob } from '../fixtures/engine-job.ts';

const { onnx } = onnxProto;
const NAME = 'synthetic-scaled';

const setup = (async () => {
  const modelsDir = await mkdtemp(join(tmpdir(), 'synthetic-sdxl-'));
  process.once('exit', () => rmSync(modelsDir, { recursive: true, force: true }));
  const checkpointDir = join(modelsDir, 'checkpoints', NAME);
  const reports = await writeSyntheticCheckpoint(checkpointDir, SCALED_SDXL);
  await mkdir(join(modelsDir, 'loras'), { recursive: true });
  const modules = unetLoraModules(SCALED_SDXL.unet, contextWidth(SCALED_SDXL));
  const loraPath = join(modelsDir, 'loras', 'all-layers.safetensors');
  await writeKohyaLora(loraPath, modules, 4);
  return { modelsDir, checkpointDir, reports, modules, loraPath };
})();

async function unetModel(checkpointDir: string): Promise<onnxProto.onnx.IModelProto> {
  return onnx.ModelProto.decode(await readFile(join(checkpointDir, 'unet', 'model.onnx')));
}

test('the scaled checkpoint has every component with optimum I/O names and external data for the large graphs', async () => {
  const { checkpointDir, reports } = await setup;
  assert.deepEqual(
    reports.map((r) => r.component),
    ['text_encoder', 'text_encoder_2', 'unet', 'vae_encoder', 'vae_decoder'],
  );
  for (const component of ['text_encoder', 'text_encoder_2', 'unet'])
    assert.ok(reports.find((r) => r.component === component)!.dataBytes > 0, `${component} has model.onnx_data`);
  const model = await unetModel(checkpointDir);
  assert.deepEqual(
    model.graph!.input!.map((i) => i.name),
    ['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids'],
  );
  assert.deepEqual(
    model.graph!.output!.map((o) => o.name),
    ['out_sample'],
  );
  const te2 = onnx.ModelProto.decode(await readFile(join(checkpointDir, 'text_encoder_2', 'model.onnx')));
  assert.deepEqual(
    te2.graph!.output!.map((o) => o.name),
    ['text_embeds', 'last_hidden_state', 'hidden_states.0', 'hidden_states.1', 'hidden_states.2', 'hidden_states.3'],
  );
});

test("the full-size architecture has the SDXL UNet's 2.57 B parameters and 70 transformer blocks (graph only, no weights written)", async () => {
  const { buildSdxlUnet } = await import('../../engine/models/synthetic/sdxl-unet-graph.ts');
  const unet = buildSdxlUnet(FULL_SDXL.unet, contextWidth(FULL_SDXL), 1280, 'float32');
  assert.ok(Math.abs(unet.parameterCount - 2.567e9) < 0.01e9, `UNet parameters ${unet.parameterCount}`);
  const modules = unetLoraModules(FULL_SDXL.unet, contextWidth(FULL_SDXL));
  assert.equal(modules.filter((m) => m.diffusers.endsWith('.attn2.to_k')).length, 70);
});

test('kohya SGM names of every module map back to the diffusers names the LoRA mapper looks up', async () => {
  const { modules } = await setup;
  for (const m of modules) assert.equal(sgmToDiffusers(diffusersToSgm(m.diffusers)), m.diffusers);
});

test('the LoRA mapper finds every attention and resnet target of a kohya LoRA, and the merge patches them all', async () => {
  const { checkpointDir, modules, loraPath, modelsDir } = await setup;
  const index = new LoraTargetIndex(await unetModel(checkpointDir));
  const missing = modules.filter((m) => index.find(m.diffusers) === undefined).map((m) => m.diffusers);
  assert.deepEqual(missing, []);
  const result = await mergeLoras(
    join(checkpointDir, 'unet'),
    [{ path: loraPath, weight: 1 }],
    join(modelsDir, '.merge-test'),
  );
  assert.deepEqual(result.skipped, []);
  assert.equal(result.changed.length, modules.length);
});

test('FreeU finds the 9 up-block skip Concats (3 per block) and rewrites the graph', async () => {
  const { checkpointDir } = await setup;
  const model = await unetModel(checkpointDir);
  assert.equal(freeuUnsupportedReason(model), undefined);
  const sites = findFreeuSites(model);
  assert.deepEqual(
    sites.map((s) => s.name),
    [
      '/up_blocks.0/Concat',
      '/up_blocks.0/Concat_1',
      '/up_blocks.0/Concat_2',
      '/up_blocks.1/Concat',
      '/up_blocks.1/Concat_1',
      '/up_blocks.1/Concat_2',
      '/up_blocks.2/Concat',
      '/up_blocks.2/Concat_1',
      '/up_blocks.2/Concat_2',
    ],
  );
  assert.equal(modelChannels(model), SCALED_SDXL.unet.channels[0]);
  assert.ok(rewriteForFreeu(model).graph!.input!.some((i) => i.name === 'freeu_scales'));
});

test('the image-prompt rewrites find their sites in the real layout: ControlNet residuals and IP-Adapter attention', async () => {
  const { checkpointDir } = await setup;
  const model = await unetModel(checkpointDir);
  assert.equal(residualUnsupportedReason(model), undefined);
  const withResiduals = rewriteForResiduals(model).graph!.input!.map((i) => i.name ?? '');
  // One residual per up-block skip Concat (9 in SDXL's layout) and one for the mid block.
  assert.equal(withResiduals.filter((name) => /^down_block_\d+_additional_residual$/.test(name)).length, 9);
  assert.ok(withResiduals.includes('mid_block_additional_residual'));
  assert.equal(ipUnsupportedReason(model), undefined);
  const attn2 = unetLoraModules(SCALED_SDXL.unet, contextWidth(SCALED_SDXL)).filter((m) =>
    m.diffusers.endsWith('.attn2.to_k'),
  );
  assert.equal(findIpAttentionLayers(model).length, attn2.length, 'every cross-attention layer takes image tokens');
});

test('the engine loads the scaled checkpoint and generates one step, plain and with the all-layer LoRA and FreeU', async () => {
  const { modelsDir } = await setup;
  const pipeline = new SdxlPipeline({ modelsDir, providers: new ProviderSelector('cpu', 1, () => {}) });
  const run = async (overrides: Parameters<typeof engineJob>[0]) => {
    const images: GeneratedImage[] = [];
    const ctx: JobContext = {
      controlRequested: () => null,
      reportProgress: () => {},
      emitImage: (image) => void images.push(image),
    };
    const result = await pipeline.run(
      engineJob({ model: NAME, width: 64, height: 64, steps: 1, sampler: 'euler', ...overrides }),
      ctx,
    );
    assert.equal(result.outcome, 'finished', result.warnings.join('; '));
    assert.ok(
      result.warnings.some((w) => w.startsWith('demo: this is a synthetic checkpoint')),
      result.warnings.join('; '),
    );
    assert.equal(images.length, 1);
    assert.equal(images[0].width, 64);
    return images[0].bytes;
  };
  const plain = await run({});
  const patched = await run({
    loras: [{ name: 'all-layers.safetensors', weight: 1 }],
    freeu: { b1: 1.3, b2: 1.4, s1: 0.9, s2: 0.2 },
  });
  assert.notDeepEqual(Buffer.from(patched), Buffer.from(plain));
});

test('the float16 variant (what a GPU run measures) has half-precision weights and I/O and generates one step', async () => {
  const { modelsDir } = await setup;
  const dir = join(modelsDir, 'checkpoints', 'synthetic-scaled-fp16');
  await writeSyntheticCheckpoint(dir, SCALED_SDXL, { dtype: 'float16' });
  const unet = await unetModel(dir);
  assert.equal(
    unet.graph!.input!.find((i) => i.name === 'sample')!.type!.tensorType!.elemType,
    onnx.TensorProto.DataType.FLOAT16,
  );
  assert.equal(
    unet.graph!.initializer!.find((t) => t.name === 'conv_in.weight')!.dataType,
    onnx.TensorProto.DataType.FLOAT16,
  );
  const pipeline = new SdxlPipeline({ modelsDir, providers: new ProviderSelector('cpu', 1, () => {}) });
  const images: GeneratedImage[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image),
  };
  const result = await pipeline.run(
    engineJob({ model: 'synthetic-scaled-fp16', width: 64, height: 64, steps: 1, sampler: 'euler' }),
    ctx,
  );
  assert.equal(result.outcome, 'finished');
  assert.equal(images.length, 1);
  await pipeline.release();
});
