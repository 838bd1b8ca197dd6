/**
 * Fooocus prompt processing inside the real pipeline (tiny checkpoint, 64×64, 2 steps): styles,
 * emphasis weights, wildcard files, style files and prompt LoRA tags reach the UNet's conditioning,
 * and the saved metadata lists the items actually encoded.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeSafetensors } from '../../engine/lora/safetensors.ts';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import { TINY_DIMS, writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const folder = await mkdtemp(join(tmpdir(), 'engine-prompts-'));
after(() => rm(folder, { recursive: true, force: true }));
const stylesDir = join(folder, 'styles');
const wildcardsDir = join(folder, 'wildcards');
await mkdir(stylesDir);
await mkdir(wildcardsDir);
await writeFile(join(wildcardsDir, 'colour.txt'), 'crimson\n');
await writeFile(join(wildcardsDir, 'animal.txt'), 'fox\nhare\nowl\nlynx\nstoat\nwolf\n');
await writeFile(
  join(stylesDir, 'my_styles.json'),
  JSON.stringify([{ name: 'test-neon', prompt: '{prompt}, neon glow', negative_prompt: 'daylight' }]),
);

interface Run {
  images: GeneratedImage[];
  warnings: string[];
  /** encoder_hidden_states dims and text_embeds of the first UNet call. */
  contextDims: readonly number[];
  textEmbeds: number[];
}

const pipelines = new Map<string, SdxlPipeline>();
/** The run in progress: the UNet observer records into it. */
let current: Run | null = null;

async function generate(overrides: Partial<EngineJob> = {}, dirs: 'temp' | 'none' = 'temp'): Promise<Run> {
  const { modelsDir, name } = await tinyCheckpoint();
  let pipeline = pipelines.get(dirs);
  if (!pipeline) {
    const options =
      dirs === 'temp'
        ? { stylesDir, wildcardsDir }
        : { stylesDir: join(folder, 'absent'), wildcardsDir: join(folder, 'absent') };
    pipeline = new SdxlPipeline({
      modelsDir,
      ...options,
      providers: new ProviderSelector('cpu', 1, () => {}),
      onUnetCall: (call) => {
        if (current && !current.contextDims.length) {
          current.contextDims = call.feeds.encoder_hidden_states.dims;
          current.textEmbeds = Array.from(call.feeds.text_embeds.data);
        }
      },
    });
    pipelines.set(dirs, pipeline);
  }
  const run: Run = { images: [], warnings: [], contextDims: [], textEmbeds: [] };
  current = run;
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (im) => void run.images.push(im),
  };
  const result = await pipeline.run(
    engineJob({ model: name, width: 64, height: 64, steps: 2, isPreviewDisabled: true, ...overrides }),
    ctx,
  );
  current = null;
  run.warnings = result.warnings;
  return run;
}

const same = (a: GeneratedImage, b: GeneratedImage): boolean => Buffer.from(a.bytes).equals(Buffer.from(b.bytes));

test('a style changes the image; its positive and negative items reach the UNet as separate 77-token items', async () => {
  const plain = await generate();
  const styled = await generate({ styles: ['Fooocus Photograph'] });
  assert.ok(!same(plain.images[0], styled.images[0]), 'style changes the picture');
  // Positive: the template with {prompt}; negative: the style's negative line (user negative empty) → 1 item each.
  assert.deepEqual(styled.contextDims, [2, 77, 64]);
  assert.ok(!styled.warnings.some((w) => /style/i.test(w)), styled.warnings.join('; '));
});

test('two styles give encoder_hidden_states of 77 × items; guidance 1 shows the positive list alone', async () => {
  const run = await generate({ styles: ['Fooocus Photograph', 'Fooocus Cinematic'], guidanceScale: 1 });
  assert.deepEqual(run.contextDims, [1, 2 * 77, 64]);
  // text_embeds = Σ of both items' pooled vectors, each what that style alone gives.
  const photo = await generate({ styles: ['Fooocus Photograph'], guidanceScale: 1 });
  const cinema = await generate({ styles: ['Fooocus Cinematic'], guidanceScale: 1 });
  assert.deepEqual(
    run.textEmbeds,
    photo.textEmbeds.map((v, i) => Math.fround(v + cinema.textEmbeds[i])),
  );
  // With CFG the negative (two style negatives) has two items as well.
  assert.deepEqual((await generate({ styles: ['Fooocus Photograph', 'Fooocus Cinematic'] })).contextDims, [
    2,
    2 * 77,
    64,
  ]);
  // Enhance has no positive template and Photograph holds {prompt}, so the prompt is not added on its own: 1 item.
  assert.deepEqual(
    (await generate({ styles: ['Fooocus Enhance', 'Fooocus Photograph'], guidanceScale: 1 })).contextDims,
    [1, 77, 64],
  );
  // No selected style holds {prompt}: the prompt is the only positive item.
  assert.deepEqual(
    (await generate({ styles: ['Fooocus Enhance', 'Fooocus Negative'], guidanceScale: 1 })).contextDims,
    [1, 77, 64],
  );
});

test('emphasis changes the image: (red:1.5) differs from plain red, (red:1) does not', async () => {
  const plain = await generate({ prompt: 'a red fox in the snow' });
  const weighted = await generate({ prompt: 'a (red:1.5) fox in the snow' });
  const unit = await generate({ prompt: 'a (red:1) fox in the snow' });
  assert.ok(!same(plain.images[0], weighted.images[0]), 'weight 1.5 changes the picture');
  assert.ok(same(plain.images[0], unit.images[0]), 'weight 1 is the plain prompt');
});

