/**
 * IP-Adapter image prompts in-process on the tiny checkpoint with the demo CLIP vision, adapters
 * and face detector (fooocus-semantics.md §8.4): the image K/V the rewritten UNet is fed on each
 * recorded call (Fooocus's per-block weight, uncond row from the negative embedding, nothing from
 * the stop on), the base UNet only, the preprocessor debug output, FaceSwap's crop, and that the
 * image prompt changes the picture.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { decodeImage } from '../../src/images/jimp-codec.ts';
import { readInputImage } from '../../engine/image/input-image.ts';
import { findClipVision, findIpAdapter, type IpAdapterFiles } from '../../engine/ip-adapter/ip-adapter-files.ts';
import { ClipVisionEncoder, IpAdapterModel } from '../../engine/ip-adapter/ip-adapter-model.ts';
import { ipLayerWeight } from '../../engine/ip-adapter/image-prompt-feeds.ts';
import { resampleLanczos } from '../../engine/image/lanczos-resample.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import type { EngineImagePrompt, EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { makePng } from '../fixtures/images.ts';
import { writeImagePromptModels } from '../fixtures/ip-adapter-models.ts';
import { recordingPipeline } from '../fixtures/recording-session.ts';
import { tinyCheckpoint, type TinyModels } from '../fixtures/tiny-checkpoint.ts';

const PHOTO = { file: 'photo.png', width: 96, height: 80 };
const FACE = { file: 'face.png', width: 160, height: 128 };
const DARK = { file: 'dark.png', width: 20, height: 12 };
let inputsDir: string;
let models: TinyModels;
const providers = () => new ProviderSelector('cpu', 1, () => {});

before(async () => {
  models = await tinyCheckpoint({ timestep: 'float32-scalar', upBlocks: true }, 'tiny-ip');
  await writeImagePromptModels(models.modelsDir);
  inputsDir = await mkdtemp(join(tmpdir(), 'engine-ip-inputs-'));
  const photo = new Uint8Array(PHOTO.width * PHOTO.height * 4);
  for (let i = 0; i < photo.length / 4; i++) photo.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256, 255], i * 4);
  await writeFile(join(inputsDir, PHOTO.file), await makePng(PHOTO.width, PHOTO.height, photo));
  // A bright 48×48 square on black: the demo detector's only "face".
  const face = new Uint8Array(FACE.width * FACE.height * 4);
  for (let y = 0; y < FACE.height; y++)
    for (let x = 0; x < FACE.width; x++)
      face.set(
        x >= 80 && x < 128 && y >= 32 && y < 80 ? [250, 240, 230, 255] : [0, 0, 0, 255],
        (y * FACE.width + x) * 4,
      );
  await writeFile(join(inputsDir, FACE.file), await makePng(FACE.width, FACE.height, face));
  const dark = new Uint8Array(DARK.width * DARK.height * 4);
  for (let i = 0; i < dark.length / 4; i++) dark.set([10, 10, 10, 255], i * 4);
  await writeFile(join(inputsDir, DARK.file), await makePng(DARK.width, DARK.height, dark));
});

async function run(overrides: Partial<EngineJob>) {
  const recording = recordingPipeline(models.modelsDir);
  const pipeline = recording.pipeline;
  (pipeline as unknown as { options: { inputsDir: string } }).options.inputsDir = inputsDir;
  const images: GeneratedImage[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image),
  };
  try {
    const result = await pipeline.run(
      engineJob({
        model: models.name,
        steps: 6,
        width: 64,
        height: 64,
        sampler: 'euler',
        scheduler: 'normal',
        sharpness: 0,
        ...overrides,
      }),
      ctx,
    );
    return { images, warnings: result.warnings, calls: recording.unetCalls, sessionCalls: recording.sessionCalls };
  } finally {
    await pipeline.release();
  }
}

/** The tokens the demo models give `image` (as the pipeline reads it), independently of the pipeline. */
async function expectedTokens(kind: 'ImagePrompt' | 'FaceSwap', file: typeof PHOTO) {
  const clip = await ClipVisionEncoder.load((await findClipVision(models.modelsDir))!, providers());
  const adapter = await IpAdapterModel.load(
    (await findIpAdapter(models.modelsDir, kind)) as IpAdapterFiles,
    providers(),
  );
  try {
    const image = await readInputImage(inputsDir, file, 'x');
    const hidden = await clip.encode(resampleLanczos(image, 224, 224));
    return { cond: await adapter.conditional(hidden), uncond: await adapter.unconditional() };
  } finally {
    await clip.release();
    await adapter.release();
  }
}

const slot = (over: Partial<EngineImagePrompt> = {}): EngineImagePrompt => ({
  type: 'ImagePrompt',
  image: PHOTO,
  stop: 0.5,
  weight: 0.6,
  ...over,
});

