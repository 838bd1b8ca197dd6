import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REFUSED_SAMPLERS, SAMPLERS, SAMPLER_ALIASES, sample } from '../../engine/samplers/index.ts';
import type { Denoiser } from '../../engine/samplers/index.ts';
import { linearMultistepCoefficient } from '../../engine/samplers/linear-multistep.ts';
import { restartStepList } from '../../engine/samplers/restart.ts';
import { createNormalRng } from '../../engine/random/normal-rng.ts';
import { SDXL_SIGMA_MAX, SDXL_SIGMA_MIN, karrasSigmas } from '../../engine/schedulers/sigmas.ts';

/** Fooocus's 24 sampler names (modules/flags.py, fooocus-semantics §4.1). */
const FOOOCUS_SAMPLERS = [
  'euler',
  'euler_ancestral',
  'heun',
  'heunpp2',
  'dpm_2',
  'dpm_2_ancestral',
  'lms',
  'dpm_fast',
  'dpm_adaptive',
  'dpmpp_2s_ancestral',
  'dpmpp_sde',
  'dpmpp_sde_gpu',
  'dpmpp_2m',
  'dpmpp_2m_sde',
  'dpmpp_2m_sde_gpu',
  'dpmpp_3m_sde',
  'dpmpp_3m_sde_gpu',
  'ddpm',
  'lcm',
  'tcd',
  'restart',
  'ddim',
  'uni_pc',
  'uni_pc_bh2',
];

const gaussianDenoiser: Denoiser = (x, sigma) => x.map((v) => v / (1 + sigma * sigma));

/** A denoiser that is not linear in x, so methods that agree on the Gaussian case still part ways. */
const bumpyDenoiser: Denoiser = (x, sigma) => x.map((v) => v / (1 + sigma * sigma) + (0.4 * Math.sin(v)) / (1 + sigma));

test('every Fooocus sampler name is either offered or refused with a reason, never both', () => {
  assert.deepEqual([...SAMPLERS, ...Object.keys(REFUSED_SAMPLERS)].sort(), [...FOOOCUS_SAMPLERS].sort());
  assert.ok(SAMPLERS.length >= 20, `${SAMPLERS.length} offered`);
  for (const [name, reason] of Object.entries(REFUSED_SAMPLERS)) assert.ok(reason.length > 20, name);
  for (const [alias, target] of Object.entries(SAMPLER_ALIASES)) {
    assert.ok(SAMPLERS.includes(alias) && SAMPLERS.includes(target), `${alias} → ${target}`);
  }
});

