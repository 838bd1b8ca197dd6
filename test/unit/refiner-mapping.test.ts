/**
 * Refiner fields → EngineJob.refiner (fooocus-semantics.md §4.2): switch = round(steps ×
 * refiner_switch) with Python's half-to-even rounding, overwrite_switch > 0 replaces it, "None" /
 * the base itself / restricted performance modes give no refiner; 'vae' is a 422. And the engine's
 * refiner conditioning helpers (clip_separate slice, aesthetic-score time_ids).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_REQUEST_DEFAULTS, type CommonRequest } from '../../adapters/common-request.ts';
import { refinerEmbedding, refinerTimeIds } from '../../engine/pipeline/refiner.ts';
import { assertSupported } from '../../src/tasks/supported-features.ts';
import { refinerOf, toEngineJob } from '../../src/tasks/to-engine-job.ts';

const REFINER = 'sd_xl_refiner_1.0_0.9vae.safetensors';

function request(overrides: Partial<CommonRequest> = {}): CommonRequest {
  return {
    ...COMMON_REQUEST_DEFAULTS,
    base_model_name: 'base',
    image_seed: 1n,
    style_selections: [],
    refiner_model_name: REFINER,
    ...overrides,
  };
}

const jobOf = (overrides: Partial<CommonRequest> = {}) => toEngineJob('j', request(overrides), []).job;

test('"None" (the default) gives no refiner field at all', () => {
  assert.equal(COMMON_REQUEST_DEFAULTS.refiner_model_name, 'None');
  assert.ok(!('refiner' in jobOf({ refiner_model_name: 'None' })));
});

test('switch step = round(steps × refiner_switch), half to even, on the effective step count', () => {
  assert.deepEqual(
    jobOf({ refiner_switch: 0.5 }).refiner,
    { model: REFINER, switchAt: 15, swapMethod: 'joint' },
    'Speed: 30 × 0.5',
  );
  assert.equal(jobOf({ refiner_switch: 0.8, performance_selection: 'Quality' }).refiner?.switchAt, 48);
  assert.equal(jobOf({ refiner_switch: 0.75 }).refiner?.switchAt, 22, 'round(22.5) = 22');
  assert.equal(jobOf({ refiner_switch: 0.25, overwrite_step: 10 }).refiner?.switchAt, 2, 'round(2.5) = 2');
  assert.equal(jobOf({ refiner_switch: 0.35, overwrite_step: 10 }).refiner?.switchAt, 4, 'round(3.5) = 4');
  assert.equal(jobOf({ refiner_switch: 1 }).refiner?.switchAt, 30, 'switch 1.0 = steps: the engine never switches');
});

test('overwrite_switch > 0 replaces the computed step; -1 and 0 leave it', () => {
  assert.equal(jobOf({ overwrite_switch: 10 }).refiner?.switchAt, 10);
  assert.equal(jobOf({ overwrite_switch: 1 }).refiner?.switchAt, 1);
  assert.equal(jobOf({ overwrite_switch: -1 }).refiner?.switchAt, 15);
  assert.equal(jobOf({ overwrite_switch: 0 }).refiner?.switchAt, 15);
});

test('swap methods pass through; unknown values fall back to joint', () => {
  for (const method of ['joint', 'separate', 'vae'] as const)
    assert.equal(jobOf({ refiner_swap_method: method }).refiner?.swapMethod, method);
  assert.equal(refinerOf(request({ refiner_swap_method: 'bogus' }), 30)?.swapMethod, 'joint');
});

test('no refiner for the base itself or in the restricted performance modes (they set it to None)', () => {
  assert.equal(jobOf({ refiner_model_name: 'base' }).refiner, undefined);
  for (const performance_selection of ['Extreme Speed', 'Lightning', 'Hyper-SD'] as const)
    assert.equal(jobOf({ performance_selection }).refiner, undefined, performance_selection);
});

test('refiners are accepted with every swap method (vae runs for SDXL refiners: engine/pipeline/generate-image.ts)', () => {
  assert.doesNotThrow(() => assertSupported(request({ refiner_swap_method: 'joint' })));
  assert.doesNotThrow(() => assertSupported(request({ refiner_swap_method: 'separate' })));
  assert.doesNotThrow(() => assertSupported(request({ refiner_swap_method: 'vae' })));
  assert.doesNotThrow(() => assertSupported(request({ refiner_model_name: 'None', refiner_swap_method: 'vae' })));
  assert.doesNotThrow(() =>
    assertSupported(request({ refiner_swap_method: 'vae', performance_selection: 'Lightning' })),
  );
});

test('clip_separate for an SDXL refiner keeps the last te2-width dims of each token and the pooled vector', () => {
  const base = {
    context: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
    tokens: 2,
    width: 5,
    pooled: Float32Array.from([0.5, 0.25]),
  };
  const sliced = refinerEmbedding(base, { contextWidth: 3, pooledWidth: 2, timeIds: 5 }, 'r');
  assert.deepEqual([...sliced.context], [3, 4, 5, 8, 9, 10]);
  assert.equal(sliced.width, 3);
  assert.equal(sliced.pooled, base.pooled);
  assert.equal(
    refinerEmbedding(base, { contextWidth: 5, pooledWidth: 2, timeIds: 6 }, 'r'),
    base,
    'an SDXL refiner: unchanged',
  );
  assert.equal(
    refinerEmbedding(base, { contextWidth: null, pooledWidth: null, timeIds: 6 }, 'r'),
    base,
    'dynamic widths: unchanged',
  );
  assert.throws(
    () => refinerEmbedding(base, { contextWidth: 3, pooledWidth: 4, timeIds: 5 }, 'r'),
    /text_embeds width 4/,
  );
  assert.throws(() => refinerEmbedding(base, { contextWidth: 8, pooledWidth: 2, timeIds: 5 }, 'r'), /wider/);
});

test('refiner time_ids: [h, w, 0, 0, 6.0] positive / 2.5 negative for 5 values; none (timed ADM) for 6', () => {
  assert.deepEqual(refinerTimeIds({ contextWidth: 1280, pooledWidth: 1280, timeIds: 5 }, 1152, 896), {
    positive: [896, 1152, 0, 0, 6],
    negative: [896, 1152, 0, 0, 2.5],
  });
  assert.equal(refinerTimeIds({ contextWidth: 2048, pooledWidth: 1280, timeIds: 6 }, 1152, 896), undefined);
});
