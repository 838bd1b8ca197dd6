/**
 * The refiner (fooocus-semantics.md §4.2) as the UNet sessions see it: every session run is recorded
 * with the label of the session it went to (`<checkpoint>/unet`), so the switch step, the refiner's
 * conditioning (CLIP-G part of the base's tokens, 5-value time_ids with aesthetic score 6.0 / 2.5)
 * and the swap methods are checked on the feeds themselves. Euler over karras(6) makes one UNet
 * call per step: t = 999, 837, 594, 249, 30, 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TINY_DIMS } from '../../engine/models/tiny-checkpoint.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { createNormalRng } from '../../engine/random/normal-rng.ts';
import { karrasSigmas } from '../../engine/schedulers/formula-schedules.ts';
import { SDXL_SIGMA_MAX, SDXL_SIGMA_MIN } from '../../engine/schedulers/sigma-table.ts';
import type { UnetCallRecord } from '../../engine/unet/cfg-denoiser.ts';
import { readEmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import type { RecordedUnetFeeds } from '../fixtures/recording-session.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const SIZE = { width: 160, height: 96 } as const;
const KARRAS_6_TIMESTEPS = [999, 837, 594, 249, 30, 0];
const BASE_WIDTH = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;

interface Call {
  label: string;
  feeds: RecordedUnetFeeds;
}

/** What the denoiser saw and returned per UNet call (copied: the live arrays are reused). */
interface Evaluation {
  sigma: number;
  x: Float32Array;
  denoised: Float32Array;
}

interface Recorder {
  pipeline: SdxlPipeline;
  calls: Call[];
  evaluations: Evaluation[];
  /** Labels of every session created (all components). */
  created: string[];
}

function recorder(modelsDir: string): Recorder {
  const calls: Call[] = [];
  const created: string[] = [];
  const evaluations: Evaluation[] = [];
  const providers = new ProviderSelector(
    'cpu',
    1,
    () => {},
    async (model, options) => {
      const session = await OnnxSession.create(model, options);
      const label = options.label ?? '';
      created.push(label);
      if (label.endsWith('/unet')) {
        const run = session.run.bind(session);
        session.run = (feeds, fetch) => {
          const copy: RecordedUnetFeeds = {};
          for (const [name, feed] of Object.entries(feeds))
            copy[name] = { data: Array.from(feed.data), dims: [...feed.dims] };
          calls.push({ label, feeds: copy });
          return run(feeds, fetch);
        };
      }
      return session;
    },
  );
  const onUnetCall = (call: UnetCallRecord) =>
    void evaluations.push({
      sigma: call.sigma,
      x: Float32Array.from(call.x),
      denoised: Float32Array.from(call.denoised),
    });
  return { pipeline: new SdxlPipeline({ modelsDir, providers, onUnetCall }), calls, created, evaluations };
}

async function models() {
  const base = await tinyCheckpoint({}, 'refiner-test-base');
  const refiner = await tinyCheckpoint({ refiner: true, seed: 99 }, 'refiner-test-sdxl-refiner');
  const sdxlAsRefiner = await tinyCheckpoint({ seed: 77 }, 'refiner-test-sdxl-other');
  assert.equal(base.modelsDir, refiner.modelsDir);
  return { modelsDir: base.modelsDir, base: base.name, refiner: refiner.name, sdxl: sdxlAsRefiner.name };
}

async function run(
  overrides: Partial<EngineJob>,
): Promise<{ calls: Call[]; created: string[]; evaluations: Evaluation[]; images: Uint8Array[] }> {
  const m = await models();
  const r = recorder(m.modelsDir);
  const images: Uint8Array[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image.bytes),
  };
  try {
    await r.pipeline.run(
      engineJob({ model: m.base, sampler: 'euler', scheduler: 'karras', steps: 6, ...SIZE, ...overrides }),
      ctx,
    );
  } finally {
    await r.pipeline.release();
  }
  return { calls: r.calls, created: r.created, evaluations: r.evaluations, images };
}

/** The last `width` values of each `rowWidth`-wide row. */
function lastDims(data: number[], rowWidth: number, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / rowWidth; r++)
    out.push(...data.slice(r * rowWidth + rowWidth - width, (r + 1) * rowWidth));
  return out;
}

function timestepsOf(calls: Call[]): number[] {
  return calls.map((c) => c.feeds.timestep.data[0]);
}

