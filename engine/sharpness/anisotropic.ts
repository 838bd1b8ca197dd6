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
 * Tensors are one sample, float32 [C,h,w] row-major with C ≤ 4 (an SDXL latent); sums run in
 * float64. The filter runs once per sampling step, so `jointBilateralBlur` is written for speed;
 * joint-bilateral-reference.ts keeps the plain per-pixel form the tests hold it to.
 */
import { expNonPositive } from './exp-non-positive.ts';

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

/** (g − mean)/(std + 1e-5) over all of C,h,w, std unbiased (torch.std_mean's default); into `out` when given. */
export function standardiseGuide(
  guide: ArrayLike<number>,
  out: Float64Array = new Float64Array(guide.length),
): Float64Array {
  const n = guide.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += guide[i];
  mean /= n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (guide[i] - mean) ** 2;
  const std = Math.sqrt(squares / (n - 1)) + STD_EPSILON;
  for (let i = 0; i < n; i++) out[i] = (guide[i] - mean) / std;
  return out;
}

/**
 * The filter's working memory, kept from one call to the next while the shape stays the same
 * (~3.3 MB at 1152×896): the filter runs once per sampling step, and allocating it afresh each
 * time made every call pay page faults and garbage collections for ~3 MB of new typed arrays,
 * which in the engine process cost about as much again as the filter itself. The engine calls
 * the filter from one thread, one call at a time.
 */
interface FilterScratch {
  key: string;
  guide: Float64Array;
  guidePadded: Float64Array;
  inputPadded: Float64Array;
  weights: Float64Array;
  numerator: Float64Array;
  denominator: Float64Array;
}

let scratch: FilterScratch | null = null;

function scratchFor(C: number, H: number, W: number): FilterScratch {
  const key = `${C}x${H}x${W}`;
  if (scratch?.key !== key) {
    const padded = (H + 2 * FILTER_RADIUS) * (W + 2 * FILTER_RADIUS);
    scratch = {
      key,
      guide: new Float64Array(C * H * W),
      // Lanes past C are never written, so they stay 0 for this shape (padInterleaved relies on it).
      guidePadded: new Float64Array(padded * LANES),
      inputPadded: new Float64Array(padded * LANES),
      weights: new Float64Array(padded),
      numerator: new Float64Array(H * W * LANES),
      denominator: new Float64Array(H * W),
    };
  }
  return scratch;
}

/**
 * The shape as int32 values. Callers compute sizes by division (latent = image / 8, C = n / (h·w)),
 * which V8 may hand over as doubles; every index below is built from these, and with a double in
 * them the compiled loops do double arithmetic for each index (measured 1.3–1.7× slower), and keep
 * doing so for later calls. `| 0` makes them small integers whatever their representation.
 */
function smallIntegers(shape: TensorShape): TensorShape {
  const { channels, height, width } = shape;
  if (!Number.isInteger(channels) || !Number.isInteger(height) || !Number.isInteger(width)) {
    throw new Error(`bilateral blur: shape [${channels},${height},${width}] is not made of integers`);
  }
  return { channels: channels | 0, height: height | 0, width: width | 0 };
}

/** Channel slots per pixel in the blur's working copies: SDXL latents have exactly 4. */
const LANES = 4;

/**
 * Copies float [C,h,w] (C ≤ 4) into `out`, float64 [h+12, w+12, 4], channels interleaved, with the
 * reflect border (`reflectIndex`, so axes shorter than the radius fold again, as Fooocus-sized
 * inputs never need). Slots past C stay 0 (never written), which adds exactly 0 to every L1 distance.
 */
function padInterleaved(values: ArrayLike<number>, C: number, H: number, W: number, out: Float64Array): Float64Array {
  const Hp = H + 2 * FILTER_RADIUS;
  const Wp = W + 2 * FILTER_RADIUS;
  const cols = Int32Array.from({ length: Wp }, (_, i) => reflectIndex(i - FILTER_RADIUS, W));
  for (let py = 0; py < Hp; py++) {
    const row = reflectIndex(py - FILTER_RADIUS, H) * W;
    for (let px = 0; px < Wp; px++) {
      for (let c = 0; c < C; c++) out[(py * Wp + px) * LANES + c] = values[c * H * W + row + cols[px]];
    }
  }
  return out;
}

/** Sizes shared by the passes: the image (H, W), the padded row length Wp and the radius r. */
interface Layout {
  H: number;
  W: number;
  Wp: number;
  r: number;
}

/**
 * For one half-window offset o = (oy, ox), oy ≥ 0, flat shift o.y·Wp + o.x:
 * e[P] = space(o)·exp(k·d²), d = Σ_c |g_c(P+o) − g_c(P)|, the whole weight of the pair (P, P+o),
 * over the padded rows r−oy … r+H−1 and the columns that both p and p−o reach.
 */