test('ImagePrompt: each recorded UNet call is fed the weighted image K/V while progress < stop, none after; uncond row from the negative', async () => {
  const { calls, sessionCalls, warnings, images } = await run({ imagePrompts: [slot()] });
  assert.equal(images.length, 1);
  assert.ok(
    warnings.some((w) => /demo IP-Adapter/.test(w)) && warnings.some((w) => /demo CLIP vision/.test(w)),
    warnings.join('\n'),
  );
  const { cond, uncond } = await expectedTokens('ImagePrompt', PHOTO);
  const layer = cond[0];
  const w = ipLayerWeight(0.6, layer.keyChannels);
  assert.equal(layer.keyChannels, 8);
  assert.ok(
    calls.some((c) => c.progress < 0.5) && calls.some((c) => c.progress >= 0.5),
    'the schedule crosses the stop',
  );
  for (const [i, call] of calls.entries()) {
    const k = call.feeds.ip_k_0;
    const v = call.feeds.ip_v_0;
    assert.deepEqual(sessionCalls[i].ip_k_0.dims, [...k.dims], 'the session got what the denoiser built');
    if (call.progress >= 0.5) {
      assert.deepEqual([...k.dims], [2, 0, 8]);
      assert.deepEqual([...v.dims], [2, 0, 4]);
      continue;
    }
    assert.deepEqual([...k.dims], [2, 4, 8]);
    const rows = [uncond[0], cond[0]];
    for (const [r, row] of rows.entries()) {
      for (let j = 0; j < row.k.length; j++)
        assert.ok(Math.abs(k.data[r * row.k.length + j] - row.k[j] * w) < 1e-5, `K row ${r} value ${j}`);
      // V: (V − mean over tokens) + mean·w, per channel.
      for (let c = 0; c < 4; c++) {
        let mean = 0;
        for (let t = 0; t < 4; t++) mean += row.v[t * 4 + c] / 4;
        for (let t = 0; t < 4; t++)
          assert.ok(
            Math.abs(v.data[r * 16 + t * 4 + c] - (row.v[t * 4 + c] - mean + mean * w)) < 1e-5,
            `V row ${r} token ${t} channel ${c}`,
          );
      }
    }
  }
});

test('the image prompt changes the picture; weight 0 and a stop of 0 leave it as text to image', async () => {
  const plain = await run({});
  const prompted = await run({ imagePrompts: [slot({ weight: 1.5, stop: 1 })] });
  const stopped = await run({ imagePrompts: [slot({ weight: 1.5, stop: 0 })] });
  assert.ok(
    !Buffer.from(plain.images[0].bytes).equals(Buffer.from(prompted.images[0].bytes)),
    'the image prompt moved the result',
  );
  assert.ok(
    Buffer.from(plain.images[0].bytes).equals(Buffer.from(stopped.images[0].bytes)),
    'no tokens from progress 0 on: the UNet computes as without the rewrite',
  );
});

test('two slots concatenate their tokens (ImagePrompt and FaceSwap adapters), each with its own stop', async () => {
  const { calls } = await run({
    imagePrompts: [slot({ stop: 0.3 }), slot({ type: 'FaceSwap', image: FACE, stop: 0.9, weight: 0.75 })],
  });
  const tokensAt = calls.map((c) => [c.progress, c.feeds.ip_k_0.dims[1]] as const);
  for (const [progress, tokens] of tokensAt)
    assert.equal(tokens, (progress < 0.3 ? 4 : 0) + (progress < 0.9 ? 4 : 0), `progress ${progress}`);
});

test('debugging_cn_preprocessor returns the 224×224 image CLIP sees, without sampling', async () => {
  const { images, calls } = await run({ imagePrompts: [slot()], isImagePromptPreprocessorDebug: true });
  assert.equal(calls.length, 0);
  assert.deepEqual([images[0].width, images[0].height], [224, 224]);
});

test('FaceSwap crops to the detected face (the demo detector finds the bright square); with no face, the whole image and a warning', async () => {
  const face = await run({
    imagePrompts: [slot({ type: 'FaceSwap', image: FACE })],
    isImagePromptPreprocessorDebug: true,
  });
  assert.ok(
    face.warnings.some((w) => /demo face detector/.test(w)),
    face.warnings.join('\n'),
  );
  assert.ok(!face.warnings.some((w) => /no face detected/.test(w)));
  const crop = await decodeImage(face.images[0].bytes);
  // The aligned crop is filled by the square's bright pixels around the template's face centre.
  const centre = (112 * 224 + 112) * 4;
  assert.ok(crop.data[centre] > 200, `centre pixel ${crop.data[centre]}`);
  const dark = await run({
    imagePrompts: [slot({ type: 'FaceSwap', image: DARK })],
    isImagePromptPreprocessorDebug: true,
  });
  assert.ok(
    dark.warnings.some((w) => /no face detected/.test(w)),
    dark.warnings.join('\n'),
  );
  const skipped = await run({
    imagePrompts: [slot({ type: 'FaceSwap', image: FACE })],
    isImagePromptPreprocessorDebug: true,
    isImagePromptPreprocessorSkipped: true,
  });
  assert.ok(!skipped.warnings.some((w) => /face detector/.test(w)), 'skipping_cn_preprocessor: no detection');
});

test('the refiner gets no image tokens: Fooocus patches the base UNet only', async () => {
  await tinyCheckpoint({ refiner: true, timestep: 'float32-scalar' }, 'tiny-ip-refiner');
  const { calls, images } = await run({
    imagePrompts: [slot({ stop: 1 })],
    refiner: { model: 'tiny-ip-refiner', switchAt: 3, swapMethod: 'joint' },
  });
  assert.equal(images.length, 1);
  const fed = calls.map((c) => 'ip_k_0' in c.feeds);
  // Joint swap: the base evaluates step indices 0..switchAt (euler: one call each), the refiner the rest.
  assert.deepEqual(
    fed,
    calls.map((_, i) => i <= 3),
    JSON.stringify(fed),
  );
});
