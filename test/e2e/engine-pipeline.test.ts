/**
 * The SDXL pipeline in-process on tiny random-weight checkpoints (128×128, 4 steps): shapes,
 * determinism, what must change the picture, every export variant, progress, stop/skip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Jimp } from 'jimp';
import { EngineError } from '../../engine/errors.ts';
import type { TinyCheckpointOptions } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { ControlRequest, GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { encodeImage } from '../../engine/vae/vae-encoder.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

interface Recorded {
  images: GeneratedImage[];
  progress: { percent: number; message: string; hasPreview: boolean }[];
  outcome: string;
  warnings: string[];
}

const pipelines = new Map<string, SdxlPipeline>();

async function generate(
  overrides: Partial<EngineJob> = {},
  variant: TinyCheckpointOptions = {},
  control?: (progress: Recorded['progress']) => ControlRequest | null,
): Promise<Recorded> {
  const { modelsDir, name } = await tinyCheckpoint(variant);
  let pipeline = pipelines.get(modelsDir);
  if (!pipeline) {
    pipeline = new SdxlPipeline({ modelsDir, providers: new ProviderSelector('cpu', 1, () => {}) });
    pipelines.set(modelsDir, pipeline);
  }
  const rec: Recorded = { images: [], progress: [], outcome: '', warnings: [] };
  const ctx: JobContext = {
    controlRequested: () => control?.(rec.progress) ?? null,
    reportProgress: (percent, message, preview) =>
      void rec.progress.push({ percent, message, hasPreview: preview !== undefined }),
    emitImage: (image) => void rec.images.push(image),
  };
  const result = await pipeline.run(engineJob({ model: name, ...overrides }), ctx);
  rec.outcome = result.outcome;
  rec.warnings = result.warnings;
  return rec;
}

async function pixels(image: GeneratedImage): Promise<Buffer> {
  const decoded = await Jimp.read(Buffer.from(image.bytes));
  assert.equal(decoded.bitmap.width, image.width);
  assert.equal(decoded.bitmap.height, image.height);
  return decoded.bitmap.data;
}

function differingFraction(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let differ = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) differ++;
  return differ / (a.length / 4);
}

test('generates a PNG of the requested size, not a flat colour', async () => {
  const { images, outcome } = await generate({ width: 192, height: 128 });
  assert.equal(outcome, 'finished');
  assert.equal(images.length, 1);
  assert.deepEqual([images[0].width, images[0].height, images[0].format, images[0].seed], [192, 128, 'png', 42n]);
  assert.deepEqual([...images[0].bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  const data = await pixels(images[0]);
  const distinct = new Set<number>();
  for (let i = 0; i < data.length; i += 4) distinct.add(data.readUInt32BE(i));
  assert.ok(distinct.size > 50, `only ${distinct.size} colours`);
});

test('repeats the same job byte for byte', async () => {
  const a = await generate({ imageNumber: 2 });
  const b = await generate({ imageNumber: 2 });
  assert.equal(a.images.length, 2);
  for (let i = 0; i < 2; i++)
    assert.ok(Buffer.from(a.images[i].bytes).equals(Buffer.from(b.images[i].bytes)), `image ${i}`);
  assert.deepEqual(
    a.images.map((im) => im.seed),
    [42n, 43n],
  );
  assert.ok(differingFraction(await pixels(a.images[0]), await pixels(a.images[1])) > 0.2, 'image 2 uses seed+1');
});

test('a different prompt, negative prompt or seed changes the pixels', async () => {
  const base = await pixels((await generate()).images[0]);
  const prompt = await pixels((await generate({ prompt: 'a blue whale under water' })).images[0]);
  const negative = await pixels((await generate({ negativePrompt: 'blurry, low quality' })).images[0]);
  const seed = await pixels((await generate({ seed: 43n })).images[0]);
  assert.ok(differingFraction(base, prompt) > 0.2, 'prompt');
  assert.ok(differingFraction(base, negative) > 0.05, 'negative prompt');
  assert.ok(differingFraction(base, seed) > 0.2, 'seed');
});

test('seeds 2^53 and 2^53+1 give different images (exact int64 seeds)', async () => {
  const a = await generate({ seed: 2n ** 53n });
  const b = await generate({ seed: 2n ** 53n + 1n });
  assert.equal(b.images[0].seed, 2n ** 53n + 1n);
  assert.ok(differingFraction(await pixels(a.images[0]), await pixels(b.images[0])) > 0.2);
});

test('a different size gives a different picture, not a crop or scale of the same one', async () => {
  const small = await generate({ width: 128, height: 128 });
  const wide = await generate({ width: 256, height: 128 });
  assert.deepEqual([wide.images[0].width, wide.images[0].height], [256, 128]);
  const left = (await Jimp.read(Buffer.from(wide.images[0].bytes))).crop({ x: 0, y: 0, w: 128, h: 128 });
  assert.ok(differingFraction(await pixels(small.images[0]), left.bitmap.data) > 0.2);
});

test('runs every timestep export: float scalar and float [1] agree exactly, int64 sees the rounded timestep', async () => {
  const int64 = await pixels((await generate({}, { timestep: 'int64' })).images[0]);
  const scalar = await pixels((await generate({}, { timestep: 'float32-scalar' })).images[0]);
  const oneD = await pixels((await generate({}, { timestep: 'float32-1d' })).images[0]);
  assert.ok(Buffer.compare(scalar, oneD) === 0, 'both float exports see the same fractional timestep');
  // int64 exports round the fractional timestep: same weights, a slightly different trajectory.
  assert.ok(differingFraction(int64, scalar) > 0, 'rounding the timestep must reach the UNet');
});

test('runs fp16 checkpoints (float16 I/O, Cast inside) and external-data checkpoints', async () => {
  const fp16 = await generate({}, { dtype: 'float16' });
  assert.equal(fp16.images.length, 1);
  const data = await pixels(fp16.images[0]);
  assert.ok(
    data.some((v, i) => i % 4 !== 3 && v !== data[0]),
    'not a flat image',
  );
  const external = await generate({}, { externalData: true });
  const inline = await generate({}, {});
  assert.ok(
    Buffer.from(external.images[0].bytes).equals(Buffer.from(inline.images[0].bytes)),
    'same weights whether inline or external',
  );
});

test('emits Fooocus progress: preparation messages, one per step with previews, then saving', async () => {
  const { progress } = await generate({ steps: 3, imageNumber: 2, negativePrompt: 'ugly' });
  const messages = progress.map((p) => `${p.percent} ${p.message}`);
  assert.deepEqual(messages.slice(0, 9), [
    '1 Initializing ...',
    '2 Loading models ...',
    '3 Processing prompts ...',
    '4 Encoding positive #1 ...',
    '4 Encoding positive #2 ...',
    '5 Encoding negative #1 ...',
    '5 Encoding negative #2 ...',
    '5 Moving model to GPU ...',
    '5 Preparing task 1/2 ...',
  ]);
  const sampling = progress.filter((p) => p.message.startsWith('Sampling step'));
  assert.equal(sampling.length, 6);
  assert.ok(sampling.every((p) => p.hasPreview));
  assert.equal(sampling[0].message, 'Sampling step 1/3, image 1/2 ...');
  assert.equal(sampling[0].percent, Math.trunc(5 + 95 / 6));
  // 5 + trunc-accumulated steps: Fooocus's own truncation ends this run at 99 (fooocus-semantics.md §13).
  assert.equal(messages.at(-1), '99 Saving image 2/2 to system ...');
  const percents = progress.map((p) => p.percent);
  assert.deepEqual(
    percents,
    [...percents].sort((x, y) => x - y),
    'never goes backwards',
  );
});

test('omits negative encoding and previews when cfg is 1 and previews are disabled', async () => {
  const { progress, images } = await generate({ guidanceScale: 1, isPreviewDisabled: true });
  assert.equal(images.length, 1);
  assert.ok(!progress.some((p) => p.message.startsWith('Encoding negative')));
  assert.ok(!progress.some((p) => p.hasPreview));
});

test('stop ends the job keeping finished images; skip abandons only the current image', async () => {
  const stopAtSecondImage = (progress: Recorded['progress']) =>
    progress.some((p) => p.message.startsWith('Sampling step 2/4, image 2/3')) ? 'stop' : null;
  const stopped = await generate({ imageNumber: 3 }, {}, stopAtSecondImage);
  assert.equal(stopped.outcome, 'stopped');
  assert.deepEqual(
    stopped.images.map((i) => i.index),
    [0],
  );
  let skipped = false;
  const skipFirst = (progress: Recorded['progress']): ControlRequest | null => {
    if (!skipped && progress.some((p) => p.message.startsWith('Sampling step 1/4, image 1/2'))) {
      skipped = true;
      return 'skip';
    }
    return null;
  };
  const result = await generate({ imageNumber: 2 }, {}, skipFirst);
  assert.equal(result.outcome, 'finished');
  assert.deepEqual(
    result.images.map((i) => [i.index, i.seed]),
    [[1, 43n]],
  );
});

test('runs unknown sampler and scheduler names as euler/karras and reports both in warnings', async () => {
  const odd = await generate({ sampler: 'restart_xl', scheduler: 'wavy' });
  const euler = await generate({ sampler: 'euler', scheduler: 'karras' });
  assert.equal(odd.warnings.length, 2);
  assert.match(odd.warnings[0], /sampler 'restart_xl' is not available; used euler/);
  assert.match(odd.warnings[1], /scheduler 'wavy' is not available; used karras/);
  assert.ok(Buffer.from(odd.images[0].bytes).equals(Buffer.from(euler.images[0].bytes)));
});

test('encodes JPEG and WebP outputs', async () => {
  const jpeg = await generate({ outputFormat: 'jpeg' });
  assert.deepEqual([...jpeg.images[0].bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const webp = await generate({ outputFormat: 'webp' });
  assert.equal(Buffer.from(webp.images[0].bytes.subarray(8, 12)).toString('latin1'), 'WEBP');
  assert.equal(webp.images[0].format, 'webp');
});

test('fails with model-missing listing installed checkpoints, and invalid-input naming width', async () => {
  await assert.rejects(
    generate({ model: 'juggernautXL_v8' }),
    (e: unknown) =>
      e instanceof EngineError &&
      e.kind === 'model-missing' &&
      /checkpoint 'juggernautXL_v8' is not installed; available: .*tiny-/.test(e.message),
  );
  await assert.rejects(
    generate({ width: 130 }),
    (e: unknown) => e instanceof EngineError && e.kind === 'invalid-input' && e.field === 'width',
  );
});

test('accepts a checkpoint name with a .safetensors suffix', async () => {
  const { name } = await tinyCheckpoint();
  const { images } = await generate({ model: `${name}.safetensors` });
  assert.equal(images.length, 1);
});

test('VAE-encodes images from latent_parameters (mean of 8 channels) and latent_sample exports to [1,4,h/8,w/8]', async () => {
  const image = { width: 64, height: 32, data: new Uint8Array(64 * 32 * 4).map((_, i) => (i * 37) % 256) };
  for (const vaeEncoderOutput of ['latent_parameters', 'latent_sample'] as const) {
    const { modelsDir, name } = await tinyCheckpoint({ vaeEncoderOutput });
    const pipeline = new SdxlPipeline({ modelsDir, providers: new ProviderSelector('cpu', 1, () => {}) });
    const model = await pipeline.checkpoint(name);
    const session = await model.vaeEncoder();
    assert.ok(session.output(vaeEncoderOutput), vaeEncoderOutput);
    const latents = await encodeImage(session, image, model.config.scalingFactor);
    assert.deepEqual(
      [latents.channels, latents.height, latents.width, latents.data.length],
      [4, 4, 8, 4 * 4 * 8],
      vaeEncoderOutput,
    );
    assert.ok(latents.data.every(Number.isFinite));
    await pipeline.release();
  }
});