test('a wildcard file from the wildcards folder is used: __colour__ renders exactly as its only line', async () => {
  const wild = await generate({ prompt: 'a __colour__ fox' });
  const literal = await generate({ prompt: 'a crimson fox' });
  assert.ok(same(wild.images[0], literal.images[0]));
  const missing = await generate({ prompt: 'a __colour__ fox' }, 'none');
  assert.ok(!same(wild.images[0], missing.images[0]), 'without the file the placeholder is a plain word');
});

test('in-order wildcards pick line i for image i', async () => {
  const ordered = await generate({
    prompt: 'a __animal__',
    readWildcardsInOrder: true,
    imageNumber: 2,
    disableSeedIncrement: true,
  });
  const hare = await generate({ prompt: 'a hare', imageNumber: 2, disableSeedIncrement: true });
  assert.ok(!same(ordered.images[0], hare.images[0]), 'image 1 uses fox');
  assert.ok(same(ordered.images[1], hare.images[1]), 'image 2 uses hare');
});

test('a Fooocus style file in the styles folder adds a style', async () => {
  const run = await generate({ styles: ['Test Neon'], guidanceScale: 1 });
  const manual = await generate({ prompt: 'a red fox in the snow, neon glow', guidanceScale: 1 });
  assert.ok(same(run.images[0], manual.images[0]));
});

test('the same job twice is byte-identical, with styles, weights and random wildcards over several images', async () => {
  const job = {
    prompt: 'a (__animal__:1.2) at dusk\nsecond line',
    negativePrompt: 'blurry',
    styles: ['Fooocus Sharp', 'Random Style'],
    imageNumber: 3,
  };
  const a = await generate(job);
  const b = await generate(job);
  assert.equal(a.images.length, 3);
  for (let i = 0; i < 3; i++) assert.ok(same(a.images[i], b.images[i]), `image ${i}`);
});

test('saved metadata lists the items actually encoded and the styles used', async () => {
  const run = await generate({
    prompt: 'a __colour__ fox',
    negativePrompt: 'cartoon',
    styles: ['Fooocus Photograph'],
    saveMetadata: true,
  });
  const meta = readEmbeddedMetadata(run.images[0].bytes);
  assert.ok(meta);
  const record = JSON.parse(meta.parameters) as Record<string, unknown>;
  assert.deepEqual(record.full_prompt, [
    'photograph of a crimson fox, natural light, 50mm lens, analog film texture, true-to-life colour, high dynamic range, sharp detail',
  ]);
  assert.equal((record.full_negative_prompt as string[]).at(-1), 'cartoon');
  assert.ok((record.full_negative_prompt as string[]).length >= 2);
  assert.match(String(record.styles), /Fooocus Photograph/);
});

test('prompt LoRA tags naming no installed file are skipped with a warning and removed from the prompt', async () => {
  const tagged = await generate({ prompt: 'a red fox in the snow <lora:not-installed:0.8>' });
  const plain = await generate({ prompt: 'a red fox in the snow' });
  assert.ok(
    tagged.warnings.some((w) => w.includes('<lora:not-installed:0.8>') && w.includes('models/loras')),
    tagged.warnings.join('; '),
  );
  assert.ok(same(tagged.images[0], plain.images[0]));
});

test('a prompt LoRA tag naming an installed file is applied like the same LoRA sent with the request', async () => {
  const models = join(folder, 'lora-models');
  // External data: merged copies hard-link the checkpoint's weight files.
  await writeTinyCheckpoint(join(models, 'checkpoints', 'tiny'), { externalData: true });
  await mkdir(join(models, 'loras'));
  const rank = 4;
  const factors = (count: number, seed: number): Float32Array =>
    Float32Array.from({ length: count }, (_, i) => Math.sin(seed * 1000 + i) * 0.5);
  const module = 'lora_unet_input_blocks_4_1_transformer_blocks_0_attn2_to_k';
  const context = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
  await writeSafetensors(join(models, 'loras', 'detail.safetensors'), {
    [`${module}.lora_down.weight`]: { dtype: 'F32', shape: [rank, context], data: factors(rank * context, 1) },
    [`${module}.lora_up.weight`]: {
      dtype: 'F32',
      shape: [TINY_DIMS.attention, rank],
      data: factors(TINY_DIMS.attention * rank, 2),
    },
    [`${module}.alpha`]: { dtype: 'F32', shape: [], data: [rank] },
  });
  const pipeline = new SdxlPipeline({
    modelsDir: models,
    stylesDir,
    wildcardsDir,
    providers: new ProviderSelector('cpu', 1, () => {}),
  });
  after(() => pipeline.release());
  const run = async (overrides: Partial<EngineJob>): Promise<{ image: GeneratedImage; warnings: string[] }> => {
    const images: GeneratedImage[] = [];
    const ctx: JobContext = {
      controlRequested: () => null,
      reportProgress: () => {},
      emitImage: (im) => void images.push(im),
    };
    const result = await pipeline.run(
      engineJob({ model: 'tiny', width: 64, height: 64, steps: 2, isPreviewDisabled: true, ...overrides }),
      ctx,
    );
    return { image: images[0], warnings: result.warnings };
  };
  const tagged = await run({ prompt: 'a red fox in the snow <lora:detail:0.8>' });
  const requested = await run({
    prompt: 'a red fox in the snow',
    loras: [{ name: 'detail.safetensors', weight: 0.8 }],
  });
  const plain = await run({ prompt: 'a red fox in the snow' });
  assert.ok(same(tagged.image, requested.image), 'tag = request LoRA');
  assert.ok(!same(tagged.image, plain.image), 'the LoRA changes the picture');
  assert.deepEqual(tagged.warnings, requested.warnings);
});
