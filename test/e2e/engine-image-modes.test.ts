/**
 * The engine's image modes in-process on tiny checkpoints: both VAE encoder exports, determinism,
 * the resampling fallback without a super-resolution model, Fooocus's `upscale_fast` record, and
 * the inpaint engine (head fed on the base UNet's calls, the synthetic refiner's plain UNet for the
 * last 20 % of the steps) or its engine-None fallback with a warning.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import type { TinyCheckpointOptions } from '../../engine/models/tiny-checkpoint.ts';
import { INPAINT_HEAD_INPUT } from '../../engine/inpaint/inpaint-head-graph.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob, InpaintInput, UpscaleOrVaryInput } from '../../engine/protocol.ts';
import type { UnetCallRecord } from '../../engine/unet/cfg-denoiser.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { makePng } from '../fixtures/images.ts';
import { writeTinyInpaintEngine } from '../fixtures/inpaint-engine.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

let inputsDir: string | null = null;
const IMAGE = { file: 'photo.png', width: 120, height: 90 };
const MASK = { file: 'mask.png', width: 120, height: 90 };

async function inputs(): Promise<string> {
  if (inputsDir) return inputsDir;
  const dir = await mkdtemp(join(tmpdir(), 'engine-inputs-'));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, IMAGE.file), await makePng(IMAGE.width, IMAGE.height));
  const mask = new Uint8Array(120 * 90 * 4);
  for (let y = 0; y < 90; y++)
    for (let x = 0; x < 120; x++)
      mask.set(x >= 50 && x < 70 && y >= 35 && y < 55 ? [255, 255, 255, 255] : [0, 0, 0, 255], (y * 120 + x) * 4);
  await writeFile(join(dir, MASK.file), await makePng(120, 90, mask));
  inputsDir = dir;
  return dir;
}

interface Run {
  images: GeneratedImage[];
  warnings: string[];
  calls: { hasHeadFeed: boolean }[];
}

async function runJob(
  imageInput: EngineJob['imageInput'],
  overrides: Partial<EngineJob> = {},
  variant: TinyCheckpointOptions = {},
  name?: string,
  prepare?: (modelsDir: string) => Promise<void>,
): Promise<Run> {
  const models = await tinyCheckpoint(variant, name);
  await prepare?.(models.modelsDir);
  const calls: Run['calls'] = [];
  const pipeline = new SdxlPipeline({
    modelsDir: models.modelsDir,
    inputsDir: await inputs(),
    providers: new ProviderSelector('cpu', 1, () => {}),
    onUnetCall: (call: UnetCallRecord) => void calls.push({ hasHeadFeed: INPAINT_HEAD_INPUT in call.feeds }),
  });
  const images: GeneratedImage[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image),
  };
  try {
    const result = await pipeline.run(
      engineJob({ model: models.name, steps: 2, guidanceScale: 1, imageInput, ...overrides }),
      ctx,
    );
    return { images, warnings: result.warnings, calls };
  } finally {
    await pipeline.release();
  }
}

const vary: UpscaleOrVaryInput = {
  kind: 'upscale-or-vary',
  image: IMAGE,
  method: 'Vary (Subtle)',
  customFactor: 1,
  varyStrength: -1,
  upscaleStrength: -1,
};
const inpaint: InpaintInput = {
  kind: 'inpaint',
  image: IMAGE,
  mask: MASK,
  outpaint: [],
  outpaintDistance: [0, 0, 0, 0],
  erodeOrDilate: 0,
  isMaskInverted: false,
  strength: 0.5,
  respectiveField: 0.618,
  isInitialLatentDisabled: false,
  engine: 'None',
  additionalPrompt: '',
  isPreprocessorDebug: false,
};

test('vary through both VAE encoder exports (latent_parameters sampled with the task seed, latent_sample as is): shape ceil 1024, deterministic', async () => {
  // 120×90 (shape ceil 128) → 704×960 → 896×1152 (shape ceil 1024).
  for (const output of ['latent_parameters', 'latent_sample'] as const) {
    const first = await runJob(vary, {}, { vaeEncoderOutput: output });
    const again = await runJob(vary, {}, { vaeEncoderOutput: output });
    assert.deepEqual([first.images[0].width, first.images[0].height], [1152, 896], output);
    assert.ok(
      Buffer.from(first.images[0].bytes).equals(Buffer.from(again.images[0].bytes)),
      `${output}: same job, same bytes`,
    );
  }
});

test("upscale without a super-resolution model resamples and says so; Fast 2x embeds Fooocus's single upscale_fast record", async () => {
  const fast = await runJob({ ...vary, method: 'Upscale (Fast 2x)' }, { saveMetadata: true });
  assert.deepEqual([fast.images[0].width, fast.images[0].height], [1152, 896]);
  assert.ok(
    fast.warnings.some((w) => /no super-resolution model under .*upscale_models.*LANCZOS/.test(w)),
    fast.warnings.join(' | '),
  );
  assert.deepEqual(readEmbeddedMetadata(fast.images[0].bytes)?.parameters, '{"upscale_fast": "2x"}');
  assert.equal(fast.calls.length, 0, 'no diffusion');
});

test('inpaint engine v2.6 installed: the base UNet gets the head feed, the plain UNet takes over at round(0.8·steps); patch tensors that fit nothing are said', async () => {
  const run = await runJob(
    { ...inpaint, engine: 'v2.6' },
    { steps: 10, sampler: 'euler' },
    { upBlocks: true },
    'tiny-engine',
    (dir) => writeTinyInpaintEngine(dir),
  );
  assert.deepEqual(
    run.calls.map((c) => c.hasHeadFeed),
    [...new Array(9).fill(true), false],
  );
  assert.ok(!run.warnings.some((w) => /not installed|engine None/.test(w)), run.warnings.join(' | '));
  assert.ok(
    run.warnings.some((w) => /inpaint patch: 2 tensors/.test(w)),
    run.warnings.join(' | '),
  );
  assert.deepEqual([run.images[0].width, run.images[0].height], [120, 90]);
});

test('inpaint engine asked for but not installed, or a UNet without conv_in: engine None behaviour, said in the warnings', async () => {
  const missing = await runJob({ ...inpaint, engine: 'v1' }, {}, { upBlocks: true }, 'tiny-engine');
  assert.ok(
    missing.warnings.some((w) =>
      /inpaint engine v1 is not installed under .*inpaint.*inpaint\.fooocus\.safetensors.*engine None/.test(w),
    ),
    missing.warnings.join(' | '),
  );
  assert.ok(missing.calls.every((c) => !c.hasHeadFeed));
  const noConvIn = await runJob({ ...inpaint, engine: 'v2.6' }, {}, {}, 'tiny-no-conv-in', (dir) =>
    writeTinyInpaintEngine(dir),
  );
  assert.ok(
    noConvIn.warnings.some((w) => /cannot be put into this UNet export.*conv_in/.test(w)),
    noConvIn.warnings.join(' | '),
  );
});

test('inpaint with an empty mask and no outpaint side runs text to image, as Fooocus, and says so', async () => {
  const run = await runJob({ ...inpaint, mask: undefined }, { width: 128, height: 64 });
  assert.deepEqual([run.images[0].width, run.images[0].height], [128, 64]);
  assert.ok(run.warnings.some((w) => /ran as text to image/.test(w)));
});
