/**
 * The engine side of the field-effect matrix (test/unit/field-effects.test.ts): CommonRequest →
 * toEngineJob → the pipeline on the tiny checkpoint, with the UNet session wrapped to record its
 * feeds. Each test changes one CommonRequest field and asserts what the UNet received or what came
 * out (images, seeds, previews, metadata). 64×64, 2 steps unless a field needs more: fast.
 */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { COMMON_REQUEST_DEFAULTS, type CommonRequest } from '../../adapters/common-request.ts';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { UnetCallRecord } from '../../engine/unet/cfg-denoiser.ts';
import { toEngineJob } from '../../src/tasks/to-engine-job.ts';
import { recordingProviders, type RecordedUnetFeeds } from '../fixtures/recording-session.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const folder = await mkdtemp(join(tmpdir(), 'field-effects-'));
await mkdir(join(folder, 'styles'));
await mkdir(join(folder, 'wildcards'));
await writeFile(join(folder, 'wildcards', 'hue.txt'), 'crimson\nteal\nochre\n');
after(() => rm(folder, { recursive: true, force: true }));

const { modelsDir, name } = await tinyCheckpoint();
const sessionCalls: RecordedUnetFeeds[] = [];
const unetCalls: Pick<UnetCallRecord, 'timestep' | 'sharpnessWeight' | 'isAdmEmphasized'>[] = [];
const pipeline = new SdxlPipeline({
  modelsDir,
  stylesDir: join(folder, 'styles'),
  wildcardsDir: join(folder, 'wildcards'),
  providers: recordingProviders((feeds) => sessionCalls.push(feeds)),
  onUnetCall: (c) =>
    unetCalls.push({ timestep: c.timestep, sharpnessWeight: c.sharpnessWeight, isAdmEmphasized: c.isAdmEmphasized }),
});
after(() => pipeline.release());

interface Run {
  feeds: RecordedUnetFeeds[];
  calls: typeof unetCalls;
  images: GeneratedImage[];
  previews: number;
}

/** Small, fast defaults; the field under test overrides them. */
async function run(overrides: Partial<CommonRequest>): Promise<Run> {
  const request: CommonRequest = {
    ...COMMON_REQUEST_DEFAULTS,
    base_model_name: name,
    image_seed: 7n,
    style_selections: [],
    prompt: 'a red fox in the snow',
    overwrite_width: 64,
    overwrite_height: 64,
    overwrite_step: 2,
    sampler_name: 'euler',
    disable_preview: true,
    save_metadata_to_images: false,
    ...overrides,
  };
  const { job } = toEngineJob('job-fe', request, []);
  sessionCalls.length = 0;
  unetCalls.length = 0;
  const images: GeneratedImage[] = [];
  let previews = 0;
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: (_p, _m, preview) => void (preview && previews++),
    emitImage: (im) => void images.push(im),
  };
  const outcome = await pipeline.run(job, ctx);
  assert.equal(outcome.outcome, 'finished');
  return { feeds: [...sessionCalls], calls: [...unetCalls], images, previews };
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

test('image_number and disable_seed_increment: one image per count, seeds seed+i or all equal (same initial noise)', async () => {
  const incremented = await run({ image_number: 2 });
  assert.deepEqual(
    incremented.images.map((im) => im.seed),
    [7n, 8n],
  );
  assert.equal(incremented.feeds.length, 4, '2 steps × 2 images');
  assert.ok(!same(incremented.feeds[0].sample.data, incremented.feeds[2].sample.data), 'different noise');
  const fixed = await run({ image_number: 2, disable_seed_increment: true });
  assert.deepEqual(
    fixed.images.map((im) => im.seed),
    [7n, 7n],
  );
  assert.ok(same(fixed.feeds[0].sample.data, fixed.feeds[2].sample.data), 'same seed, same noise');
  assert.ok(same(fixed.feeds[0].sample.data, incremented.feeds[0].sample.data), 'image 0 is seed 7 either way');
});

test('overwrite_width/height and overwrite_step: latent dims and UNet call count; performance_selection Lightning: 4 calls at batch 1', async () => {
  const wide = await run({ overwrite_width: 96, overwrite_height: 64, overwrite_step: 3 });
  assert.equal(wide.feeds.length, 3);
  assert.deepEqual(wide.feeds[0].sample.dims, [2, 4, 8, 12]);
  assert.deepEqual([wide.images[0].width, wide.images[0].height], [96, 64]);
  const lightning = await run({ performance_selection: 'Lightning', overwrite_step: -1 });
  assert.equal(lightning.feeds.length, 4);
  assert.ok(
    lightning.feeds.every((f) => f.sample.dims[0] === 1),
    'cfg forced to 1: no uncond row',
  );
});