test('offered samplers give pairwise different results on the same input, except documented aliases', async () => {
  // 24 steps: restart only starts restarting from 20 steps (below that it is heun).
  const sigmas = karrasSigmas(24, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const x = createNormalRng(21n).fill(new Float32Array(32));
  for (let j = 0; j < x.length; j++) x[j] *= Math.sqrt(1 + SDXL_SIGMA_MAX ** 2);
  const outputs = new Map<string, Float32Array>();
  for (const name of SAMPLERS) outputs.set(name, await sample(name, bumpyDenoiser, x, sigmas, { seed: 9n }));
  const canonical = (name: string): string => SAMPLER_ALIASES[name] ?? name;
  for (let a = 0; a < SAMPLERS.length; a++) {
    for (let b = a + 1; b < SAMPLERS.length; b++) {
      const [nameA, nameB] = [SAMPLERS[a], SAMPLERS[b]];
      const outA = outputs.get(nameA) as Float32Array;
      const outB = outputs.get(nameB) as Float32Array;
      const gap = Math.max(...outA.map((v, j) => Math.abs(v - outB[j])));
      if (canonical(nameA) === canonical(nameB)) assert.equal(gap, 0, `${nameA} = ${nameB}`);
      else assert.ok(gap > 1e-3, `${nameA} vs ${nameB}: largest difference ${gap}`);
    }
  }
});

test('ddpm takes the DDPM posterior step written in the variance-preserving frame', async () => {
  const [sigma, next] = [3, 1.2];
  const x = new Float32Array([2.5, -1, 0.3, 4]);
  const halve: Denoiser = (input) => input.map((v) => v / 2);
  const out = await sample('ddpm', halve, x, [sigma, next], { seed: 17n });
  const noise = createNormalRng(17n).fill(new Float32Array(4));
  const alphaBar = 1 / (1 + sigma ** 2);
  const alphaBarNext = 1 / (1 + next ** 2);
  const a = alphaBar / alphaBarNext;
  x.forEach((v, j) => {
    const eps = (v - v / 2) / sigma;
    const meanVp = (v * Math.sqrt(alphaBar) - ((1 - a) * eps) / Math.sqrt(1 - alphaBar)) / Math.sqrt(a);
    const std = Math.sqrt(((1 - a) * (1 - alphaBarNext)) / (1 - alphaBar));
    const expected = (meanVp + std * noise[j]) / Math.sqrt(alphaBarNext);
    assert.ok(Math.abs(out[j] - expected) < 1e-5 * Math.max(1, Math.abs(expected)), `${j}: ${out[j]} vs ${expected}`);
  });
});

test('lms weights integrate the Lagrange basis exactly (Adams–Bashforth on an even grid)', () => {
  const h = -0.5;
  const sigmas = [4, 3.5, 3, 2.5, 2];
  assert.equal(linearMultistepCoefficient(1, sigmas, 0, 0), h);
  const ab2 = [linearMultistepCoefficient(2, sigmas, 1, 0), linearMultistepCoefficient(2, sigmas, 1, 1)];
  assert.deepEqual(
    ab2.map((c) => +(c / h).toFixed(12)),
    [1.5, -0.5],
  );
  const ab4 = [0, 1, 2, 3].map((j) => +(linearMultistepCoefficient(4, sigmas, 3, j) / h).toFixed(12));
  assert.deepEqual(
    ab4,
    [55 / 24, -59 / 24, 37 / 24, -9 / 24].map((c) => +c.toFixed(12)),
  );
  assert.throws(() => linearMultistepCoefficient(3, sigmas, 1, 0), /order 3 needs 2 earlier steps/);
});

test('restart is heun below 20 steps and restarts from σ ≈ 0.1 up to σ ≈ 2 from 20 on', async () => {
  const short = karrasSigmas(12, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const x = createNormalRng(5n).fill(new Float32Array(16));
  assert.deepEqual(
    await sample('restart', gaussianDenoiser, x, short, { seed: 1n }),
    await sample('heun', gaussianDenoiser, x, short, { seed: 1n }),
  );

  const pairs = restartStepList(karrasSigmas(24, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX));
  // 24 − 9 = 15 Karras steps down, plus one restart of 9 steps.
  assert.equal(pairs.length, 15 + 9);
  const jumps = pairs.filter(([from], k) => k > 0 && from > pairs[k - 1][1]);
  assert.equal(jumps.length, 1);
  assert.ok(Math.abs(jumps[0][0] - 2) < 0.5, `restarts at σ ${jumps[0][0]}`);
  assert.equal(restartStepList(karrasSigmas(40, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX)).length, 40 - 2 * 10 + 2 * 10);
});

test('samplers with their own step count report steps and model calls within 0..n−1, in order, ending at n−1', async () => {
  const n = 24;
  const sigmas = karrasSigmas(n, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  for (const name of SAMPLERS) {
    const reported: number[] = [];
    const modelSteps: number[] = [];
    const denoise: Denoiser = (x, sigma, i) => {
      modelSteps.push(i);
      return gaussianDenoiser(x, sigma, i);
    };
    await sample(name, denoise, new Float32Array(8).fill(20), sigmas, {
      seed: 3n,
      onStep: (i) => void reported.push(i),
    });
    for (const [what, seen] of [
      ['onStep', reported],
      ['model', modelSteps],
    ] as const) {
      assert.ok(
        seen.every((i, k) => Number.isInteger(i) && i >= 0 && i < n && (k === 0 || i >= seen[k - 1])),
        `${name} ${what}: ${seen.join(',')}`,
      );
    }
    assert.equal(reported[reported.length - 1], n - 1, `${name} last step`);
    if (name === 'dpm_fast') assert.equal(modelSteps.length, n, 'dpm_fast makes exactly n model calls');
  }
});
