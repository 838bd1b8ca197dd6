/**
 * `edm_playground_v2.5` (fooocus-semantics.md §4.1): Fooocus patches the model to continuous EDM
 * (σ 0.002..120, σ_data 0.5) with Playground v2.5's latent format, and computes σ's with karras.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SDXL_CONFIG, type CheckpointConfig } from '../../engine/models/checkpoint-config.ts';

const CONFIG: CheckpointConfig = { ...SDXL_CONFIG, warnings: [] };
import { planSampling } from '../../engine/pipeline/sampling-plan.ts';
import { schedule, SDXL_SIGMA_MAX } from '../../engine/schedulers/sigmas.ts';
import { continuousEdmSampling, discreteEpsSampling } from '../../engine/unet/model-sampling.ts';
import {
  fromVaeLatent,
  PLAYGROUND_LATENT_FORMAT,
  sdxlLatentFormat,
  toVaeLatent,
} from '../../engine/vae/latent-format.ts';
import { sigmaTable } from '../../engine/schedulers/sigma-table.ts';

test('the schedule is karras over the EDM range: (σmax^(1/7) + i/(n−1)·(σmin^(1/7) − σmax^(1/7)))^7, then 0', () => {
  for (const steps of [1, 2, 30, 60]) {
    const sigmas = schedule('edm_playground_v2.5', steps, 0.002, 120);
    assert.equal(sigmas.length, steps + 1);
    assert.equal(sigmas[steps], 0);
    const lo = 0.002 ** (1 / 7);
    const hi = 120 ** (1 / 7);
    for (let i = 0; i < steps; i++) {
      const ramp = steps === 1 ? 0 : i / (steps - 1);
      const expected = (hi + ramp * (lo - hi)) ** 7;
      assert.ok(
        Math.abs(sigmas[i] - expected) <= 1e-6 * expected,
        `${steps} steps [${i}]: ${sigmas[i]} vs ${expected}`,
      );
    }
  }
});

test('the plan takes the EDM range, Playground latent format and its empty latent; other schedulers keep SDXL ε-prediction', () => {
  const edm = planSampling('dpmpp_2m', 'edm_playground_v2.5', 30, CONFIG);
  assert.deepEqual(edm.warnings, []);
  assert.equal(edm.modelSampling.kind, 'continuous-edm');
  assert.ok(Math.abs(edm.sigmas[0] - 120) < 1e-9);
  assert.ok(Math.abs(edm.sigmas[29] - 0.002) < 1e-12);
  assert.equal(edm.initialNoiseScale, Math.sqrt(1 + edm.sigmas[0] ** 2));
  assert.equal(edm.latentFormat.name, 'playground-v2.5');
  const means = [-1.6574, 1.886, -1.383, 2.5155];
  const stds = [8.4927, 5.9022, 6.5498, 5.2299];
  edm.emptyLatent.forEach((v, c) => assert.ok(Math.abs(v - (-means[c] * 0.5) / stds[c]) < 1e-6, `channel ${c}`));

  const karras = planSampling('dpmpp_2m', 'karras', 30, CONFIG);
  assert.equal(karras.modelSampling.kind, 'discrete-eps');
  assert.ok(Math.abs(karras.sigmas[0] - SDXL_SIGMA_MAX) < 1e-9);
  assert.equal(karras.latentFormat.name, 'sdxl');
  assert.deepEqual(karras.emptyLatent, [0, 0, 0, 0]);
});

test('EDM preconditioning: c_in = 1/√(σ²+¼), t = ¼·ln σ, D = x·¼/(σ²+¼) + F·σ·½/√(σ²+¼); the exact denoiser of N(0, s²) data is recovered', () => {
  const edm = continuousEdmSampling();
  assert.equal(edm.sigmaMin, 0.002);
  assert.equal(edm.sigmaMax, 120);
  assert.equal(edm.acceptsIntegerTimestep, false);
  for (const sigma of [120, 14.6, 1, 0.25, 0.002]) {
    assert.equal(edm.inputScale(sigma), 1 / Math.sqrt(sigma * sigma + 0.25));
    assert.equal(edm.timestep(sigma), 0.25 * Math.log(sigma));
    // For data ~ N(0, s²) the ideal D is x·s²/(s²+σ²); the network output F that yields it is
    // (D − c_skip·x)/c_out. Feeding that F back must give D.
    const s2 = 0.7;
    const x = Float32Array.from([-2, -0.5, 0, 0.3, 4]);
    const skip = 0.25 / (sigma * sigma + 0.25);
    const cOut = (sigma * 0.5) / Math.sqrt(sigma * sigma + 0.25);
    const ideal = Array.from(x, (v) => (v * s2) / (s2 + sigma * sigma));
    const f = Float32Array.from(x, (v, i) => (ideal[i] - skip * v) / cOut);
    const d = edm.denoised(x, sigma, f);
    d.forEach((v, i) =>
      assert.ok(Math.abs(v - ideal[i]) <= 1e-5 * Math.max(1, Math.abs(ideal[i])), `σ ${sigma} [${i}]`),
    );
  }
  const eps = discreteEpsSampling(sigmaTable(), 0.0291675, SDXL_SIGMA_MAX);
  assert.equal(eps.inputScale(3), 1 / Math.sqrt(10));
  assert.deepEqual([...eps.denoised(Float32Array.from([1, 2]), 2, Float32Array.from([0.25, -1]))], [0.5, 4]);
  assert.equal(eps.fooocusTimestep(SDXL_SIGMA_MAX), 999);
});

test('latent formats: SDXL divides by its scale factor; Playground maps per channel with mean and std, and back', () => {
  const latent = Float32Array.from({ length: 8 }, (_, i) => i - 3.5);
  const sdxl = toVaeLatent(sdxlLatentFormat(0.13025), latent, 4);
  sdxl.forEach((v, i) => assert.equal(v, Math.fround(latent[i] / 0.13025)));
  const vae = toVaeLatent(PLAYGROUND_LATENT_FORMAT, latent, 4);
  const means = [-1.6574, 1.886, -1.383, 2.5155];
  const stds = [8.4927, 5.9022, 6.5498, 5.2299];
  vae.forEach((v, i) => {
    const c = Math.floor(i / 2);
    assert.ok(Math.abs(v - (latent[i] * stds[c]) / 0.5 - means[c]) < 1e-5, `[${i}]`);
  });
  const back = fromVaeLatent(PLAYGROUND_LATENT_FORMAT, vae, 4);
  back.forEach((v, i) => assert.ok(Math.abs(v - latent[i]) < 1e-5));
});
