/**
 * The straightforward per-pixel gather form of the joint bilateral blur, kept as the readable
 * reference that test/unit/engine-sharpness-filter.test.ts and bench/sharpness.bench.ts compare
 * the fast `jointBilateralBlur` (anisotropic.ts) with. Same maths, same float64 sums, same
 * reflect folding; only the order of the 169 taps' additions differs from the fast form.
 * It is 3–8× slower than the engine's form (bench/sharpness.bench.ts), so the engine does not call it.
 */
import {
  FILTER_RADIUS,
  FILTER_WINDOW,
  SIGMA_COLOR,
  SIGMA_SPACE,
  gaussianKernel1d,
  reflectIndex,
  type TensorShape,
} from './anisotropic.ts';

/** For each output position along an axis, the source index of each of the window's taps. */
function tapIndices(n: number): Int32Array {
  const taps = new Int32Array(n * FILTER_WINDOW);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < FILTER_WINDOW; k++) taps[p * FILTER_WINDOW + k] = reflectIndex(p + k - FILTER_RADIUS, n);
  }
  return taps;
}

/**
 * Joint bilateral blur of `input` guided by `guide` (already standardised); both float [C,h,w], result float32 [C,h,w].
 */
export function jointBilateralBlurReference(
  input: ArrayLike<number>,
  guide: ArrayLike<number>,
  shape: TensorShape,
): Float32Array {
  const { channels: C, height: H, width: W } = shape;
  const plane = H * W;
  if (input.length !== C * plane || guide.length !== C * plane) {
    throw new Error(
      `bilateral blur: tensors of ${input.length} and ${guide.length} values do not match [${C},${H},${W}]`,
    );
  }
  const g1 = gaussianKernel1d(FILTER_WINDOW, SIGMA_SPACE);
  const space = new Float64Array(FILTER_WINDOW * FILTER_WINDOW);
  for (let ky = 0; ky < FILTER_WINDOW; ky++)
    for (let kx = 0; kx < FILTER_WINDOW; kx++) space[ky * FILTER_WINDOW + kx] = g1[ky] * g1[kx];
  const rows = tapIndices(H);
  const cols = tapIndices(W);
  const rangeScale = -0.5 / (SIGMA_COLOR * SIGMA_COLOR);
  const out = new Float32Array(C * plane);
  const centre = new Float64Array(C);
  const sums = new Float64Array(C);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const at = y * W + x;
      for (let c = 0; c < C; c++) {
        centre[c] = guide[c * plane + at];
        sums[c] = 0;
      }
      let weightSum = 0;
      for (let ky = 0; ky < FILTER_WINDOW; ky++) {
        const rowOffset = rows[y * FILTER_WINDOW + ky] * W;
        for (let kx = 0; kx < FILTER_WINDOW; kx++) {
          const neighbour = rowOffset + cols[x * FILTER_WINDOW + kx];
          let distance = 0;
          for (let c = 0; c < C; c++) distance += Math.abs(guide[c * plane + neighbour] - centre[c]);
          const w = space[ky * FILTER_WINDOW + kx] * Math.exp(rangeScale * distance * distance);
          weightSum += w;
          for (let c = 0; c < C; c++) sums[c] += input[c * plane + neighbour] * w;
        }
      }
      for (let c = 0; c < C; c++) out[c * plane + at] = sums[c] / weightSum;
    }
  }
  return out;
}
