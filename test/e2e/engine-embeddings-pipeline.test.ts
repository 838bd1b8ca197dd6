/**
 * Textual-inversion embeddings through the real pipeline (tiny checkpoint with external data,
 * 64×64, 2 steps): `embedding:<name>` from models/embeddings changes the conditioning and the
 * image, deterministically; weights apply to it; it stacks on text-encoder LoRAs; an unknown name
 * is dropped with the documented warning (the image is then the one without the word); an SD1.5
 * file fails the job saying why.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EngineError } from '../../engine/errors.ts';
import { writeSafetensors, type TensorToWrite } from '../../engine/lora/safetensors.ts';
import { TINY_DIMS, writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { GeneratedImage, JobContext } from '../../engine/pipeline/job-context.ts';
import { EMBEDDING_CACHE_FOLDER, SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';

const models = await mkdtemp(join(tmpdir(), 'engine-embeddings-e2e-'));
after(() => rm(models, { recursive: true, force: true }));
await writeTinyCheckpoint(join(models, 'checkpoints', 'tiny'), { externalData: true });
await mkdir(join(models, 'embeddings'));
await mkdir(join(models, 'loras'));

const wave = (count: number, seed: number): number[] =>
  Array.from({ length: count }, (_, i) => Math.sin(seed + i * 1.3) * 0.9);
const [W1, W2] = [TINY_DIMS.te1Hidden, TINY_DIMS.te2Hidden];
// Two vectors for CLIP-L, three for CLIP-G: each encoder packs its own count.
await writeSafetensors(join(models, 'embeddings', 'tiny-style.safetensors'), {
  clip_l: { dtype: 'F16', shape: [2, W1], data: wave(2 * W1, 1) },
  clip_g: { dtype: 'F16', shape: [3, W2], data: wave(3 * W2, 2) },
});
await writeSafetensors(join(models, 'embeddings', 'old-sd15.safetensors'), {
  emb_params: { dtype: 'F32', shape: [2, 768], data: wave(2 * 768, 3) },
});
const loraModule = (name: string, width: number, seed: number): Record<string, TensorToWrite> => ({
  [`${name}.lora_down.weight`]: { dtype: 'F32', shape: [4, width], data: wave(4 * width, seed) },
  [`${name}.lora_up.weight`]: { dtype: 'F32', shape: [width, 4], data: wave(4 * width, seed + 1) },
  [`${name}.alpha`]: { dtype: 'F32', shape: [], data: [4] },
});
await writeSafetensors(join(models, 'loras', 'text.safetensors'), {
  ...loraModule('lora_te1_text_model_encoder_layers_0_self_attn_q_proj', W1, 5),
  ...loraModule('lora_te2_text_model_encoder_layers_1_self_attn_q_proj', W2, 7),
});

interface Run {
  image: GeneratedImage;
  warnings: string[];
  context: number[];
}

let context: number[] = [];
const pipeline = new SdxlPipeline({
  modelsDir: models,
  providers: new ProviderSelector('cpu', 1, () => {}),
  stylesDir: join(models, 'absent'),
  wildcardsDir: join(models, 'absent'),
  onUnetCall: (call) => {
    if (context.length === 0) context = Array.from(call.feeds.encoder_hidden_states.data);
  },
});
after(() => pipeline.release());

async function generate(overrides: Partial<EngineJob>): Promise<Run> {
  const images: GeneratedImage[] = [];
  context = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (im) => void images.push(im),
  };
  const result = await pipeline.run(
    engineJob({ model: 'tiny', width: 64, height: 64, steps: 2, isPreviewDisabled: true, ...overrides }),
    ctx,
  );
  assert.equal(images.length, 1);
  return { image: images[0], warnings: result.warnings, context };
}

const same = (a: Run, b: Run): boolean => Buffer.from(a.image.bytes).equals(Buffer.from(b.image.bytes));

test('embedding:<name> changes the conditioning and the image, and the same job gives the same image', async () => {
  // Guidance 1: the UNet sees the positive conditioning alone.
  const plain = await generate({ prompt: 'a fox in the snow', guidanceScale: 1 });
  const styled = await generate({ prompt: 'a fox embedding:tiny-style in the snow', guidanceScale: 1 });
  const again = await generate({ prompt: 'a fox embedding:tiny-style in the snow', guidanceScale: 1 });
  assert.ok(!same(plain, styled), 'the embedding changes the image');
  assert.ok(same(styled, again), 'deterministic');
  assert.deepEqual(styled.context, again.context);
  assert.deepEqual(styled.warnings, []);
  // Position 0 (BOS) cannot see later tokens through the causal encoders; position 3 holds the vectors.
  const width = W1 + W2;
  assert.deepEqual(styled.context.slice(0, width), plain.context.slice(0, width));
  assert.notDeepEqual(styled.context.slice(3 * width, 4 * width), plain.context.slice(3 * width, 4 * width));
  const sets = await readdir(join(models, EMBEDDING_CACHE_FOLDER, 'text_encoder_2'));
  assert.equal(sets.length, 1, 'one rewritten set, reused by the repeated job');
});

test('emphasis weights apply to an embedding like to a word', async () => {
  const plain = await generate({ prompt: 'a fox embedding:tiny-style' });
  const weighted = await generate({ prompt: 'a fox (embedding:tiny-style:1.6)' });
  assert.ok(!same(plain, weighted));
});

test('an embedding stacks on text-encoder LoRAs (rewrite of the merged encoders)', async () => {
  const loras = [{ name: 'text.safetensors', weight: 1 }];
  const embeddingOnly = await generate({ prompt: 'a fox embedding:tiny-style', loras: [] });
  const both = await generate({ prompt: 'a fox embedding:tiny-style', loras });
  const loraPlain = await generate({ prompt: 'a fox', loras });
  assert.ok(!same(embeddingOnly, both) && !same(loraPlain, both));
  assert.deepEqual(both.warnings, []);
});

test('an unknown embedding is left out with a warning naming it and what is installed', async () => {
  const without = await generate({ prompt: 'a fox in the snow' });
  const unknown = await generate({ prompt: 'a fox embedding:nowhere in the snow' });
  assert.ok(same(without, unknown), 'the word is dropped, as Fooocus drops it');
  assert.equal(unknown.warnings.length, 1, unknown.warnings.join('\n'));
  assert.match(unknown.warnings[0], /prompt embedding 'embedding:nowhere' left out of the prompt \(as Fooocus does\)/);
  assert.match(unknown.warnings[0], /available: old-sd15, tiny-style/);
});

test('an SD1.5 embedding fails the SDXL job saying it only fits the first text encoder', async () => {
  await assert.rejects(generate({ prompt: 'a fox', negativePrompt: 'embedding:old-sd15' }), (error: unknown) => {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.kind, 'invalid-input');
    assert.equal(error.field, 'negative_prompt');
    assert.match(error.message, /embedding 'old-sd15' \(.*old-sd15\.safetensors\) is an SD1\.5 embedding/);
    assert.match(error.message, /only usable for the first text encoder \(CLIP-L\)/);
    return true;
  });
});