function pairWeights(
  e: Float64Array,
  g: Float64Array,
  oy: number,
  ox: number,
  space: number,
  { H, W, Wp, r }: Layout,
): void {
  const rangeScale = -0.5 / (SIGMA_COLOR * SIGMA_COLOR);
  const laneShift = (oy * Wp + ox) * LANES;
  // Not Math.max(-ox, 0): at ox = 0 that is −0, on which V8 deoptimises this function (trace-deopt:
  // "minus zero") and recompiles it with less specialised arithmetic.
  const colFrom = r - (ox > 0 ? ox : 0);
  const colTo = r + W + (ox < 0 ? -ox : 0);
  for (let row = (r - oy) * Wp, endRow = (r + H) * Wp; row < endRow; row += Wp) {
    for (let P = row + colFrom, end = row + colTo; P < end; P++) {
      const a = P * LANES;
      const b = a + laneShift;
      const d =
        Math.abs(g[b] - g[a]) +
        Math.abs(g[b + 1] - g[a + 1]) +
        Math.abs(g[b + 2] - g[a + 2]) +
        Math.abs(g[b + 3] - g[a + 3]);
      e[P] = space * expNonPositive(rangeScale * d * d);
    }
  }
}

/** Adds the taps p+o (weight e[p]) and p−o (weight e[p−o]) to every output pixel p's sums. */
function addSymmetricTaps(
  den: Float64Array,
  num: Float64Array,
  x: Float64Array,
  e: Float64Array,
  shift: number,
  { H, W, Wp, r }: Layout,
): void {
  const laneShift = shift * LANES;
  for (let y = 0; y < H; y++) {
    for (let i = 0, P = (y + r) * Wp + r, at = y * W; i < W; i++, P++, at++) {
      const wAhead = e[P];
      const wBehind = e[P - shift];
      den[at] += wAhead + wBehind;
      const ahead = P * LANES + laneShift;
      const behind = P * LANES - laneShift;
      const o = at * LANES;
      num[o] += wAhead * x[ahead] + wBehind * x[behind];
      num[o + 1] += wAhead * x[ahead + 1] + wBehind * x[behind + 1];
      num[o + 2] += wAhead * x[ahead + 2] + wBehind * x[behind + 2];
      num[o + 3] += wAhead * x[ahead + 3] + wBehind * x[behind + 3];
    }
  }
}

/**
 * Joint bilateral blur of `input` guided by `guide` (already standardised); both float [C,h,w]
 * with C ≤ 4 (SDXL latents have 4), result float32 [C,h,w].
 *
 * Offset-major over reflect-padded, channel-interleaved copies, so the inner loops walk rows with
 * no border logic. The range weight of a pair of pixels is symmetric, so one pass over offset o
 * serves the taps o and −o: e[P] = space(o)·exp(k·d(P, P+o)²) over padded positions P is read at p
 * for the tap p+o and at p−o for the tap p−o (the Gaussian is even). That halves the exps, and
 * expNonPositive makes each cheaper. Compared with the per-pixel gather
 * (joint-bilateral-reference.ts) only the exps' last bits and the order of the float64 sums
 * differ; bench/sharpness.bench.ts measures both. The result goes into `out` when given.
 */
export function jointBilateralBlur(
  input: ArrayLike<number>,
  guide: ArrayLike<number>,
  shape: TensorShape,
  out: Float32Array = new Float32Array(input.length),
): Float32Array {
  const { channels: C, height: H, width: W } = smallIntegers(shape);
  const plane = H * W;
  if (input.length !== C * plane || guide.length !== C * plane) {
    throw new Error(
      `bilateral blur: tensors of ${input.length} and ${guide.length} values do not match [${C},${H},${W}]`,
    );
  }
  if (C > LANES) throw new Error(`bilateral blur: ${C} channels; at most ${LANES} are supported (SDXL latents have 4)`);
  const r = FILTER_RADIUS;
  const layout: Layout = { H, W, Wp: W + 2 * r, r };
  const work = scratchFor(C, H, W);
  const g = padInterleaved(guide, C, H, W, work.guidePadded);
  const x = padInterleaved(input, C, H, W, work.inputPadded);
  const gaussian = gaussianKernel1d(FILTER_WINDOW, SIGMA_SPACE);
  const num = work.numerator;
  const den = work.denominator;
  // Every weight the taps read is written first for its offset (pairWeights), so stale values never count.
  const e = work.weights;

  // Centre tap: distance 0, range weight 1.
  const centreWeight = gaussian[r] * gaussian[r];
  den.fill(centreWeight);
  for (let y = 0; y < H; y++) {
    for (let i = 0, P = (y + r) * layout.Wp + r, at = y * W; i < W * LANES; i++)
      num[at * LANES + i] = centreWeight * x[P * LANES + i];
  }
  // Half the window: oy > 0, or oy = 0 and ox > 0.
  for (let oy = 0; oy <= r; oy++) {
    for (let ox = oy === 0 ? 1 : -r; ox <= r; ox++) {
      pairWeights(e, g, oy, ox, gaussian[r + oy] * gaussian[r + ox], layout);
      addSymmetricTaps(den, num, x, e, oy * layout.Wp + ox, layout);
    }
  }

  for (let i = 0; i < plane; i++) for (let c = 0; c < C; c++) out[c * plane + i] = num[i * LANES + c] / den[i];
  return out;
}

/**
 * Fooocus `adaptive_anisotropic_filter(x, g)`: blur x with range weights from standardised g (into `out` when given).
 */
export function adaptiveAnisotropicFilter(
  x: ArrayLike<number>,
  guide: ArrayLike<number>,
  shape: TensorShape,
  out?: Float32Array,
): Float32Array {
  const { channels: C, height: H, width: W } = smallIntegers(shape);
  const standard =
    guide.length === C * H * W ? standardiseGuide(guide, scratchFor(C, H, W).guide) : standardiseGuide(guide);
  return jointBilateralBlur(x, standard, shape, out);
}
