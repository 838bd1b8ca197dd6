/**
 * The engine's offset-major joint bilateral blur (engine/sharpness/anisotropic.ts) against the
 * per-pixel gather form it replaced (engine/sharpness/joint-bilateral-reference.ts), on seeded
 * inputs of every shape class: larger than the 13×13 window, smaller than it (the reflect border
 * folds again), one-pixel rows, columns and images, and 1–4 channels. Also the table exp it uses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  adaptiveAnisotropicFilter,
  jointBilateralBlur,
  standardiseGuide,
  type TensorShape,
} from '../../engine/sharpness/anisotropic.ts';
import { expNonPositive } from '../../engine/sharpness/exp-non-positive.ts';
import { jointBilateralBlurReference } from '../../engine/sharpness/joint-bilateral-reference.ts';

/** Seeded values in [−scale, scale) (an LCG; they only need to be varied and reproducible). */
function values(count: number, seed: number, scale = 2): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return ((state / 2 ** 32) * 2 - 1) * scale;
  });
}

/** Largest |a − b| over the output, as a fraction of the reference output's range (1 when flat). */
function worstRelativeDifference(actual: Float32Array, expected: Float32Array): number {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    low = Math.min(low, expected[i]);
    high = Math.max(high, expected[i]);
  }
  return worst / (high - low || 1);
}

const SHAPES: [string, TensorShape][] = [
  ['a 4×40×52 latent', { channels: 4, height: 40, width: 52 }],
  ['a 4×13×13 latent (exactly the window)', { channels: 4, height: 13, width: 13 }],
  ['a 4×5×7 latent (below the window radius)', { channels: 4, height: 5, width: 7 }],
  ['a 4×7×3 latent', { channels: 4, height: 7, width: 3 }],
  ['a one-row 4×1×9 latent', { channels: 4, height: 1, width: 9 }],
  ['a one-column 4×9×1 latent', { channels: 4, height: 9, width: 1 }],
  ['a one-pixel 4×1×1 latent', { channels: 4, height: 1, width: 1 }],
  ['a 1-channel 1×11×6 image', { channels: 1, height: 11, width: 6 }],
  ['a 2-channel 2×6×9 image', { channels: 2, height: 6, width: 9 }],
  ['a 3-channel 3×14×5 image', { channels: 3, height: 14, width: 5 }],
];

for (const [label, shape] of SHAPES) {
  test(`matches the per-pixel gather within 1e-6 of the output range on ${label}`, () => {
    const size = shape.channels * shape.height * shape.width;
    for (const seed of [1, 7]) {
      const x = values(size, seed);
      // A wide-range guide too: after standardising it still spreads the distances, exercising small and tiny weights.
      const guide = standardiseGuide(values(size, seed + 100, seed === 1 ? 2 : 50));
      const fast = jointBilateralBlur(x, guide, shape);
      const reference = jointBilateralBlurReference(x, guide, shape);
      const worst = worstRelativeDifference(fast, reference);
      assert.ok(worst <= 1e-6, `seed ${seed}: worst difference ${worst} of the range`);
    }
  });
}

test('a guide with far-apart values (range weights below e^−40, where the exp table hands over to Math.exp) still matches', () => {
  const shape = { channels: 4, height: 9, width: 10 };
  const x = values(360, 3);
  // A checkerboard of ±5 (taken as already standardised): neighbour distances up to 40, exponents down to −89.
  const guide = Float64Array.from(
    { length: 360 },
    (_, i) => (((i % 10) + Math.floor(i / 10)) % 2 ? 5 : -5) + 0.01 * (i % 7),
  );
  const worst = worstRelativeDifference(
    jointBilateralBlur(x, guide, shape),
    jointBilateralBlurReference(x, guide, shape),
  );
  assert.ok(worst <= 1e-6, String(worst));
});

test('adaptiveAnisotropicFilter on a 1152×896 latent (4×112×144) equals the gather on the standardised guide', () => {
  const shape = { channels: 4, height: 112, width: 144 };
  const x = values(4 * 112 * 144, 11);
  const guide = values(4 * 112 * 144, 12);
  const worst = worstRelativeDifference(
    adaptiveAnisotropicFilter(x, guide, shape),
    jointBilateralBlurReference(x, standardiseGuide(guide), shape),
  );
  assert.ok(worst <= 1e-6, String(worst));
});

test('a single value has no unbiased std, so both forms give NaN (torch.std of one element)', () => {
  const shape = { channels: 1, height: 1, width: 1 };
  const x = Float32Array.of(0.5);
  const guide = standardiseGuide([0.25]);
  assert.ok(Number.isNaN(jointBilateralBlur(x, guide, shape)[0]));
  assert.ok(Number.isNaN(jointBilateralBlurReference(x, guide, shape)[0]));
});

test('rejects more than 4 channels and tensors that do not fill the shape, naming the sizes', () => {
  const five = { channels: 5, height: 2, width: 2 };
  assert.throws(() => jointBilateralBlur(new Float32Array(20), new Float32Array(20), five), /5 channels; at most 4/);
  assert.throws(
    () => jointBilateralBlur(new Float32Array(15), new Float32Array(16), { channels: 4, height: 2, width: 2 }),
    /15 and 16 values do not match \[4,2,2\]/,
  );
});

test('expNonPositive is within 1e-15 relative of Math.exp on [−40, 0] and defers to it beyond', () => {
  let worst = 0;
  for (let i = 0; i <= 400_000; i++) {
    const v = -i / 10_000 - (i % 3) * 1.37e-6;
    worst = Math.max(worst, Math.abs(expNonPositive(v) - Math.exp(v)) / Math.exp(v));
  }
  assert.ok(worst <= 1e-15, String(worst));
  assert.equal(expNonPositive(0), 1);
  assert.equal(expNonPositive(-0), 1);
  for (const v of [-40.000001, -89.5, -745.2, -1e6, -Infinity]) assert.equal(expNonPositive(v), Math.exp(v), String(v));
  assert.ok(Number.isNaN(expNonPositive(Number.NaN)));
});
