/**
 * What the UNet receives, call by call, for Fooocus's guidance parameters (fooocus-semantics.md
 * §4.4, §4.5, §4.7): the tiny checkpoint's UNet session is wrapped to record its feeds, and the
 * pipeline's onUnetCall observer adds the guidance weights and the denoised result. Euler makes one
 * UNet call per step; karras over 6 steps visits t = 999, 837, 594, 249, 30, 0.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adaptiveAnisotropicFilter } from '../../engine/sharpness/anisotropic.ts';
import type { TinyCheckpointOptions } from '../../engine/models/tiny-checkpoint.ts';
import type { JobContext } from '../../engine/pipeline/job-context.ts';
import type { EngineJob } from '../../engine/protocol.ts';
import { karrasSigmas } from '../../engine/schedulers/formula-schedules.ts';
import { nearestIndex, SDXL_SIGMA_MAX, sigmaTable, sigmaToTimestep } from '../../engine/schedulers/sigma-table.ts';
import type { UnetCallRecord } from '../../engine/unet/cfg-denoiser.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { recordingPipeline, type RecordedUnetFeeds, type RecordingPipeline } from '../fixtures/recording-session.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

/** 160×96 → latent 20×12; targets round half-to-even to 128×128 (Math.round would say 192×128). */
const SIZE = { width: 160, height: 96 } as const;
const LATENT = { channels: 4, height: 12, width: 20 } as const;
const KARRAS_6_TIMESTEPS = [999, 837, 594, 249, 30, 0];
const CONSISTENT = [128, 128, 0, 0, 128, 128];
/** int(96·s), int(160·s) with targets 128. */
const emphasized = (scaler: number) => [Math.trunc(96 * scaler), Math.trunc(160 * scaler), 0, 0, 128, 128];

const pipelines = new Map<string, RecordingPipeline>();
const ctx: JobContext = { controlRequested: () => null, reportProgress: () => {}, emitImage: () => {} };

interface Run {
  calls: UnetCallRecord[];
  sessionCalls: RecordedUnetFeeds[];
}

async function record(overrides: Partial<EngineJob> = {}, variant: TinyCheckpointOptions = {}): Promise<Run> {
  const { modelsDir, name } = await tinyCheckpoint(variant);
  let recording = pipelines.get(name);
  if (!recording) {
    recording = recordingPipeline(modelsDir);
    pipelines.set(name, recording);
  }
  recording.clear();
  await recording.pipeline.run(
    engineJob({ model: name, sampler: 'euler', scheduler: 'karras', steps: 6, ...SIZE, ...overrides }),
    ctx,
  );
  const run = { calls: [...recording.unetCalls], sessionCalls: [...recording.sessionCalls] };
  assert.equal(run.calls.length, run.sessionCalls.length, 'one observer record per session run');
  return run;
}

