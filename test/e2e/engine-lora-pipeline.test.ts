/**
 * LoRAs applied end to end: kohya-named LoRA files in a temp models/loras, merged into the tiny
 * checkpoint's UNet and both text encoders (which carry real SDXL initializer and node names),
 * loaded by onnxruntime, and visible in the pixels. Also: a merged set is reused (no new merge,
 * no new sessions) for the same job, a LoRA that matches nothing runs with a warning, and a LoRA
 * file that vanished fails the job naming it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Jimp } from 'jimp';
import { EngineError } from '../../engine/errors.ts';
import { writeSafetensors, type TensorToWrite } from '../../engine/lora/safetensors.ts';
import { TINY_DIMS, writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';

const models = await mkdtemp(join(tmpdir(), 'engine-lora-e2e-'));
after(() => rm(models, { recursive: true, force: true }));
// External data: the merged copies must hard-link the checkpoint's model.onnx_data files.
await writeTinyCheckpoint(join(models, 'checkpoints', 'tiny'), { externalData: true });
await mkdir(join(models, 'loras'));

/** Deterministic factors in [−0.5, 0.5). */
function values(count: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** One kohya module: `<name>.lora_down.weight` [rank, …in], `.lora_up.weight` [out, rank, …1], `.alpha`. */
function kohyaModule(
  name: string,
  inShape: number[],
  out: number,
  seed: number,
  rank = 4,
): Record<string, TensorToWrite> {
  const ones = inShape.slice(1).map(() => 1);
  const inCount = inShape.reduce((a, b) => a * b, 1);
  return {
    [`${name}.lora_down.weight`]: { dtype: 'F32', shape: [rank, ...inShape], data: values(rank * inCount, seed) },
    [`${name}.lora_up.weight`]: { dtype: 'F16', shape: [out, rank, ...ones], data: values(out * rank, seed + 1) },
    [`${name}.alpha`]: { dtype: 'F32', shape: [], data: [rank] },
  };
}

const CONTEXT = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
const C = TINY_DIMS.attention;
// SGM block names as kohya's SDXL trainer writes them → the tiny UNet's diffusers names.
const UNET_MODULES = {
  ...kohyaModule('lora_unet_input_blocks_1_0_in_layers_2', [4, 3, 3], 4, 11), // down_blocks.0.resnets.0.conv1 (3×3)
  ...kohyaModule('lora_unet_input_blocks_4_1_proj_in', [4, 1, 1], C, 13), // down_blocks.1.attentions.0.proj_in (1×1)
  ...kohyaModule('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_q', [C], C, 15), // onnx::MatMul_*, [in,out]
  ...kohyaModule('lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k', [CONTEXT], C, 17),
};
const TEXT_MODULES = {
  ...kohyaModule(
    'lora_te1_text_model_encoder_layers_0_self_attn_q_proj',
    [TINY_DIMS.te1Hidden],
    TINY_DIMS.te1Hidden,
    21,
  ),
  ...kohyaModule(
    'lora_te2_text_model_encoder_layers_1_self_attn_q_proj',
    [TINY_DIMS.te2Hidden],
    TINY_DIMS.te2Hidden,
    23,
  ),
};
await writeSafetensors(join(models, 'loras', 'style.safetensors'), { ...UNET_MODULES, ...TEXT_MODULES });
await writeSafetensors(join(models, 'loras', 'text-only.safetensors'), TEXT_MODULES);
// Blocks the tiny model does not have (down_blocks.2, layer 11).
await writeSafetensors(join(models, 'loras', 'nomatch.safetensors'), {
  ...kohyaModule('lora_unet_input_blocks_7_1_transformer_blocks_0_attn1_to_q', [C], C, 31),
  ...kohyaModule(
    'lora_te1_text_model_encoder_layers_11_self_attn_q_proj',
    [TINY_DIMS.te1Hidden],
    TINY_DIMS.te1Hidden,
    33,
  ),
});

const logLines: string[] = [];
const pipeline = new SdxlPipeline({
  modelsDir: models,
  providers: new ProviderSelector('cpu', 1, () => {}),
  log: (line) => void logLines.push(line),
});
after(() => pipeline.release());

async function generate(loras: EngineJob['loras']): Promise<{ image: GeneratedImage; warnings: string[] }> {
  const images: GeneratedImage[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image),
  };
  const result = await pipeline.run(engineJob({ model: 'tiny', loras }), ctx);
  assert.equal(result.outcome, 'finished');
  assert.equal(images.length, 1);
  return { image: images[0], warnings: result.warnings };
}

async function differingFraction(a: GeneratedImage, b: GeneratedImage): Promise<number> {
  const [x, y] = await Promise.all([a, b].map(async (im) => (await Jimp.read(Buffer.from(im.bytes))).bitmap.data));
  let differ = 0;
  for (let i = 0; i < x.length; i += 4) if (x[i] !== y[i] || x[i + 1] !== y[i + 1] || x[i + 2] !== y[i + 2]) differ++;
  return differ / (x.length / 4);
}

const same = (a: GeneratedImage, b: GeneratedImage) => Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
const loraWarnings = (warnings: string[]) => warnings.filter((w) => w.startsWith('LoRA '));

