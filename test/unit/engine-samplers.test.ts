import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLERS, sample } from '../../engine/samplers/index.ts';
import type { Denoiser } from '../../engine/samplers/index.ts';
import { createNormalRng } from '../../engine/random/normal-rng.ts';
import { SDXL_SIGMA_MAX, SDXL_SIGMA_MIN, karrasSigmas } from '../../engine/schedulers/sigmas.ts';

/*
 * For data ~ N(0, s²) the exact denoiser is D(x, σ) = x·s²/(s²+σ²), and the probability-flow ODE
 * dx/dσ = (x − D)/σ has the solution x(σ) ∝ √(s²+σ²): deterministic samplers must approach
 * x_end = x_start·√((s²+σ_end²)/(s²+σ_start²)); stochastic ones must end with variance s².
 */
const DATA_VARIANCE = 1;
const gaussianDenoiser: Denoiser = (x, sigma) => {
  const k = DATA_VARIANCE / (DATA_VARIANCE + sigma * sigma);
  const out = new Float32Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = x[j] * k;
  return out;
};

interface FlowCase {
  /** Drop the schedule's trailing 0, so the run ends at σmin. */
  isTruncated?: boolean;
  /** The sampler stops at the last non-zero σ by design (dpm_fast, dpm_adaptive). */
  stopsAtSigmaMin?: boolean;
}

