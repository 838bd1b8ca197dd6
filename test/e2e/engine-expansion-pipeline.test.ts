/**
 * Fooocus V2 in the pipeline (fooocus-semantics.md §3.4, §4.6, §13): with a (tiny, GPT-2-shaped)
 * expansion model under models/prompt_expansion/fooocus_expansion, each image's main prompt is
 * expanded with the image seed, appended as the last positive item (its own chunk(s), not
 * pooled), reported as "Preparing Fooocus text #i" at progress 4 with the later messages shifted by
 * one, and recorded in the metadata. Without the model the job runs unexpanded and says why.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findExpansionModel } from '../../engine/expansion/expansion-files.ts';
import { PromptExpansion } from '../../engine/expansion/expansion-model.ts';
import { TINY_POSITIVE_WORDS, writeTinyExpansionModel } from '../../engine/expansion/tiny-expansion-model.ts';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import { writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { JobContext } from '../../engine/pipeline/job-context.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { recordingPipeline } from '../fixtures/recording-session.ts';

const models = await mkdtemp(join(tmpdir(), 'engine-expansion-e2e-'));
after(() => rm(models, { recursive: true, force: true }));
await writeTinyCheckpoint(join(models, 'checkpoints', 'tiny'));
const expansionDir = join(models, 'prompt_expansion', 'fooocus_expansion');
await writeTinyExpansionModel(expansionDir, { withPast: true });

const recording = recordingPipeline(models);
after(() => recording.pipeline.release());

interface Run {
  progress: [number, string][];
  images: Uint8Array[];
  warnings: string[];
}

async function run(overrides: Partial<EngineJob>): Promise<Run> {
  recording.clear();
  const progress: [number, string][] = [];
  const images: Uint8Array[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: (value, text) => void progress.push([value, text]),
    emitImage: (image) => void images.push(image.bytes),
  };
  const result = await recording.pipeline.run(
    engineJob({
      model: 'tiny',
      prompt: 'a cat in the forest',
      steps: 2,
      sampler: 'euler',
      width: 64,
      height: 64,
      saveMetadata: true,
      ...overrides,
    }),
    ctx,
  );
  assert.equal(result.outcome, 'finished');
  return { progress, images, warnings: result.warnings };
}

/** The expansion the model gives on its own, for comparison. */
async function expected(prompt: string, seed: bigint): Promise<string> {
  const found = await findExpansionModel(models);
  assert.ok(found.files);
  const model = await PromptExpansion.load(found.files, new ProviderSelector('cpu', 1, () => {}));
  try {
    return await model.expand(prompt, seed);
  } finally {
    await model.release();
  }
}

test('each image gets its own seeded expansion as a last, unpooled item, recorded in the metadata', async () => {
  const withV2 = await run({ styles: ['Fooocus V2'], imageNumber: 2, seed: 7n });
  const plain = await run({ styles: [], imageNumber: 2, seed: 7n });
  assert.deepEqual(
    withV2.warnings.filter((w) => w.includes('Fooocus V2')),
    [],
  );

  const texts = [await expected('a cat in the forest', 7n), await expected('a cat in the forest', 8n)];
  assert.notEqual(texts[0], texts[1], 'image seeds 7 and 8 give different expansions');
  for (const text of texts) {
    assert.ok(text.startsWith('a cat in the forest,'), text);
    for (const word of text
      .slice('a cat in the forest,'.length)
      .split(/[\s,]+/)
      .filter((w) => w !== ''))
      assert.ok(TINY_POSITIVE_WORDS.includes(word), word);
  }
  for (const [i, image] of withV2.images.entries()) {
    const record = JSON.parse(readEmbeddedMetadata(image)!.parameters) as Record<string, unknown>;
    assert.equal(record.prompt_expansion, texts[i]);
    assert.deepEqual(record.full_prompt, ['a cat in the forest', texts[i]]);
    assert.equal(record.styles, "['Fooocus V2']");
  }

  // The UNet sees more 77-token chunks; the pooled vector is the prompt's alone (the expansion is not pooled).
  const expandedFeeds = recording.sessionCalls;
  assert.equal(expandedFeeds.length, 4, 'two steps per image');
  const plainRun = await run({ styles: [], imageNumber: 1, seed: 7n });
  const plainFeeds = recording.sessionCalls[0];
  assert.deepEqual(
    plainRun.warnings.filter((w) => w.includes('Fooocus V2')),
    [],
  );
  await run({ styles: ['Fooocus V2'], imageNumber: 1, seed: 7n });
  const v2Feeds = recording.sessionCalls[0];
  assert.equal(plainFeeds.encoder_hidden_states.dims[1], 77);
  // The expansion is 75 GPT-2 tokens long, which can take more than one CLIP chunk.
  const tokens = v2Feeds.encoder_hidden_states.dims[1];
  assert.ok(tokens > 77 && tokens % 77 === 0, `${tokens} tokens`);
  assert.deepEqual(v2Feeds.text_embeds, plainFeeds.text_embeds);
  assert.notDeepEqual(withV2.images, plain.images);
});

test('progress follows Fooocus with V2: "Preparing Fooocus text #i" at 4, encoding at 5/6, P = 6', async () => {
  const { progress } = await run({ styles: ['Fooocus V2'], imageNumber: 2 });
  const at = (text: string) => progress.find(([, t]) => t === text)?.[0];
  assert.deepEqual([at('Preparing Fooocus text #1 ...'), at('Preparing Fooocus text #2 ...')], [4, 4]);
  assert.deepEqual(
    [at('Encoding positive #1 ...'), at('Encoding negative #2 ...'), at('Moving model to GPU ...')],
    [5, 6, 6],
  );
  // δ = (100 − 6)/(2·2) = 23.5: the first step lands on int(6 + 23.5) = 29.
  assert.equal(at('Sampling step 1/2, image 1/2 ...'), 29);
  const plain = await run({ styles: [], imageNumber: 2 });
  assert.equal(plain.progress.find(([, t]) => t === 'Moving model to GPU ...')?.[0], 5);
  assert.ok(!plain.progress.some(([, t]) => t.startsWith('Preparing Fooocus text')));
});

test('an empty prompt is not expanded; without an installed model the job runs unexpanded and says which file is missing', async () => {
  const empty = await run({ styles: ['Fooocus V2'], prompt: '' });
  assert.ok(!empty.progress.some(([, t]) => t.startsWith('Preparing Fooocus text')));
  await rm(join(expansionDir, 'positive.txt'));
  const missing = await run({ styles: ['Fooocus V2'] });
  const warning = missing.warnings.find((w) => w.startsWith('Fooocus V2 prompt expansion skipped: '));
  assert.ok(warning, missing.warnings.join('\n'));
  assert.match(warning, /positive\.txt/);
  const record = JSON.parse(readEmbeddedMetadata(missing.images[0])!.parameters) as Record<string, unknown>;
  assert.equal(record.prompt_expansion, '');
  assert.deepEqual(record.full_prompt, ['a cat in the forest']);
});
