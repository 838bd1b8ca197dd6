/**
 * Model hashes (SHA-256, first 10 hex chars) of a checkpoint folder's UNet and of LoRA files, and
 * the pipeline's one metadata call: null when the job saves none, a clear failure before sampling
 * when a JPEG could not hold the record.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../engine/errors.ts';
import { imageMetadataFor } from '../../engine/metadata/image-metadata.ts';
import { checkpointHash, fileHash } from '../../engine/metadata/model-hash.ts';
import { engineJob } from '../fixtures/engine-job.ts';

const root = await mkdtemp(join(tmpdir(), 'metadata-hash-'));
after(() => rm(root, { recursive: true, force: true }));

const sha10 = (...parts: string[]): string => createHash('sha256').update(parts.join('')).digest('hex').slice(0, 10);

async function checkpoint(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(join(dir, 'unet'), { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, 'unet', file), text);
  return dir;
}

test('hashes unet/model.onnx, followed by model.onnx_data when the weights are external', async () => {
  const inline = await checkpoint('inline', { 'model.onnx': 'graph+weights' });
  const external = await checkpoint('external', { 'model.onnx': 'graph', 'model.onnx_data': 'weights' });
  assert.equal(await checkpointHash(inline), sha10('graph+weights'));
  assert.equal(await checkpointHash(external), sha10('graph', 'weights'));
  assert.equal(await checkpointHash(join(root, 'absent')), null);
});

test('hashes a LoRA file, and again after the file changes', async () => {
  const path = join(root, 'lora.safetensors');
  await writeFile(path, 'v1');
  assert.equal(await fileHash(path), sha10('v1'));
  await writeFile(path, 'version 2');
  assert.equal(await fileHash(path), sha10('version 2'));
});

test('imageMetadataFor: null without saveMetadata; the record of the given seed with it', async () => {
  const modelDir = await checkpoint('m', { 'model.onnx': 'g' });
  const base = { seed: 7n, sampler: 'euler', scheduler: 'karras', modelName: 'm', modelDir };
  assert.equal(await imageMetadataFor({ ...base, job: engineJob({ saveMetadata: false }) }), null);
  const meta = await imageMetadataFor({
    ...base,
    job: engineJob({ saveMetadata: true, metadataScheme: 'fooocus' }),
    loras: [{ path: join(root, 'lora.safetensors'), weight: 0.5 }],
  });
  assert.ok(meta);
  const record = JSON.parse(meta.parameters) as Record<string, unknown>;
  assert.deepEqual(
    [record.seed, record.base_model_hash, record.sampler, record.lora_combined_1],
    ['7', sha10('g'), 'euler', 'lora : 0.5'],
  );
  assert.deepEqual(record.loras, [['lora', 0.5, sha10('version 2')]]);
  assert.equal(meta.scheme, 'fooocus');
});

test('imageMetadataFor fails with invalid-input on saveMetadata when a JPEG could not hold the record', async () => {
  const modelDir = await checkpoint('big', { 'model.onnx': 'g' });
  const job = engineJob({ saveMetadata: true, outputFormat: 'jpeg', prompt: 'x'.repeat(40000) });
  await assert.rejects(
    imageMetadataFor({ job, seed: 1n, sampler: 'euler', scheduler: 'karras', modelName: 'big', modelDir }),
    (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.kind, 'invalid-input');
      assert.equal(error.field, 'saveMetadata');
      assert.match(error.message, /use png or webp/);
      return true;
    },
  );
  // The same record fits a PNG or WebP.
  assert.ok(
    await imageMetadataFor({
      job: { ...job, outputFormat: 'png' },
      seed: 1n,
      sampler: 'euler',
      scheduler: 'karras',
      modelName: 'big',
      modelDir,
    }),
  );
});