test('joint: the base evaluates step indices 0..switchAt, the SDXL refiner the rest, on the same σ schedule', async () => {
  const { base, refiner } = await models();
  const { calls } = await run({ refiner: { model: refiner, switchAt: 3, swapMethod: 'joint' } });
  assert.deepEqual(
    calls.map((c) => c.label),
    [...new Array(4).fill(`${base}/unet`), `${refiner}/unet`, `${refiner}/unet`],
  );
  assert.deepEqual(timestepsOf(calls), KARRAS_6_TIMESTEPS);
  // The base keeps its 6-value ADM ids and 2048-style context (te1 ‖ te2).
  assert.deepEqual(calls[0].feeds.time_ids.dims, [2, 6]);
  assert.deepEqual(calls[0].feeds.encoder_hidden_states.dims.slice(2), [BASE_WIDTH]);
  for (const call of calls.slice(4)) {
    // SDXL refiner: [h, w, crop_top, crop_left, aesthetic], negative row (2.5) first, positive (6.0).
    assert.deepEqual(call.feeds.time_ids.dims, [2, 5]);
    assert.deepEqual(call.feeds.time_ids.data, [96, 160, 0, 0, 2.5, 96, 160, 0, 0, 6]);
    // clip_separate: the CLIP-G part (last te2-width dims) of the base's tokens, pooled unchanged.
    assert.deepEqual(call.feeds.encoder_hidden_states.dims, [2, 77, TINY_DIMS.te2Hidden]);
    assert.deepEqual(
      call.feeds.encoder_hidden_states.data,
      lastDims(calls[0].feeds.encoder_hidden_states.data, BASE_WIDTH, TINY_DIMS.te2Hidden),
    );
    assert.deepEqual(call.feeds.text_embeds, calls[0].feeds.text_embeds);
  }
});

test('separate: base samples σ[0..switchAt] (switchAt steps, not down to 0), then the refiner continues over σ[switchAt..]', async () => {
  const { base, refiner } = await models();
  const { calls, images } = await run({ refiner: { model: refiner, switchAt: 3, swapMethod: 'separate' } });
  assert.deepEqual(
    calls.map((c) => c.label),
    [...new Array(3).fill(`${base}/unet`), ...new Array(3).fill(`${refiner}/unet`)],
  );
  assert.deepEqual(timestepsOf(calls), KARRAS_6_TIMESTEPS, 'one schedule across both runs');
  assert.ok(
    calls.slice(3).every((c) => c.feeds.time_ids.data.join() === [96, 160, 0, 0, 2.5, 96, 160, 0, 0, 6].join()),
  );
  // No fresh noise: Euler keeps no history, so 'separate' at 3 must equal 'joint' at 2 (base for
  // indices 0..2 in both) latent for latent — the refiner continues the base's own latent at σ[3].
  const joint = await run({ refiner: { model: refiner, switchAt: 2, swapMethod: 'joint' } });
  assert.deepEqual(
    joint.calls.map((c) => c.label),
    calls.map((c) => c.label),
  );
  assert.deepEqual(
    joint.calls.map((c) => c.feeds.sample.data),
    calls.map((c) => c.feeds.sample.data),
  );
  assert.deepEqual(joint.images, images);
});