async function flowError(sampler: string, steps: number, flow: FlowCase = {}): Promise<number> {
  const full = karrasSigmas(steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const sigmas = flow.isTruncated ? full.slice(0, -1) : full;
  const end = flow.isTruncated || flow.stopsAtSigmaMin ? SDXL_SIGMA_MIN : 0;
  const start = 10;
  const out = await sample(sampler, gaussianDenoiser, new Float32Array([start, -start]), sigmas, { seed: 1n });
  const exact = start * Math.sqrt((DATA_VARIANCE + end * end) / (DATA_VARIANCE + SDXL_SIGMA_MAX ** 2));
  assert.ok(Math.abs(out[0] + out[1]) < 1e-5, 'odd symmetry');
  return Math.abs(out[0] - exact) / exact;
}

// Minimum error shrink per doubling of steps: a quarter for first-order methods, 65% for order ≥ 2.
// heunpp2's look-ahead slopes get weights σ_{i+1}/(3σ_0), which vanish as σ falls: first order.
// uni_pc(_bh2) replace the closing σ = 0 by 0.001, a jump of the same size at every n whose error
// (≈ σmin²/2 ≈ 4e-4 relative) hides third-order convergence from 20 steps on; they are measured on the
// schedule without its trailing 0 here, and on the full one in a separate test.
const DETERMINISTIC: Array<[string, number, FlowCase?]> = [
  ['euler', 0.25],
  ['ddim', 0.25],
  ['heun', 0.65],
  ['heunpp2', 0.25],
  ['dpm_2', 0.65],
  ['lms', 0.65],
  ['dpm_fast', 0.65, { stopsAtSigmaMin: true }],
  ['dpmpp_2m', 0.65],
  ['uni_pc', 0.65, { isTruncated: true }],
  ['uni_pc_bh2', 0.65, { isTruncated: true }],
];

for (const [name, minShrink, flow] of DETERMINISTIC) {
  test(`${name} converges to the closed-form probability-flow solution`, async () => {
    const errors = [await flowError(name, 10, flow), await flowError(name, 20, flow), await flowError(name, 40, flow)];
    assert.ok(errors[2] < 0.06, `error at 40 steps ${errors[2]}`);
    assert.ok(errors[1] <= (1 - minShrink) * errors[0], `10→20 ${errors.join(', ')}`);
    assert.ok(errors[2] <= (1 - minShrink) * errors[1], `20→40 ${errors.join(', ')}`);
  });
}

test("uni_pc and uni_pc_bh2 on a schedule ending at 0 stay within the closing step's error", async () => {
  for (const name of ['uni_pc', 'uni_pc_bh2']) {
    const error = await flowError(name, 40);
    assert.ok(error < 1e-3, `${name} error at 40 steps ${error}`);
  }
});

test("dpm_adaptive meets its tolerance whatever the step count (it uses only the schedule's ends)", async () => {
  const flow = { stopsAtSigmaMin: true };
  const errors = [
    await flowError('dpm_adaptive', 10, flow),
    await flowError('dpm_adaptive', 20, flow),
    await flowError('dpm_adaptive', 40, flow),
  ];
  // rtol 0.05, atol 0.0078 (k-diffusion's defaults) give 2.8% here.
  assert.ok(errors[0] < 0.04, `error ${errors[0]}`);
  assert.deepEqual(
    errors.map((e) => e.toFixed(12)),
    Array(3).fill(errors[0].toFixed(12)),
  );
});

async function finalVariance(sampler: string, steps: number, size: number): Promise<number> {
  const sigmas = karrasSigmas(steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const x = createNormalRng(99n).fill(new Float32Array(size));
  const scale = Math.sqrt(DATA_VARIANCE + SDXL_SIGMA_MAX ** 2);
  for (let j = 0; j < x.length; j++) x[j] *= scale;
  const out = await sample(sampler, gaussianDenoiser, x, sigmas, { seed: 7n });
  let mean = 0;
  let sumSq = 0;
  for (const v of out) {
    mean += v;
    sumSq += v * v;
  }
  mean /= out.length;
  return sumSq / out.length - mean * mean;
}

// dpmpp_3m_sde is already within sampling noise of s² at 30 steps; it is compared at 10 steps instead.
// restart is stochastic from 20 steps on (it re-noises from σ ≈ 0.1 up to σ ≈ 2 and walks down again).
const STOCHASTIC: Array<[string, number]> = [
  ['euler_ancestral', 30],
  ['ddpm', 30],
  ['dpm_2_ancestral', 30],
  ['dpmpp_2s_ancestral', 30],
  ['dpmpp_sde_gpu', 30],
  ['dpmpp_2m_sde_gpu', 30],
  ['dpmpp_3m_sde', 10],
  ['restart', 30],
];

for (const [name, fewSteps] of STOCHASTIC) {
  test(`${name} ends with the data variance, closer with more steps`, async () => {
    const few = await finalVariance(name, fewSteps, 20000);
    const many = await finalVariance(name, 120, 20000);
    assert.ok(Math.abs(many - DATA_VARIANCE) < 0.08 * DATA_VARIANCE, `variance at 120 steps ${many}`);
    assert.ok(Math.abs(many - DATA_VARIANCE) < Math.abs(few - DATA_VARIANCE), `${fewSteps}: ${few}, 120: ${many}`);
  });
}

test('the _gpu names run the same maths as their plain names', async () => {
  const sigmas = karrasSigmas(6, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const x = createNormalRng(3n).fill(new Float32Array(64));
  for (const name of ['dpmpp_2m_sde', 'dpmpp_sde', 'dpmpp_3m_sde']) {
    const plain = await sample(name, gaussianDenoiser, x, sigmas, { seed: 5n });
    const gpu = await sample(`${name}_gpu`, gaussianDenoiser, x, sigmas, { seed: 5n });
    assert.deepEqual(gpu, plain, name);
  }
});

test('stochastic samplers are reproducible per seed and differ across seeds', async () => {
  const sigmas = karrasSigmas(8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const x = createNormalRng(3n).fill(new Float32Array(64));
  const a = await sample('dpmpp_2m_sde_gpu', gaussianDenoiser, x, sigmas, { seed: 2n ** 53n });
  const b = await sample('dpmpp_2m_sde_gpu', gaussianDenoiser, x, sigmas, { seed: 2n ** 53n });
  const c = await sample('dpmpp_2m_sde_gpu', gaussianDenoiser, x, sigmas, { seed: 2n ** 53n + 1n });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('lcm takes the denoised estimate and re-noises it to the next sigma', async () => {
  const sigmas = [10, 2, 0];
  const x = new Float32Array([1, 2, 3, 4]);
  const seen: number[][] = [];
  const halve: Denoiser = (input, sigma) => {
    seen.push([sigma, ...input]);
    return input.map((v) => v / 2);
  };
  const out = await sample('lcm', halve, x, sigmas, { seed: 11n });
  const noise = createNormalRng(11n).fill(new Float32Array(4));
  const afterFirst = [0.5, 1, 1.5, 2].map((v, j) => Math.fround(v + 2 * noise[j]));
  assert.deepEqual(seen[1].slice(1), afterFirst);
  assert.deepEqual(
    [...out],
    afterFirst.map((v) => Math.fround(v / 2)),
  );
});

test('euler performs exactly x + (x − D)/σ·(σnext − σ) per step', async () => {
  const out = await sample('euler', () => new Float32Array([1, 1]), new Float32Array([3, 5]), [4, 2], { seed: 0n });
  // d = (x − 1)/4 → x + d·(−2) = x − (x − 1)/2
  assert.deepEqual([...out], [2, 3]);
});

test('onStep is awaited after every step with the step index', async () => {
  const sigmas = karrasSigmas(5, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const events: string[] = [];
  await sample(
    'heun',
    async (x, sigma, i) => {
      events.push(`model ${i}`);
      return gaussianDenoiser(x, sigma, i);
    },
    new Float32Array(8).fill(3),
    sigmas,
    {
      seed: 1n,
      onStep: async (i, x, denoised) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        assert.equal(x.length, 8);
        assert.equal(denoised.length, 8);
        events.push(`step ${i}`);
      },
    },
  );
  // heun calls the model twice per step except on the last step to σ = 0
  assert.deepEqual(events, [
    'model 0',
    'model 0',
    'step 0',
    'model 1',
    'model 1',
    'step 1',
    'model 2',
    'model 2',
    'step 2',
    'model 3',
    'model 3',
    'step 3',
    'model 4',
    'step 4',
  ]);
});

test('an error thrown by onStep interrupts sampling and propagates', async () => {
  let calls = 0;
  const denoise: Denoiser = (x, sigma, i) => {
    calls++;
    return gaussianDenoiser(x, sigma, i);
  };
  await assert.rejects(
    sample('euler', denoise, new Float32Array(4), karrasSigmas(10, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), {
      seed: 1n,
      onStep: (i) => {
        if (i === 2) throw new Error('cancelled by user');
      },
    }),
    /cancelled by user/,
  );
  assert.equal(calls, 3);
});

test('every sampler leaves the input latent untouched and tolerates a denoiser reusing its buffer', async () => {
  const sigmas = karrasSigmas(4, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const shared = new Float32Array(16);
  const reusing: Denoiser = (x, sigma) => {
    const k = DATA_VARIANCE / (DATA_VARIANCE + sigma * sigma);
    for (let j = 0; j < x.length; j++) shared[j] = x[j] * k;
    return shared;
  };
  const x = createNormalRng(8n).fill(new Float32Array(16));
  const original = Float32Array.from(x);
  for (const name of SAMPLERS) {
    const fresh = await sample(name, gaussianDenoiser, x, sigmas, { seed: 4n });
    const reused = await sample(name, reusing, x, sigmas, { seed: 4n });
    assert.deepEqual(reused, fresh, name);
    assert.notEqual(fresh, x);
    assert.ok(fresh.every(Number.isFinite), name);
  }
  assert.deepEqual(x, original);
});

test('the samplers Fooocus always offers are implemented', () => {
  for (const name of [
    'euler',
    'euler_ancestral',
    'lcm',
    'dpmpp_sde_gpu',
    'dpmpp_2m',
    'dpmpp_2m_sde_gpu',
    'dpmpp_2m_sde',
    'heun',
    'dpm_2',
  ]) {
    assert.ok(SAMPLERS.includes(name), name);
  }
});

test('bad input is rejected naming what is wrong', async () => {
  const sigmas = [1, 0];
  await assert.rejects(
    sample('warp', gaussianDenoiser, new Float32Array(1), sigmas, { seed: 1n }),
    /unknown sampler 'warp'/,
  );
  await assert.rejects(
    sample('euler', gaussianDenoiser, new Float32Array(1), [1, 2, 0], { seed: 1n }),
    /sigmas must be/,
  );
  await assert.rejects(
    sample('euler', () => new Float32Array(3), new Float32Array(2), sigmas, { seed: 1n }),
    /denoiser returned 3 values/,
  );
  await assert.rejects(
    sample('euler', gaussianDenoiser, new Float32Array(1), sigmas, { seed: 1 as unknown as bigint }),
    /options.seed/,
  );
});
