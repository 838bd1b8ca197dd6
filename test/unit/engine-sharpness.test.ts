/**
 * Fooocus's guidance maths as pure functions (fooocus-semantics.md §4.4, §4.5, §4.7): the
 * anisotropic (joint bilateral) filter against an independent unfold-style implementation and
 * hand-computed values, the sharpness weight and blend, adaptive CFG, ADM sizes and switch.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adaptiveAnisotropicFilter,
  gaussianKernel1d,
  jointBilateralBlur,
  reflectIndex,
  standardiseGuide,
} from '../../engine/sharpness/anisotropic.ts';
import { sharpenConditionalEps, sharpnessWeight } from '../../engine/sharpness/sharpness.ts';
import { consistentTimeIds, emphasizedTimeIds, isAdmEmphasized, roundTo64 } from '../../engine/unet/adm.ts';
import { applyGuidance, isCfgOne, progressOf } from '../../engine/unet/guidance.ts';

/** Seeded values in [−2, 2) (a small LCG; the numbers only need to be varied and reproducible). */
function values(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 4 - 2;
  });
}

/**
 * Reference written the way kornia/Fooocus phrase it, sharing no code with the engine: torch
 * 'reflect' padding, 13×13 patches, a 2-D Gaussian normalised over the whole window (equal to the
 * product of two normalised 1-D ones), range weights from the standardised guide (mean and
 * unbiased variance via Σg² − n·mean²), weighted mean per channel.
 */
