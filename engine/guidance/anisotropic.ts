/**
 * Fooocus's "anisotropic" filter behind the sharpness setting (fooocus-semantics.md §4.5): a joint
 * bilateral blur of one latent-shaped tensor, with the edge-stopping (range) weights taken from a
 * second tensor, the guide, standardised per sample first.
 *
 * - window 13×13, reflect padding 6 (mirror without repeating the edge pixel, torch 'reflect');
 * - space weight: outer product of two 1-D Gaussians, σ = 3, offsets −6..6, each normalised to sum 1;
 * - range weight: exp(−½·d²/σc²), σc = 3, d = Σ_channels |guide(neighbour) − guide(centre)| (L1, then squared);
 * - output = Σ input·w / Σ w, per channel.
 *
 * Tensors are one sample, float32 [C,h,w] row-major; sums run in float64.
 */

export const FILTER_WINDOW = 13;
export const FILTER_RADIUS = (FILTER_WINDOW - 1) / 2;
export const SIGMA_SPACE = 3;
export const SIGMA_COLOR = 3;
/** Added to the guide's standard deviation before dividing (Fooocus `s + 1e-5`). */
export const STD_EPSILON = 1e-5;

export interface TensorShape {
  channels: number;
  height: number;
  width: number;
}

/** Normalised 1-D Gaussian over offsets −⌊size/2⌋..⌊size/2⌋ (kornia `gaussian`, odd sizes). */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  const half = Math.floor(size / 2);
  const kernel = new Float64Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    kernel[i] = Math.exp(-((i - half) ** 2) / (2 * sigma * sigma));
    sum += kernel[i];
  }
  for (let i = 0; i < size; i++) kernel[i] /= sum;
  return kernel;
}

/**
 * torch 'reflect' index for position i of an axis of length n. torch refuses a pad ≥ n; latents
 * that small (below 56 px) would make Fooocus fail, so here the mirror simply folds again.
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

/** (g − mean)/(std + 1e-5) over all of C,h,w, std unbiased (torch.std_mean's default). */
export function standardiseGuide(guide: ArrayLike<number>): Float64Array {
  const n = guide.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += guide[i];
  mean /= n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (guide[i] - mean) ** 2;
  const std = Math.sqrt(squares / (n - 1)) + STD_EPSILON;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (guide[i] - mean) / std;
  return out;
}

/** For each output position along an axis, the source index of each of the window's taps. */
function tapIndices(n: number): Int32Array {
  const taps = new Int32Array(n * FILTER_WINDOW);
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < FILTER_WINDOW; k++) taps[p * FILTER_WINDOW + k] = reflectIndex(p + k - FILTER_RADIUS, n);
  }
  return taps;
}

/**
 * Joint bilateral blur of `input` guided by `guide` (already standardised); both [C,h,w].
 * Cost: 169 taps × C per pixel; a 1024² image's 128² latent takes about 100–150 ms on one core.
 */
export function jointBilateralBlur(input: ArrayLike<number>, guide: ArrayLike<number>, shape: TensorShape): Float32Array {
  const { channels: C, height: H, width: W } = shape;
  const plane = H * W;
  if (input.length !== C * plane || guide.length !== C * plane) {
    throw new Error(`bilateral blur: tensors of ${input.length} and ${guide.length} values do not match [${C},${H},${W}]`);
  }
  const g1 = gaussianKernel1d(FILTER_WINDOW, SIGMA_SPACE);
  const space = new Float64Array(FILTER_WINDOW * FILTER_WINDOW);
  for (let ky = 0; ky < FILTER_WINDOW; ky++) for (let kx = 0; kx < FILTER_WINDOW; kx++) space[ky * FILTER_WINDOW + kx] = g1[ky] * g1[kx];
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

/** Fooocus `adaptive_anisotropic_filter(x, g)`: blur x with range weights from standardised g. */
export function adaptiveAnisotropicFilter(x: ArrayLike<number>, guide: ArrayLike<number>, shape: TensorShape): Float32Array {
  return jointBilateralBlur(x, standardiseGuide(guide), shape);
}