test("vae: the base samples σ[0..switchAt] recording its last ε; the refiner re-samples σ[switchAt..]×1.4 from it plus seed+1 noise carrying that ε's channel mean", async () => {
  const { base, refiner } = await models();
  const { calls, evaluations, images } = await run({
    seed: 42n,
    guidanceScale: 1,
    sharpness: 0,
    refiner: { model: refiner, switchAt: 3, swapMethod: 'vae' },
  });
  assert.deepEqual(
    calls.map((c) => c.label),
    [...new Array(3).fill(`${base}/unet`), ...new Array(3).fill(`${refiner}/unet`)],
  );
  const sigmas = karrasSigmas(6, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const expectedSigmas = [...sigmas.slice(0, 3), ...sigmas.slice(3, 6).map((s) => s * 1.4)];
  evaluations.forEach((e, i) =>
    assert.ok(
      Math.abs(e.sigma - expectedSigmas[i]) < 1e-12 * expectedSigmas[i],
      `σ[${i}] ${e.sigma} vs ${expectedSigmas[i]}`,
    ),
  );
  // Euler's last base step, and the ε Fooocus records there.
  const last = evaluations[2];
  const eps = Float64Array.from(last.x, (v, i) => (v - last.denoised[i]) / last.sigma);
  const baseLatent = Float64Array.from(last.x, (v, i) => v + (sigmas[3] - last.sigma) * eps[i]);
  const scale = sigmas[3] * 1.4;
  const noise = Float64Array.from(evaluations[3].x, (v, i) => (v - baseLatent[i]) / scale);
  const fresh = createNormalRng(43n).fill(new Float32Array(noise.length));
  const plane = noise.length / 4;
  for (const p of [0, 17, plane - 1]) {
    const mean = (a: ArrayLike<number>) => (a[p] + a[plane + p] + a[2 * plane + p] + a[3 * plane + p]) / 4;
    assert.ok(
      Math.abs(mean(noise) - mean(eps)) < 1e-3,
      `pixel ${p}: channel mean ${mean(noise)} vs recorded ε ${mean(eps)}`,
    );
    for (let c = 0; c < 4; c++) {
      const i = c * plane + p;
      assert.ok(
        Math.abs(noise[i] - mean(noise) - (fresh[i] - mean(fresh))) < 1e-3,
        `pixel ${p} channel ${c}: the seed+1 noise around its mean`,
      );
    }
  }
  const separate = await run({
    seed: 42n,
    guidanceScale: 1,
    sharpness: 0,
    refiner: { model: refiner, switchAt: 3, swapMethod: 'separate' },
  });
  assert.notDeepEqual(images, separate.images);
});

test('refiner_switch 1.0 (switchAt = steps) never switches, never loads the refiner and renders as without one', async () => {
  const { base, refiner } = await models();
  const plain = await run({});
  const full = await run({ refiner: { model: refiner, switchAt: 6, swapMethod: 'joint' } });
  assert.ok(full.calls.every((c) => c.label === `${base}/unet`));
  assert.equal(full.calls.length, 6);
  assert.ok(!full.created.includes(`${refiner}/unet`), 'the refiner UNet is not even opened');
  assert.deepEqual(full.images, plain.images);
  const separate = await run({ refiner: { model: refiner, switchAt: 6, swapMethod: 'separate' } });
  assert.deepEqual(separate.images, plain.images);
});

test('a refiner that is the base model is a no-op switch', async () => {
  const { base } = await models();
  const plain = await run({});
  for (const swapMethod of ['joint', 'separate'] as const) {
    const same = await run({ refiner: { model: base, switchAt: 2, swapMethod } });
    assert.ok(same.calls.every((c) => c.label === `${base}/unet`));
    assert.deepEqual(same.images, plain.images, swapMethod);
  }
});

test('an SDXL (6-value time_ids) refiner gets the base conditioning unchanged and the timed ADM ids', async () => {
  const { base, sdxl } = await models();
  const { calls } = await run({ refiner: { model: sdxl, switchAt: 0, swapMethod: 'joint' } });
  assert.deepEqual(
    calls.map((c) => c.label),
    [`${base}/unet`, ...new Array(5).fill(`${sdxl}/unet`)],
  );
  // t = 837 is still emphasized (> 699.3): the refiner sees ADM ×0.8 / ×1.5 like the base would.
  assert.deepEqual(calls[1].feeds.time_ids.data, [76, 128, 0, 0, 128, 128, 144, 240, 0, 0, 128, 128]);
  assert.deepEqual(calls[3].feeds.time_ids.data, [128, 128, 0, 0, 128, 128, 128, 128, 0, 0, 128, 128]);
  assert.deepEqual(calls[1].feeds.encoder_hidden_states, calls[0].feeds.encoder_hidden_states);
  const images = (await run({ refiner: { model: sdxl, switchAt: 0, swapMethod: 'joint' } })).images;
  assert.notDeepEqual(images, (await run({})).images, 'the refiner changes the picture');
});

test('cfg 1: the refiner runs at batch 1 with the positive aesthetic score only', async () => {
  const { refiner } = await models();
  const { calls } = await run({ guidanceScale: 1, refiner: { model: refiner, switchAt: 4, swapMethod: 'joint' } });
  const refined = calls.filter((c) => c.label === `${refiner}/unet`);
  assert.equal(refined.length, 1);
  assert.deepEqual(refined[0].feeds.time_ids, { data: [96, 160, 0, 0, 6], dims: [1, 5] });
});

test('a refiner that is not installed fails the job as model-missing', async () => {
  await assert.rejects(
    run({ refiner: { model: 'no-such-refiner', switchAt: 3, swapMethod: 'joint' } }),
    (error: Error & { kind?: string }) => error.kind === 'model-missing' && /no-such-refiner/.test(error.message),
  );
});

test('the image metadata records the refiner that ran, its hash, switch, overwrite switch and a non-joint swap method', async () => {
  const { refiner } = await models();
  const { images } = await run({
    saveMetadata: true,
    metadataScheme: 'fooocus',
    refinerSwitch: 0.5,
    overwriteSwitch: 3,
    refiner: { model: refiner, switchAt: 3, swapMethod: 'separate' },
  });
  const record = JSON.parse(readEmbeddedMetadata(images[0])!.parameters) as Record<string, unknown>;
  assert.equal(record.refiner_model, refiner);
  assert.match(String(record.refiner_model_hash), /^[0-9a-f]{10}$/);
  assert.notEqual(record.refiner_model_hash, record.base_model_hash);
  assert.deepEqual([record.refiner_switch, record.overwrite_switch, record.refiner_swap_method], [0.5, 3, 'separate']);
  const plain = await run({ saveMetadata: true, metadataScheme: 'fooocus', refinerSwitch: 0.5 });
  const none = JSON.parse(readEmbeddedMetadata(plain.images[0])!.parameters) as Record<string, unknown>;
  assert.deepEqual(
    [none.refiner_model, none.refiner_switch, 'refiner_model_hash' in none, 'refiner_swap_method' in none],
    ['None', 0.5, false, false],
  );
  const a1111 = await run({
    saveMetadata: true,
    metadataScheme: 'a1111',
    refiner: { model: refiner, switchAt: 3, swapMethod: 'joint' },
  });
  assert.match(
    readEmbeddedMetadata(a1111.images[0])!.parameters,
    new RegExp(`Refiner: ${refiner}, Refiner hash: [0-9a-f]{10}, `),
  );
});