test('a LoRA at 0.8 changes the pixels; at weight 0 the image is the plain checkpoint one', async () => {
  const plain = await generate([]);
  const zero = await generate([{ name: 'style.safetensors', weight: 0 }]);
  logLines.length = 0;
  const applied = await generate([{ name: 'style.safetensors', weight: 0.8 }]);
  // Every target kind was found: 3×3 conv, 1×1 conv, two transposed anonymous MatMul weights; one q_proj per encoder.
  const patched = (component: string) =>
    logLines.find((l) => l.startsWith(`${component}: merged LoRA set`))?.match(/\((\d+) weights patched\)/)?.[1];
  assert.deepEqual([patched('unet'), patched('text_encoder'), patched('text_encoder_2')], ['4', '1', '1']);
  assert.ok(same(plain.image, zero.image), 'weight 0 leaves the model untouched');
  const fraction = await differingFraction(zero.image, applied.image);
  assert.ok(fraction > 0.5, `only ${(fraction * 100).toFixed(1)}% of pixels changed`);
  assert.deepEqual(loraWarnings(applied.warnings), []);
  const loaded = await pipeline.checkpoint('tiny');
  assert.ok(
    Object.values(loaded.componentModels).every((path) => !path.includes('.lora-cache')),
    'no LoRAs: the checkpoint files again',
  );
});

test('text-encoder LoRA keys are merged into text_encoder and text_encoder_2 and change the picture too', async () => {
  const plain = await generate([]);
  const text = await generate([{ name: 'text-only.safetensors', weight: 1 }]);
  assert.ok((await differingFraction(plain.image, text.image)) > 0.1);
  const { model } = await pipeline.checkpointWithLoras('tiny', [{ name: 'text-only.safetensors', weight: 1 }]);
  assert.match(model.componentModels.text_encoder, /\.lora-cache\/text_encoder\/[0-9a-f]{16}\/model\.onnx$/);
  assert.match(model.componentModels.text_encoder_2, /\.lora-cache\/text_encoder_2\/[0-9a-f]{16}\/model\.onnx$/);
  // No UNet module in the file: the UNet stays the checkpoint's own, not a copy.
  assert.equal(model.componentModels.unet, join(models, 'checkpoints', 'tiny', 'unet', 'model.onnx'));
});

test('the same LoRA and weight twice gives byte-identical images from the reused merged set and sessions', async () => {
  const first = await generate([{ name: 'style.safetensors', weight: 0.8 }]);
  const { model } = await pipeline.checkpointWithLoras('tiny', [{ name: 'style.safetensors', weight: 0.8 }]);
  const [unet, encoder, paths] = [model.unet, model.promptEncoder, { ...model.componentModels }];
  logLines.length = 0;
  const second = await generate([{ name: 'style.safetensors', weight: 0.8 }]);
  assert.ok(same(first.image, second.image));
  assert.ok(model.unet === unet && model.promptEncoder === encoder, 'the same sessions ran the second job');
  assert.deepEqual(model.componentModels, paths);
  for (const component of ['text_encoder', 'text_encoder_2', 'unet']) {
    assert.ok(
      logLines.some((l) => l.startsWith(`${component}: reusing LoRA set`)),
      `${component} merged set reused`,
    );
    assert.ok(!logLines.some((l) => l.startsWith(`LoRA merge into`)), 'nothing merged again');
  }
  const other = await generate([{ name: 'style.safetensors', weight: 0.5 }]);
  assert.ok(!same(first.image, other.image), 'another weight is another set');
  // At most two sets per component stay on disk.
  for (const component of ['text_encoder', 'text_encoder_2', 'unet']) {
    const sets = (await readdir(join(models, '.lora-cache', component))).filter((n) => !n.startsWith('.'));
    assert.ok(sets.length >= 1 && sets.length <= 2, `${component}: ${sets.length} sets`);
  }
});

test('a LoRA whose keys match nothing in the checkpoint runs unchanged, with a warning naming it', async () => {
  const plain = await generate([]);
  const run = await generate([{ name: 'nomatch.safetensors', weight: 1 }]);
  assert.ok(same(plain.image, run.image));
  const warnings = loraWarnings(run.warnings);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /^LoRA 'nomatch\.safetensors': 2 parts not applied to this checkpoint \(/);
  assert.match(
    warnings[0],
    /down_blocks\.2\.attentions\.0\.transformer_blocks\.0\.attn1\.to_q \(no matching initializer in this unet model\)/,
  );
  assert.match(
    warnings[0],
    /text_model\.encoder\.layers\.11\.self_attn\.q_proj \(no matching initializer in this te1 model\)/,
  );
});

