/**
 * Metadata on real pipeline outputs (tiny checkpoint, 64×64, 2 steps): with saveMetadata every
 * PNG/JPEG/WebP carries the record of its own seed in the job's scheme; without, none.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createJimp } from '@jimp/core';
import webp from '@jimp/wasm-webp';
import { defaultFormats } from 'jimp';
import { allowFileUrlFetch } from '../../engine/image/wasm-file-fetch.ts';
import { METADATA_VERSION } from '../../engine/metadata/build-metadata.ts';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import { listPngChunks } from '../../engine/metadata/png-text.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const Jimp = createJimp({ formats: [...defaultFormats, webp] });
let pipeline: SdxlPipeline | null = null;

async function generate(overrides: Partial<EngineJob>): Promise<GeneratedImage[]> {
  const { modelsDir, name } = await tinyCheckpoint();
  pipeline ??= new SdxlPipeline({ modelsDir, providers: new ProviderSelector('cpu', 1, () => {}) });
  const images: GeneratedImage[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (im) => void images.push(im),
  };
  await pipeline.run(
    engineJob({
      model: name,
      width: 64,
      height: 64,
      steps: 2,
      imageNumber: 2,
      seed: 2n ** 53n + 1n,
      isPreviewDisabled: true,
      ...overrides,
    }),
    ctx,
  );
  assert.equal(images.length, overrides.imageNumber ?? 2);
  return images;
}

async function assertDecodes(im: GeneratedImage): Promise<void> {
  allowFileUrlFetch();
  const decoded = await Jimp.fromBuffer(Buffer.from(im.bytes));
  assert.deepEqual([decoded.bitmap.width, decoded.bitmap.height], [64, 64]);
}

test('png, jpeg and webp carry the fooocus record of their own seed, with the checkpoint hash', async () => {
  const { checkpointDir, name } = await tinyCheckpoint();
  const unet = await readFile(join(checkpointDir, 'unet', 'model.onnx'));
  const expectedHash = createHash('sha256').update(unet).digest('hex').slice(0, 10);
  for (const outputFormat of ['png', 'jpeg', 'webp'] as const) {
    const images = await generate({ outputFormat, saveMetadata: true, metadataScheme: 'fooocus' });
    assert.deepEqual(
      images.map((im) => im.seed),
      [2n ** 53n + 1n, 2n ** 53n + 2n],
    );
    for (const im of images) {
      const meta = readEmbeddedMetadata(im.bytes);
      assert.ok(meta, `${outputFormat} image ${im.index} has metadata`);
      assert.equal(meta.scheme, 'fooocus');
      assert.equal(meta.software, outputFormat === 'png' ? null : METADATA_VERSION);
      const record = JSON.parse(meta.parameters) as Record<string, unknown>;
      assert.equal(record.seed, im.seed.toString(), `${outputFormat} seed`);
      assert.deepEqual(
        [record.base_model, record.base_model_hash, record.steps, record.resolution, record.sampler, record.prompt],
        [name, expectedHash, 2, '(64, 64)', 'dpmpp_2m_sde_gpu', 'a red fox in the snow'],
      );
      assert.deepEqual(record.full_prompt, ['a red fox in the snow']);
      await assertDecodes(im);
    }
  }
});

test('the a1111 scheme puts the image seed on its parameter line', async () => {
  const images = await generate({
    outputFormat: 'png',
    saveMetadata: true,
    metadataScheme: 'a1111',
    prompt: 'a fox — 雪',
  });
  for (const im of images) {
    const meta = readEmbeddedMetadata(im.bytes);
    assert.equal(meta?.scheme, 'a1111');
    const lines = meta.parameters.split('\n');
    assert.equal(lines[0], 'a fox — 雪');
    assert.match(
      lines[lines.length - 1],
      new RegExp(`^Steps: 2, Sampler: DPM\\+\\+ 2M SDE Karras, Seed: ${im.seed}, Size: 64x64, `),
    );
    assert.ok(
      listPngChunks(im.bytes).some((c) => c.type === 'iTXt'),
      'non-Latin-1 text goes to iTXt',
    );
  }
});

test('saveMetadata false leaves every format without metadata', async () => {
  for (const outputFormat of ['png', 'jpeg', 'webp'] as const) {
    const [im] = await generate({ outputFormat, saveMetadata: false, imageNumber: 1 });
    assert.equal(readEmbeddedMetadata(im.bytes), null, outputFormat);
    if (outputFormat === 'png')
      assert.ok(!listPngChunks(im.bytes).some((c) => ['tEXt', 'iTXt', 'zTXt'].includes(c.type)));
    await assertDecodes(im);
  }
});