test('guidance_scale 1 runs the UNet at batch 1; prompt and clip_skip change the context, clip_skip not the pooled vector', async () => {
  const one = await run({ guidance_scale: 1 });
  assert.ok(one.feeds.every((f) => f.sample.dims[0] === 1));
  const base = await run({});
  const other = await run({ prompt: 'a blue whale' });
  assert.ok(
    !same(base.feeds[0].encoder_hidden_states.data, other.feeds[0].encoder_hidden_states.data),
    'prompt reaches the context',
  );
  const skip1 = await run({ clip_skip: 1 });
  assert.ok(
    !same(base.feeds[0].encoder_hidden_states.data, skip1.feeds[0].encoder_hidden_states.data),
    'clip_skip reaches the context',
  );
  assert.ok(
    same(base.feeds[0].text_embeds.data, skip1.feeds[0].text_embeds.data),
    'pooled vector unaffected by clip skip',
  );
  const negative = await run({ negative_prompt: 'blurry' });
  const half = base.feeds[0].encoder_hidden_states.data.length / 2;
  assert.ok(
    base.feeds[0].encoder_hidden_states.data.slice(0, half).every((v) => v === 0),
    'empty negative: zeros',
  );
  assert.ok(
    negative.feeds[0].encoder_hidden_states.data.slice(0, half).some((v) => v !== 0),
    'negative_prompt reaches the uncond row',
  );
});

test('adm_scaler_positive/negative/end move the time_ids; sharpness and adaptive_cfg reach the guidance', async () => {
  const adm = await run({ adm_scaler_positive: 2, adm_scaler_negative: 0.5, adm_scaler_end: 1, overwrite_step: 3 });
  // 64×64 → targets 64; emphasized rows: negative (32, 32), positive (128, 128).
  assert.deepEqual(adm.feeds[0].time_ids.data, [32, 32, 0, 0, 64, 64, 128, 128, 0, 0, 64, 64]);
  assert.deepEqual(
    adm.calls.map((c) => c.isAdmEmphasized),
    adm.calls.map((c) => c.timestep > 0),
  );
  const never = await run({ adm_scaler_end: 0 });
  assert.ok(never.feeds.every((f) => same(f.time_ids.data, [64, 64, 0, 0, 64, 64, 64, 64, 0, 0, 64, 64])));
  const sharp = await run({ sharpness: 30, overwrite_step: 3 });
  assert.deepEqual(
    sharp.calls.map((c) => c.sharpnessWeight),
    sharp.calls.map((c) => 0.001 * 30 * (1 - c.timestep / 999)),
  );
  const flat = await run({ sharpness: 0, overwrite_step: 3 });
  assert.ok(flat.calls.every((c) => c.sharpnessWeight === 0));
  // adaptive_cfg: same feeds at step 0, different result once cfg (10) > adaptive_cfg mixes in.
  const plain = await run({ guidance_scale: 10, adaptive_cfg: 10, sharpness: 0, overwrite_step: 3 });
  const mimic = await run({ guidance_scale: 10, adaptive_cfg: 2, sharpness: 0, overwrite_step: 3 });
  assert.ok(same(plain.feeds[0].sample.data, mimic.feeds[0].sample.data));
  assert.ok(!same(plain.feeds[1].sample.data, mimic.feeds[1].sample.data), 'adaptive_cfg changed the step-0 denoised');
});

test('disable_preview: a preview per sampling step unless disabled', async () => {
  assert.equal((await run({ disable_preview: false })).previews, 2);
  assert.equal((await run({ disable_preview: true })).previews, 0);
});

test('output_format, save_metadata_to_images and metadata_scheme shape the emitted file', async () => {
  const magic = (b: Uint8Array) => Buffer.from(b.subarray(0, 12)).toString('latin1');
  const png = await run({ output_format: 'png', save_metadata_to_images: true, metadata_scheme: 'fooocus' });
  assert.ok(magic(png.images[0].bytes).startsWith('\x89PNG'));
  assert.equal(readEmbeddedMetadata(png.images[0].bytes)?.scheme, 'fooocus');
  const jpeg = await run({ output_format: 'jpeg', save_metadata_to_images: true, metadata_scheme: 'a1111' });
  assert.equal(jpeg.images[0].format, 'jpeg');
  assert.ok(magic(jpeg.images[0].bytes).startsWith('\xff\xd8'));
  assert.equal(readEmbeddedMetadata(jpeg.images[0].bytes)?.scheme, 'a1111');
  const webp = await run({ output_format: 'webp', save_metadata_to_images: false });
  assert.ok(magic(webp.images[0].bytes).startsWith('RIFF') && magic(webp.images[0].bytes).endsWith('WEBP'));
  assert.equal(readEmbeddedMetadata(webp.images[0].bytes), null);
});

test('read_wildcards_in_order picks lines by image index; style_selections reach the full prompt', async () => {
  const prompts = async (overrides: Partial<CommonRequest>) =>
    (await run({ prompt: 'a __hue__ fox', image_number: 3, save_metadata_to_images: true, ...overrides })).images.map(
      (im) => (JSON.parse(readEmbeddedMetadata(im.bytes)!.parameters) as { full_prompt: string[] }).full_prompt,
    );
  assert.deepEqual(await prompts({ read_wildcards_in_order: true }), [
    ['a crimson fox'],
    ['a teal fox'],
    ['a ochre fox'],
  ]);
  const styled = (
    await prompts({ read_wildcards_in_order: true, style_selections: ['Fooocus Sharp'], image_number: 1 })
  )[0];
  assert.ok(
    styled.length > 1 || styled[0] !== 'a crimson fox',
    `Fooocus Sharp changes the encoded prompt: ${JSON.stringify(styled)}`,
  );
});