function referenceFilter(x: Float32Array, g: Float32Array, C: number, H: number, W: number): Float64Array {
  const n = g.length;
  const mean = g.reduce((a, v) => a + v, 0) / n;
  const variance = (g.reduce((a, v) => a + v * v, 0) - n * mean * mean) / (n - 1);
  const std = Math.sqrt(variance) + 1e-5;
  const guide = Array.from(g, (v) => (v - mean) / std);
  const pad = 6;
  const mirror = (i: number, len: number) => (i < 0 ? -i : i >= len ? 2 * (len - 1) - i : i);
  const kernel: number[][] = [];
  let total = 0;
  for (let dy = -pad; dy <= pad; dy++) {
    const row: number[] = [];
    for (let dx = -pad; dx <= pad; dx++) {
      const v = Math.exp(-(dx * dx + dy * dy) / (2 * 3 * 3));
      row.push(v);
      total += v;
    }
    kernel.push(row);
  }
  const out = new Float64Array(C * H * W);
  for (let y = 0; y < H; y++) {
    for (let x0 = 0; x0 < W; x0++) {
      let weightSum = 0;
      const acc = new Array<number>(C).fill(0);
      for (let dy = -pad; dy <= pad; dy++) {
        for (let dx = -pad; dx <= pad; dx++) {
          const ny = mirror(y + dy, H);
          const nx = mirror(x0 + dx, W);
          let l1 = 0;
          for (let c = 0; c < C; c++) l1 += Math.abs(guide[(c * H + ny) * W + nx] - guide[(c * H + y) * W + x0]);
          const w = (kernel[dy + pad][dx + pad] / total) * Math.exp((-0.5 / (3 * 3)) * l1 ** 2);
          weightSum += w;
          for (let c = 0; c < C; c++) acc[c] += x[(c * H + ny) * W + nx] * w;
        }
      }
      for (let c = 0; c < C; c++) out[(c * H + y) * W + x0] = acc[c] / weightSum;
    }
  }
  return out;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, label = ''): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `${label}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

test('mirrors indices like torch reflect padding (edge pixel not repeated)', () => {
  assert.deepEqual(
    [-6, -2, -1, 0, 1, 9, 10, 11, 15].map((i) => reflectIndex(i, 10)),
    [6, 2, 1, 0, 1, 9, 8, 7, 3],
  );
  assert.deepEqual(
    [-3, -1, 2, 3, 4].map((i) => reflectIndex(i, 3)),
    [1, 1, 2, 1, 0],
    'folds again below the window radius',
  );
  assert.equal(reflectIndex(5, 1), 0);
});

test('builds the σ=3 Gaussian over offsets −6..6 normalised to 1 and standardises the guide with the unbiased std', () => {
  const k = gaussianKernel1d(13, 3);
  const total = 7.298054628114605; // Σ_{k=−6..6} e^{−k²/18}, computed by hand
  assertClose(
    k,
    Array.from({ length: 13 }, (_, i) => Math.exp(-((i - 6) ** 2) / 18) / total),
    1e-15,
  );
  // g = 1,2,3,4: mean 2.5, unbiased std √(5/3).
  const s = Math.sqrt(5 / 3) + 1e-5;
  assertClose(standardiseGuide([1, 2, 3, 4]), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], 1e-15);
});

test('with a flat guide the filter is the normalised Gaussian blur: an impulse keeps 1/7.2981² at its centre', () => {
  const H = 13;
  const W = 13;
  const impulse = new Float32Array(H * W);
  impulse[6 * W + 6] = 1;
  const flat = new Float32Array(H * W).fill(0.5);
  const out = jointBilateralBlur(impulse, standardiseGuide(flat), { channels: 1, height: H, width: W });
  assert.ok(Math.abs(out[6 * W + 6] - 0.018775252237269734) < 1e-8, String(out[6 * W + 6]));
  const k = 0.13702281648422548;
  assert.ok(Math.abs(out[6 * W + 8] - k * k * Math.exp(-4 / 18)) < 1e-8, 'two columns right: g(0)·g(2)');
  // A constant input stays constant whatever the guide.
  const constant = jointBilateralBlur(new Float32Array(4 * 9 * 9).fill(0.25), values(4 * 9 * 9, 3), {
    channels: 4,
    height: 9,
    width: 9,
  });
  assertClose(constant, new Float32Array(constant.length).fill(0.25), 1e-7);
});

test('matches an independent unfold-style implementation on a 4×9×11 latent with a varied guide', () => {
  const shape = { channels: 4, height: 9, width: 11 };
  const x = values(4 * 9 * 11, 1);
  const g = values(4 * 9 * 11, 2);
  const out = adaptiveAnisotropicFilter(x, g, shape);
  assertClose(out, referenceFilter(x, g, 4, 9, 11), 2e-6);
  // The guide really steers the weights: a flat guide gives a plain Gaussian blur instead.
  const plain = adaptiveAnisotropicFilter(x, new Float32Array(g.length).fill(1), shape);
  assert.ok(out.some((v, i) => Math.abs(v - plain[i]) > 1e-3));
});

test('sharpness weight is 0.001·sharpness·progress and blends the filtered conditional ε', () => {
  assert.equal(sharpnessWeight(2, 1), 0.002);
  assert.equal(sharpnessWeight(30, 0.5), 0.015);
  assert.equal(sharpnessWeight(0, 0.7), 0);
  assert.equal(sharpnessWeight(2, progressOf(999)), 0);
  const shape = { channels: 4, height: 8, width: 8 };
  const eps = values(256, 5);
  const x0 = values(256, 6);
  assert.equal(sharpenConditionalEps(eps, x0, 0, shape), eps, 'α = 0 returns ε_c untouched');
  const alpha = 0.03;
  const reference = referenceFilter(eps, x0, 4, 8, 8);
  assertClose(
    sharpenConditionalEps(eps, x0, alpha, shape),
    Array.from(eps, (v, i) => reference[i] * alpha + v * (1 - alpha)),
    2e-6,
  );
});

test('adaptive CFG: plain CFG at or below adaptive_cfg, real·p + mimic·(1−p) above it', () => {
  const u = Float32Array.from([0, 1]);
  const c = Float32Array.from([1, 3]);
  assert.deepEqual([...applyGuidance(u, c, 4, 7, 0.25)], [4, 9]);
  assert.deepEqual([...applyGuidance(u, c, 7, 7, 0.25)], [7, 15], 'equal to adaptive_cfg is not above it');
  // cfg 10 > 7: real = (10, 21), mimic = (7, 15); p = 0.25 → 0.25·real + 0.75·mimic.
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 0.25)], [7.75, 16.5]);
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 0)], [7, 15]);
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 1)], [10, 21]);
  assert.equal(progressOf(999), 0);
  assert.equal(progressOf(0), 1);
  assert.equal(progressOf(700), 1 - 700 / 999);
});

test('cfg 1 is detected as Python math.isclose(cfg, 1.0) does', () => {
  assert.equal(isCfgOne(1), true);
  assert.equal(isCfgOne(1 + 1e-12), true);
  assert.equal(isCfgOne(1.01), false);
  assert.equal(isCfgOne(4), false);
});

test('ADM: targets rounded to 64 half-to-even as Python round, originals truncated, switch on t > 999·(1−end)', () => {
  assert.deepEqual(
    [160, 96, 224, 1056, 1000, 760, 32, 1152, 896].map(roundTo64),
    [128, 128, 256, 1024, 1024, 768, 0, 1152, 896],
  );
  assert.deepEqual(emphasizedTimeIds(1152, 896, 1.5), [1344, 1728, 0, 0, 896, 1152]);
  assert.deepEqual(emphasizedTimeIds(1152, 896, 0.8), [716, 921, 0, 0, 896, 1152]);
  assert.deepEqual(emphasizedTimeIds(160, 96, 1.5), [144, 240, 0, 0, 128, 128]);
  assert.deepEqual(consistentTimeIds(160, 96), [128, 128, 0, 0, 128, 128]);
  assert.deepEqual(
    [700, 699].map((t) => isAdmEmphasized(t, 0.3)),
    [true, false],
  );
  assert.deepEqual(
    [500, 499].map((t) => isAdmEmphasized(t, 0.5)),
    [true, false],
  );
  assert.deepEqual(
    [1, 0].map((t) => isAdmEmphasized(t, 1)),
    [true, false],
    'end 1: every t but 0',
  );
  assert.equal(isAdmEmphasized(999, 0), false, 'end 0: never');
});
