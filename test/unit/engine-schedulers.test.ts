import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SCHEDULERS,
  SDXL_SIGMA_MAX,
  SDXL_SIGMA_MIN,
  distilledTimestep,
  karrasSigmas,
  schedule,
  sigmaTable,
  sigmaToTimestep,
  timestepToSigma,
} from '../../engine/schedulers/sigmas.ts';
import { betaPpf } from '../../engine/schedulers/beta-distribution.ts';

const table = sigmaTable();

function assertClose(actual: number[], expected: number[], rel = 1e-6, label = ''): void {
  assert.equal(actual.length, expected.length, `${label} length`);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = rel * Math.max(Math.abs(expected[i]), 1e-12);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

test('SDXL sigma table ends at ComfyUI float32 sigma_min and sigma_max', () => {
  assert.equal(table.length, 1000);
  // Reference from numpy: ᾱ = cumprod(1 − linspace(√0.00085, √0.012, 1000)²) as float32, σ = √((1−ᾱ)/ᾱ) in float32.
  assert.equal(table[0], 0.029167532920837402);
  assert.equal(table[500], 1.6182788610458374);
  assert.equal(table[999], 14.614642143249512);
  assertClose([table[0], table[999]], [SDXL_SIGMA_MIN, SDXL_SIGMA_MAX], 2e-6); // the constants carry 7 digits
  for (let i = 1; i < table.length; i++) assert.ok(table[i] > table[i - 1]);
});

test('karras schedule follows its formula, has steps+1 values and ends with 0', () => {
  const steps = 30;
  const sigmas = karrasSigmas(steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const lo = SDXL_SIGMA_MIN ** (1 / 7);
  const hi = SDXL_SIGMA_MAX ** (1 / 7);
  const expected = Array.from({ length: steps }, (_, i) => (hi + (i / (steps - 1)) * (lo - hi)) ** 7);
  assertClose(sigmas, [...expected, 0], 1e-6, 'karras');
  // Published Karras-30 head for SDXL.
  assertClose(sigmas.slice(0, 5), [14.614642, 12.660604, 10.934924, 9.414915, 8.079731], 1e-6, 'karras head');
  assert.deepEqual(schedule('karras', steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), sigmas);
  assertClose(karrasSigmas(1, 0.1, 10), [10, 0], 1e-12, 'karras-1');
});

test('exponential schedule is evenly spaced in log sigma', () => {
  const steps = 12;
  const sigmas = schedule('exponential', steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const a = Math.log(SDXL_SIGMA_MAX);
  const b = Math.log(SDXL_SIGMA_MIN);
  const expected = Array.from({ length: steps }, (_, i) => Math.exp(a + ((b - a) * i) / (steps - 1)));
  assertClose(sigmas, [...expected, 0], 1e-6, 'exponential');
});

test('normal and simple with 1000 steps walk the whole table top-down', () => {
  const reversed = Array.from(table).reverse();
  assertClose(schedule('normal', 1000, table[0], table[999]), [...reversed, 0], 1e-6, 'normal');
  assertClose(schedule('simple', 1000, table[0], table[999]), [...reversed, 0], 1e-6, 'simple');
});

test('normal interpolates log sigma at evenly spaced fractional timesteps', () => {
  const sigmas = schedule('normal', 4, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  // timesteps 999, 666, 333, 0 are integers here
  assertClose(sigmas, [table[999], table[666], table[333], table[0], 0], 1e-6, 'normal-4');
  const sgm = schedule('sgm_uniform', 3, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  // linspace(999, 0, 4) = 999, 666, 333 (the last point, 0, is dropped)
  assertClose(sgm, [table[999], table[666], table[333], 0], 1e-6, 'sgm-3');
  const half = schedule('sgm_uniform', 2, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX)[1]; // t = 499.5
  assertClose([half], [Math.sqrt(table[499] * table[500])], 1e-6, 'sgm midpoint');
});

test('simple takes every (1000/steps)-th entry from the top', () => {
  assertClose(schedule('simple', 4, 0, 0), [table[999], table[749], table[499], table[249], 0], 1e-6, 'simple-4');
});

test('ddim_uniform takes entries 1, 1+k, ... in descending order', () => {
  assertClose(schedule('ddim_uniform', 4, 0, 0), [table[751], table[501], table[251], table[1], 0], 1e-6, 'ddim-4');
});

test('beta schedule matches scipy Beta(0.6, 0.6) quantile timesteps', () => {
  // numpy: rint(scipy.stats.beta.ppf(1 − linspace(0, 1, 8, endpoint=False), 0.6, 0.6) · 999)
  const expected = [
    14.614642143249512, 10.48347282409668, 5.686591625213623, 2.9636125564575195, 1.6182788610458374, 0.919833242893219,
    0.5153905749320984, 0.24326977133750916, 0,
  ];
  assertClose(schedule('beta', 8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), expected, 1e-6, 'beta-8');
  assertClose([betaPpf(0.25, 0.6, 0.6), betaPpf(0.9, 2, 5)], [0.17568037865269498, 0.5103163065514917], 1e-9, 'ppf');
});

test('align_your_steps gives the published 10 levels and log-linear resampling otherwise', () => {
  const ten = schedule('align_your_steps', 10, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  assertClose(ten.slice(0, 3), [14.6146412293, 6.3184485863, 3.7681790315], 1e-9, 'ays-10');
  assert.equal(ten.length, 11);
  assert.equal(ten[10], 0);
  // numpy: exp(interp(linspace(0,1,9), linspace(0,1,11), ln(levels ascending))) reversed, last set to 0
  const eight = [
    14.614641229299998, 5.552527576041544, 2.8668722413060417, 1.5140051523219875, 0.8620721141, 0.5048526254285276,
    0.2976504679801153, 0.13401950140526192, 0,
  ];
  assertClose(schedule('align_your_steps', 8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), eight, 1e-9, 'ays-8');
});

test('lcm and tcd use sgm_uniform over the distilled 50-entry table', () => {
  // numpy: σ at linspace(999, 19, 9)[:-1] interpolated over table[19 + 20k], k = 0..49
  const expected = [
    14.614642143249512, 7.3917938759883794, 4.170772385946911, 2.5628577818185874, 1.6679018174346818,
    1.1138553988778719, 0.7325183138657035, 0.4367247287277275, 0,
  ];
  assertClose(schedule('lcm', 8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), expected, 1e-6, 'lcm-8');
  assert.deepEqual(
    schedule('tcd', 8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX),
    schedule('lcm', 8, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX),
  );
  assert.equal(distilledTimestep(table[999], table), 999);
  assert.equal(distilledTimestep(table[0], table), 19);
  assert.equal(distilledTimestep(table[505], table), 499);
});

test('turbo uses timesteps 999, 899, ... and at most 10 steps', () => {
  assertClose(schedule('turbo', 3, 0, 0), [table[999], table[899], table[799], 0], 1e-6, 'turbo-3');
  assert.equal(schedule('turbo', 20, 0, 0).length, 11);
});

test('sigmaToTimestep interpolates in log sigma and clamps to the table', () => {
  assert.equal(sigmaToTimestep(table[250], table), 250);
  assertClose([sigmaToTimestep(Math.sqrt(table[700] * table[701]), table)], [700.5], 1e-9);
  assert.equal(sigmaToTimestep(0, table), 0);
  assert.equal(sigmaToTimestep(1e-5, table), 0);
  assert.equal(sigmaToTimestep(100, table), 999);
  assertClose([timestepToSigma(sigmaToTimestep(3.3, table), table)], [3.3], 1e-12);
  // Karras-30's second sigma sits just below timestep 975.
  const t = sigmaToTimestep(karrasSigmas(30, table[0], table[999])[1], table);
  assert.ok(t > 974.5 && t < 975, `t = ${t}`);
});

test('every listed scheduler returns a descending schedule ending with 0', () => {
  // Fooocus's eleven and ComfyUI's beta.
  assert.equal(SCHEDULERS.length, 12);
  for (const name of [
    'normal',
    'karras',
    'exponential',
    'sgm_uniform',
    'simple',
    'ddim_uniform',
    'lcm',
    'turbo',
    'align_your_steps',
    'tcd',
    'edm_playground_v2.5',
    'beta',
  ])
    assert.ok(SCHEDULERS.includes(name), name);
  for (const name of SCHEDULERS) {
    for (const steps of [1, 4, 30]) {
      const sigmas = schedule(name, steps, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
      assert.equal(sigmas[sigmas.length - 1], 0, name);
      assert.ok(sigmas.length >= 2, name);
      for (let i = 1; i < sigmas.length; i++) assert.ok(sigmas[i] < sigmas[i - 1], `${name} ${steps} at ${i}`);
    }
  }
});

test('an unknown scheduler name or bad step count throws naming it', () => {
  assert.throws(() => schedule('warp_speed', 10, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), /unknown scheduler 'warp_speed'/);
  assert.throws(() => schedule('toString', 10, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), /unknown scheduler/);
  assert.throws(() => schedule('karras', 0, SDXL_SIGMA_MIN, SDXL_SIGMA_MAX), /steps must be a positive integer/);
  assert.throws(() => karrasSigmas(10, 5, 1), /sigmaMin < sigmaMax/);
});