test('a LoRA file that vanished fails the job with model-missing naming it and what is installed', async () => {
  await writeSafetensors(join(models, 'loras', 'gone.safetensors'), UNET_MODULES);
  await generate([{ name: 'gone.safetensors', weight: 0.8 }]);
  await rm(join(models, 'loras', 'gone.safetensors'));
  await assert.rejects(generate([{ name: 'gone.safetensors', weight: 0.8 }]), (error: unknown) => {
    assert.ok(error instanceof EngineError);
    assert.equal(error.kind, 'model-missing');
    assert.equal(error.field, 'loras');
    assert.equal(
      error.message,
      "LoRA 'gone.safetensors' not found under models/loras; available: nomatch.safetensors, style.safetensors, text-only.safetensors",
    );
    return true;
  });
  await assert.rejects(
    generate([{ name: '../checkpoints/x.safetensors', weight: 1 }]),
    (error: unknown) => error instanceof EngineError && error.kind === 'invalid-input' && error.field === 'loras',
  );
  // The pipeline still works afterwards.
  assert.equal((await generate([])).warnings.filter((w) => w.startsWith('LoRA ')).length, 0);
});

describe('LoRAs and the refiner (Fooocus merges the user LoRAs into the refiner too, not the performance LoRA)', () => {
  const refinerJob = (loras: EngineJob['loras']) =>
    engineJob({
      model: 'tiny',
      loras,
      steps: 4,
      sampler: 'euler',
      refiner: { model: 'tiny-refiner', switchAt: 2, swapMethod: 'joint' },
    });
  before(() =>
    writeTinyCheckpoint(join(models, 'checkpoints', 'tiny-refiner'), { externalData: true, refiner: true, seed: 99 }),
  );

  async function generateRefined(loras: EngineJob['loras']): Promise<{ image: GeneratedImage; warnings: string[] }> {
    const images: GeneratedImage[] = [];
    const ctx: JobContext = {
      controlRequested: () => null,
      reportProgress: () => {},
      emitImage: (image) => void images.push(image),
    };
    const result = await pipeline.run(refinerJob(loras), ctx);
    assert.equal(result.outcome, 'finished');
    return { image: images[0], warnings: result.warnings };
  }

  test('a user LoRA is merged into the refiner UNet where it fits; what does not fit the refiner is said', async () => {
    logLines.length = 0;
    const merged = await generateRefined([{ name: 'style.safetensors', weight: 0.8 }]);
    // The refiner's UNet takes CLIP-G-wide context: attn2.to_k [CONTEXT → C] cannot fit it, the other three do.
    assert.ok(
      logLines.some((l) =>
        /^refiner unet: merged LoRA set .*\.lora-cache\/unet\/[0-9a-f]{16}\/model\.onnx \(3 weights patched\)$/.test(l),
      ),
      logLines.join('\n'),
    );
    const refinerWarnings = merged.warnings.filter((w) => w.startsWith('refiner: '));
    assert.equal(refinerWarnings.length, 1, merged.warnings.join('\n'));
    assert.match(
      refinerWarnings[0],
      /^refiner: LoRA 'style\.safetensors': 1 part not applied to this checkpoint \(.*attn2\.to_k .*does not fit/,
    );

    // The same LoRA marked base-only (how the performance LoRA travels): the base is the same, the refiner is not.
    logLines.length = 0;
    const baseOnly = await generateRefined([{ name: 'style.safetensors', weight: 0.8, baseOnly: true }]);
    assert.ok(!logLines.some((l) => l.startsWith('refiner unet:')), 'nothing merged into the refiner');
    assert.deepEqual(
      baseOnly.warnings.filter((w) => w.startsWith('refiner: ')),
      [],
    );
    assert.ok((await differingFraction(merged.image, baseOnly.image)) > 0.1, 'the refiner LoRA reaches the pixels');

    // Reused on the next identical job.
    logLines.length = 0;
    const again = await generateRefined([{ name: 'style.safetensors', weight: 0.8 }]);
    assert.ok(logLines.some((l) => l.startsWith('refiner unet: reusing LoRA set')));
    assert.ok(same(merged.image, again.image));
  });
});

test('FreeU on top of a LoRA-merged UNet: the rewrite links the merged side file and the original weights, and both apply', async () => {
  await writeTinyCheckpoint(join(models, 'checkpoints', 'tiny-up'), { externalData: true, upBlocks: true });
  const run = async (job: Partial<EngineJob>) => {
    const images: GeneratedImage[] = [];
    const ctx: JobContext = {
      controlRequested: () => null,
      reportProgress: () => {},
      emitImage: (image) => void images.push(image),
    };
    assert.equal((await pipeline.run(engineJob({ model: 'tiny-up', ...job }), ctx)).outcome, 'finished');
    return images[0];
  };
  const freeu = { b1: 1.3, b2: 1.4, s1: 0.6, s2: 0.2 };
  const both = await run({ loras: [{ name: 'style.safetensors', weight: 0.8 }], freeu });
  const { model } = await pipeline.checkpointWithLoras('tiny-up', [{ name: 'style.safetensors', weight: 0.8 }], true);
  assert.match(model.componentModels.unet, /\.freeu-cache\/unet\/[0-9a-f]{16}\/model\.onnx$/);
  const loraOnly = await run({ loras: [{ name: 'style.safetensors', weight: 0.8 }] });
  const freeuOnly = await run({ freeu });
  assert.ok(!same(both, loraOnly) && !same(both, freeuOnly), 'each of the two changes the picture');
});