/** Fooocus's patched sampling function written out from the spec, on the recorded ε̂ (float64). */
function expectedDenoised(
  call: UnetCallRecord,
  guidance: { cfg: number; adaptiveCfg: number; sharpness: number },
): Float64Array {
  const { x, sigma, output } = call;
  const n = x.length;
  // x0 = x − σ·ε̂ and ε = x − x0 are float32 tensors in Fooocus too.
  const x0c = Float32Array.from(x, (v, i) => v - sigma * output[n + i]);
  const x0u = Float32Array.from(x, (v, i) => v - sigma * output[i]);
  const epsC = Float32Array.from(x, (v, i) => v - x0c[i]);
  const epsU = Float32Array.from(x, (v, i) => v - x0u[i]);
  const p = 1 - call.timestep / 999;
  const alpha = 0.001 * guidance.sharpness * p;
  const degraded = alpha > 0 ? adaptiveAnisotropicFilter(epsC, x0c, LATENT) : new Float32Array(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = degraded[i] * alpha + epsC[i] * (1 - alpha);
    const real = epsU[i] + guidance.cfg * (c - epsU[i]);
    const mimic = epsU[i] + guidance.adaptiveCfg * (c - epsU[i]);
    out[i] = x[i] - (guidance.cfg > guidance.adaptiveCfg ? real * p + mimic * (1 - p) : real);
  }
  return out;
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

test('feeds ADM time_ids (negative ×0.8 row first, positive ×1.5) while t > 699.3, then the consistent ids', async () => {
  const { calls, sessionCalls } = await record();
  assert.deepEqual(
    calls.map((c) => c.timestep),
    KARRAS_6_TIMESTEPS,
  );
  const early = [...emphasized(0.8), ...emphasized(1.5)];
  assert.deepEqual(early, [76, 128, 0, 0, 128, 128, 144, 240, 0, 0, 128, 128]);
  assert.deepEqual(
    sessionCalls.map((feeds) => feeds.time_ids.data),
    [early, early, ...new Array(4).fill([...CONSISTENT, ...CONSISTENT])],
  );
  assert.deepEqual(sessionCalls[0].time_ids.dims, [2, 6]);
  assert.deepEqual(
    calls.map((c) => c.isAdmEmphasized),
    [true, true, false, false, false, false],
  );
  // The observer reports the feeds the session got, not a second copy of its own.
  assert.deepEqual(
    calls.map((c) => c.feeds.time_ids.data),
    sessionCalls.map((f) => f.time_ids.data),
  );
});

test('moves the ADM switch with adm_scaler_end and the sizes with the scalers (0 = never, 1 = until t = 0)', async () => {
  const halfway = await record({ admScalerPositive: 2, admScalerNegative: 0.5, admScalerEnd: 0.5 });
  const early = [...emphasized(0.5), ...emphasized(2)];
  assert.deepEqual(early, [48, 80, 0, 0, 128, 128, 192, 320, 0, 0, 128, 128]);
  // 999·(1 − 0.5) = 499.5: t = 594 still emphasized, t = 249 not.
  assert.deepEqual(
    halfway.sessionCalls.map((f) => f.time_ids.data),
    [early, early, early, ...new Array(3).fill([...CONSISTENT, ...CONSISTENT])],
  );
  const never = await record({ admScalerEnd: 0 });
  assert.ok(never.sessionCalls.every((f) => f.time_ids.data.join() === [...CONSISTENT, ...CONSISTENT].join()));
  const always = await record({ admScalerEnd: 1 });
  assert.deepEqual(
    always.calls.map((c) => c.isAdmEmphasized),
    [true, true, true, true, true, false],
    't = 0 is not > 0',
  );
});

test('runs the UNet at batch 2 (uncond first, zeros for an empty negative) for cfg > 1 and at batch 1 with no blend for cfg = 1', async () => {
  const cfg = await record({ guidanceScale: 4 });
  const first = cfg.sessionCalls[0];
  assert.deepEqual(first.sample.dims, [2, 4, 12, 20]);
  assert.deepEqual(first.text_embeds.dims.slice(0, 1), [2]);
  assert.equal(first.encoder_hidden_states.dims[0], 2);
  const half = first.sample.data.length / 2;
  assert.deepEqual(first.sample.data.slice(0, half), first.sample.data.slice(half), 'both rows see the same x·c_in');
  const contextHalf = first.encoder_hidden_states.data.length / 2;
  assert.ok(
    first.encoder_hidden_states.data.slice(0, contextHalf).every((v) => v === 0),
    'force_zeros_for_empty_prompt',
  );
  assert.ok(first.encoder_hidden_states.data.slice(contextHalf).some((v) => v !== 0));

  const single = await record({ guidanceScale: 1 });
  for (const [i, feeds] of single.sessionCalls.entries()) {
    assert.deepEqual(feeds.sample.dims, [1, 4, 12, 20]);
    assert.deepEqual(feeds.text_embeds.dims.slice(0, 1), [1]);
    assert.deepEqual(feeds.time_ids.data, i < 2 ? emphasized(1.5) : CONSISTENT, 'positive row only');
  }
  for (const call of single.calls) {
    assert.equal(call.sharpnessWeight, 0);
    const cIn = 1 / Math.sqrt(call.sigma ** 2 + 1);
    assert.deepEqual(
      call.feeds.sample.data,
      Array.from(call.x, (v) => Math.fround(v * cIn)),
    );
    assert.deepEqual(
      [...call.denoised],
      Array.from(call.x, (v, i) => Math.fround(v - call.sigma * call.output[i])),
      'D = x − σ·ε̂ exactly',
    );
  }
});

test('feeds int64 exports the nearest table index and float exports the fractional ln-σ timestep; guidance follows the index on both', async () => {
  const table = sigmaTable();
  const int64 = await record({}, { timestep: 'int64' });
  assert.deepEqual(
    int64.sessionCalls.map((f) => f.timestep.data),
    KARRAS_6_TIMESTEPS.map((t) => [t, t]),
    'one per batch row',
  );
  assert.deepEqual(
    int64.calls.map((c) => nearestIndex(c.sigma, table)),
    KARRAS_6_TIMESTEPS,
  );
  const float = await record({}, { timestep: 'float32-scalar' });
  assert.deepEqual(float.sessionCalls[0].timestep.dims, []);
  const fed = float.sessionCalls.map((f) => f.timestep.data[0]);
  assert.deepEqual(
    fed,
    float.calls.map((c) => sigmaToTimestep(c.sigma, table)),
  );
  assert.ok(
    fed.some((t) => !Number.isInteger(t)),
    'fractional values reach a float export',
  );
  assert.deepEqual(fed.map(Math.round), KARRAS_6_TIMESTEPS);
  assert.deepEqual(
    float.calls.map((c) => [c.timestep, c.progress, c.isAdmEmphasized]),
    int64.calls.map((c) => [c.timestep, c.progress, c.isAdmEmphasized]),
  );
});

test('blends the anisotropic-filtered conditional ε by 0.001·sharpness·(1 − t/999) at every step', async () => {
  const { calls } = await record({ sharpness: 30, guidanceScale: 4 });
  assert.deepEqual(
    calls.map((c) => c.sharpnessWeight),
    KARRAS_6_TIMESTEPS.map((t) => 0.001 * 30 * (1 - t / 999)),
  );
  assert.equal(calls[0].sharpnessWeight, 0, 'nothing at t = 999');
  assert.equal(calls[5].sharpnessWeight, 0.03);
  for (const [i, call] of calls.entries()) {
    const expected = expectedDenoised(call, { cfg: 4, adaptiveCfg: 7, sharpness: 30 });
    assert.ok(
      maxRelativeError(call.denoised, expected) < 1e-5,
      `step ${i}: ${maxRelativeError(call.denoised, expected)}`,
    );
    if (i > 0) {
      const unsharpened = expectedDenoised(call, { cfg: 4, adaptiveCfg: 7, sharpness: 0 });
      assert.ok(maxRelativeError(call.denoised, unsharpened) > 1e-4, `step ${i}: the blend must reach D`);
    }
  }
  const off = await record({ sharpness: 0 });
  assert.ok(off.calls.every((c) => c.sharpnessWeight === 0));
});

test('mixes real and mimicked CFG by progress when cfg exceeds adaptive_cfg', async () => {
  const { calls } = await record({ guidanceScale: 10, adaptiveCfg: 7, sharpness: 0 });
  const step = calls[2];
  assert.equal(step.progress, 1 - 594 / 999);
  const expected = expectedDenoised(step, { cfg: 10, adaptiveCfg: 7, sharpness: 0 });
  assert.ok(maxRelativeError(step.denoised, expected) < 1e-5);
  // Not plain CFG at 10 (nor at 7): the mix is what reached the sampler.
  for (const plain of [10, 7]) {
    assert.ok(
      maxRelativeError(step.denoised, expectedDenoised(step, { cfg: plain, adaptiveCfg: 100, sharpness: 0 })) > 1e-4,
      `plain ${plain}`,
    );
  }
  // At or below adaptive_cfg it is plain CFG.
  const plainRun = await record({ guidanceScale: 7, adaptiveCfg: 7, sharpness: 0 });
  assert.ok(
    maxRelativeError(
      plainRun.calls[2].denoised,
      expectedDenoised(plainRun.calls[2], { cfg: 7, adaptiveCfg: 100, sharpness: 0 }),
    ) < 1e-5,
  );
});

test('edm_playground_v2.5 patches in continuous EDM: karras over 0.002..120, x/√(σ²+¼), t = ¼·ln σ, EDM D, no ADM emphasis, progress ≈ 1', async () => {
  const variant = { timestep: 'float32-scalar' } as const;
  const { calls, sessionCalls } = await record({ scheduler: 'edm_playground_v2.5', guidanceScale: 1 }, variant);
  assert.deepEqual(
    calls.map((c) => c.sigma),
    karrasSigmas(6, 0.002, 120).slice(0, 6),
  );
  assert.ok(Math.abs(calls[0].sigma - 120) < 1e-9);
  for (const [i, call] of calls.entries()) {
    const feeds = sessionCalls[i];
    const t = 0.25 * Math.log(call.sigma);
    assert.equal(feeds.timestep.data[0], t);
    assert.equal(call.timestep, t, 'Fooocus progress reads the continuous timestep itself');
    assert.equal(call.progress, 1 - t / 999);
    assert.equal(call.isAdmEmphasized, false);
    assert.deepEqual(feeds.time_ids.data, CONSISTENT, 'ADM emphasis never applies (t < 699.3)');
    const cIn = 1 / Math.sqrt(call.sigma ** 2 + 0.25);
    assert.deepEqual(
      feeds.sample.data,
      Array.from(call.x, (v) => Math.fround(v * cIn)),
    );
    const skip = 0.25 / (call.sigma ** 2 + 0.25);
    const out = (call.sigma * 0.5) / Math.sqrt(call.sigma ** 2 + 0.25);
    assert.deepEqual(
      [...call.denoised],
      Array.from(call.x, (v, j) => Math.fround(v * skip + call.output[j] * out)),
      'D = x·c_skip + F·c_out exactly',
    );
  }
  // The starting latent is noise·√(1+120²) plus Playground's empty latent (−mean·0.5/std per channel).
  const plane = LATENT.height * LATENT.width;
  const means = [-1.6574, 1.886, -1.383, 2.5155];
  const stds = [8.4927, 5.9022, 6.5498, 5.2299];
  const noiseOnly = await record({ scheduler: 'karras', guidanceScale: 1 }, variant);
  const scale = Math.sqrt(1 + 120 ** 2) / Math.sqrt(1 + SDXL_SIGMA_MAX ** 2);
  for (let c = 0; c < 4; c++) {
    for (const j of [0, 7, plane - 1]) {
      const i = c * plane + j;
      const expected = noiseOnly.calls[0].x[i] * scale + (-means[c] * 0.5) / stds[c];
      assert.ok(Math.abs(calls[0].x[i] - expected) < 1e-3, `channel ${c} pixel ${j}: ${calls[0].x[i]} vs ${expected}`);
    }
  }
});

test('edm_playground_v2.5 on an integer-timestep export fails naming scheduler_name instead of feeding a rounded ¼·ln σ', async () => {
  await assert.rejects(
    record({ scheduler: 'edm_playground_v2.5' }, { timestep: 'int64' }),
    (error: Error & { field?: string }) => {
      assert.match(error.message, /edm_playground_v2\.5.*integer timestep/);
      assert.equal(error.field, 'scheduler_name');
      return true;
    },
  );
});

test('FreeU: the base UNet is the rewritten graph fed freeu_scales [b1, b2, s1, s2]; scales of 1 render exactly as FreeU off; an export without up-block Concats is refused naming freeu_enabled', async () => {
  const variant = { upBlocks: true } as const;
  const name = 'tiny-up-blocks';
  const { modelsDir } = await tinyCheckpoint(variant, name);
  const images = new Map<string, Uint8Array>();
  const runImage = async (label: string, overrides: Partial<EngineJob>) => {
    let recording = pipelines.get(name);
    if (!recording) {
      recording = recordingPipeline(modelsDir);
      pipelines.set(name, recording);
    }
    recording.clear();
    const ctx: JobContext = {
      controlRequested: () => null,
      reportProgress: () => {},
      emitImage: (image) => void images.set(label, image.bytes),
    };
    await recording.pipeline.run(
      engineJob({ model: name, sampler: 'euler', scheduler: 'karras', steps: 3, ...SIZE, ...overrides }),
      ctx,
    );
    const { model } = await recording.pipeline.checkpointWithLoras(name, [], overrides.freeu !== undefined);
    return { feeds: [...recording.sessionCalls], loaded: model.componentModels.unet };
  };
  const on = await runImage('on', { freeu: { b1: 1.3, b2: 1.4, s1: 0.6, s2: 0.2 }, saveMetadata: true });
  assert.match(on.loaded, /\.freeu-cache\/unet\/[0-9a-f]{16}\/model\.onnx$/);
  assert.ok(
    on.feeds.every((f) => JSON.stringify(f.freeu_scales) === JSON.stringify({ data: [1.3, 1.4, 0.6, 0.2], dims: [4] })),
    JSON.stringify(on.feeds[0].freeu_scales),
  );
  const off = await runImage('off', {});
  assert.ok(!off.loaded.includes('.freeu-cache'), 'FreeU off loads the checkpoint UNet again');
  assert.ok(off.feeds.every((f) => !('freeu_scales' in f)));
  await runImage('ones', { freeu: { b1: 1, b2: 1, s1: 1, s2: 1 } });
  assert.deepEqual(images.get('ones'), images.get('off'), 'b = s = 1 is an exact identity');
  assert.notDeepEqual(images.get('on'), images.get('off'));
  const { readEmbeddedMetadata } = await import('../../engine/metadata/embed-metadata.ts');
  assert.equal(
    (JSON.parse(readEmbeddedMetadata(images.get('on')!)!.parameters) as Record<string, unknown>).freeu,
    '(1.3, 1.4, 0.6, 0.2)',
  );

  await assert.rejects(
    record({ freeu: { b1: 1.01, b2: 1.02, s1: 0.99, s2: 0.95 } }),
    (error: Error & { field?: string }) => {
      assert.equal(error.field, 'freeu_enabled');
      assert.match(error.message, /FreeU cannot be applied to this UNet export \(no up-block skip Concat/);
      return true;
    },
  );
});
