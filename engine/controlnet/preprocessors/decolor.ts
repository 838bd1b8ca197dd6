/**
 * OpenCV's `cv2.decolor` (Lu, Xu & Jia, "Contrast Preserving Decolorization", ICCP 2012), which
 * CPDS needs and OpenCV's WebAssembly builds leave out (its `photo` module ships without it).
 * Written from the paper and OpenCV's documented behaviour (Apache-2.0 library):
 *  1. on a copy shrunk so width + height ≤ 400 (bilinear), take the colour contrast δ of each
 *     horizontal and vertical neighbour pair (Lab distance / 100) and each pair's differences of
 *     the 9 monomials R^r·G^g·B^b with 1 ≤ r+g+b ≤ 2;
 *  2. find weights w of those monomials so the gray differences match ±δ: starting at 0.33 on
 *     R, G, B, iterate w = (PPᵀ)⁻¹ P·(δ ∘ E) where E weighs the + and − choice by a Gaussian
 *     (σ 0.02) of the mismatch and a prior α (+1 / −1 where all three channels rise / fall by more
 *     than 0.05), at most 16 rounds or until the energy changes by ≤ 1e-4;
 *  3. gray = Σ w·monomials on the full image, min–max normalised to 0..255 (`density`);
 *  4. `boost`: the 8-bit image in Lab with L replaced by the gray, back to RGB.
 * Channel order: OpenCV reads the array as BGR. Fooocus hands it RGB, so the first channel is
 * taken as blue, as there; the caller passes Fooocus's array order and gets boost in the same order.
 */
import { resizeLinear, type ByteImage, type FloatImage } from './cv-resize.ts';
import { lab8ToRgb, rgbToLab, rgbToLab8 } from './lab-color.ts';

const ORDER = 2;
const SIGMA = 0.02;
const MAX_ITERATIONS = 15;
const TOLERANCE = 1e-4;
const LEVEL = 0.05;

/** (r, g, b) exponents in OpenCV's loop order. */
const MONOMIALS: [number, number, number][] = [];
for (let r = 0; r <= ORDER; r++)
  for (let g = 0; g <= ORDER; g++)
    for (let b = 0; b <= ORDER; b++) if (r + g + b > 0 && r + g + b <= ORDER) MONOMIALS.push([r, g, b]);

/** Forward differences I(x) − I(x+1) (last column 0), then I(y) − I(y+1) (last row 0). */
function gradients(plane: Float64Array, width: number, height: number): Float64Array {
  const out = new Float64Array(2 * width * height);
  const offset = width * height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      out[i] = x < width - 1 ? plane[i] - plane[i + 1] : 0;
      out[offset + i] = y < height - 1 ? plane[i] - plane[i + width] : 0;
    }
  }
  return out;
}

/** Planes (R, G, B) in 0..1 of an image whose channel 2 is red, 1 green, 0 blue (OpenCV's BGR view). */
function planes(image: FloatImage): [Float64Array, Float64Array, Float64Array] {
  const n = image.width * image.height;
  const r = new Float64Array(n);
  const g = new Float64Array(n);
  const b = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    b[p] = image.data[p * 3];
    g[p] = image.data[p * 3 + 1];
    r[p] = image.data[p * 3 + 2];
  }
  return [r, g, b];
}

function monomial(
  rgb: [Float64Array, Float64Array, Float64Array],
  [er, eg, eb]: [number, number, number],
): Float64Array {
  const [r, g, b] = rgb;
  return r.map((v, p) => v ** er * g[p] ** eg * b[p] ** eb);
}

/** Solves A·X = B for a small dense A (n×n) and B (n×m) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array[], b: Float64Array[]): Float64Array[] {
  const n = a.length;
  const A = a.map((row) => Float64Array.from(row));
  const B = b.map((row) => Float64Array.from(row));
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(A[row][col]) > Math.abs(A[pivot][col])) pivot = row;
    [A[col], A[pivot]] = [A[pivot], A[col]];
    [B[col], B[pivot]] = [B[pivot], B[col]];
    const d = A[col][col];
    if (Math.abs(d) < 1e-300) continue;
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = A[row][col] / d;
      if (factor === 0) continue;
      for (let k = col; k < n; k++) A[row][k] -= factor * A[col][k];
      const target = B[row];
      const source = B[col];
      for (let k = 0; k < target.length; k++) target[k] -= factor * source[k];
    }
  }
  return B.map((row, i) => row.map((v) => (Math.abs(A[i][i]) < 1e-300 ? 0 : v / A[i][i])));
}

/** The monomial weights (step 2) for the float image in 0..1. */
export function decolorWeights(image: FloatImage): number[] {
  const sum = image.width + image.height;
  const small =
    sum > 800
      ? resizeLinear(image, Math.trunc((image.width * 400) / sum + 0.5), Math.trunc((image.height * 400) / sum + 0.5))
      : image;
  const { width, height } = small;
  const n = width * height;
  const lab: [Float64Array, Float64Array, Float64Array] = [
    new Float64Array(n),
    new Float64Array(n),
    new Float64Array(n),
  ];
  for (let p = 0; p < n; p++) {
    const [L, A, B] = rgbToLab(small.data[p * 3 + 2], small.data[p * 3 + 1], small.data[p * 3]);
    lab[0][p] = L;
    lab[1][p] = A;
    lab[2][p] = B;
  }
  const [gL, gA, gB] = lab.map((plane) => gradients(plane, width, height));
  const contrast = gL.map((v, i) => Math.sqrt(v * v + gA[i] * gA[i] + gB[i] * gB[i]) / 100);
  const rgb = planes(small);
  const [gR, gG, gBl] = rgb.map((plane) => gradients(plane, width, height));
  const prior = gR.map(
    (v, i) =>
      (v > LEVEL && gG[i] > LEVEL && gBl[i] > LEVEL ? 1 : 0) -
      (v < -LEVEL && gG[i] < -LEVEL && gBl[i] < -LEVEL ? 1 : 0),
  );
  const poly = MONOMIALS.map((m) => gradients(monomial(rgb, m), width, height));
  const m = poly.length;
  const dot = (u: Float64Array, v: Float64Array) => {
    let acc = 0;
    for (let k = 0; k < u.length; k++) acc += u[k] * v[k];
    return acc;
  };
  const gram = poly.map((pi) => Float64Array.from(poly, (pj) => dot(pi, pj)));
  const update = solve(
    gram,
    poly.map((pi) => pi.map((v, k) => v * contrast[k])),
  );
  let weights: number[] = MONOMIALS.map(([r, g, b]) => (r + g + b === 1 ? 0.33 : 0));
  const mismatch = () => {
    const out = new Float64Array(contrast.length);
    for (let j = 0; j < m; j++) for (let k = 0; k < out.length; k++) out[k] += poly[j][k] * weights[j];
    return out;
  };
  let energy = 0;
  let previous = Infinity;
  for (let iteration = 1; Math.abs(energy - previous) > TOLERANCE; iteration++) {
    previous = energy;
    const gray = mismatch();
    const term = new Float64Array(gray.length);
    for (let k = 0; k < gray.length; k++) {
      const minus = gray[k] - contrast[k];
      const plus = gray[k] + contrast[k];
      const pos = ((1 + prior[k]) / 2) * Math.exp((-0.5 * minus * minus) / (SIGMA * SIGMA));
      const neg = ((1 - prior[k]) / 2) * Math.exp((-0.5 * plus * plus) / (SIGMA * SIGMA));
      const total = pos + neg;
      term[k] = (pos - neg) / (total === 0 ? 1 : total);
    }
    weights = update.map((row) => dot(row, term));
    const after = mismatch();
    let sumEnergy = 0;
    for (let k = 0; k < after.length; k++) {
      const minus = after[k] - contrast[k];
      const plus = after[k] + contrast[k];
      sumEnergy += -Math.log(Math.exp((-minus * minus) / SIGMA) + Math.exp((-plus * plus) / SIGMA));
    }
    energy = sumEnergy / after.length;
    if (iteration > MAX_ITERATIONS) break;
  }
  return weights;
}

/** Σ w·R^r·G^g·B^b per pixel, the 9 monomials written out (MONOMIALS order). */
function grayOf(weights: readonly number[], [r, g, b]: [Float64Array, Float64Array, Float64Array]): Float64Array {
  const index = (er: number, eg: number, eb: number) =>
    MONOMIALS.findIndex(([a, c, d]) => a === er && c === eg && d === eb);
  const [wB, wBB, wG, wGB, wGG, wR, wRB, wRG, wRR] = [
    [0, 0, 1],
    [0, 0, 2],
    [0, 1, 0],
    [0, 1, 1],
    [0, 2, 0],
    [1, 0, 0],
    [1, 0, 1],
    [1, 1, 0],
    [2, 0, 0],
  ].map(([a, c, d]) => weights[index(a, c, d)]);
  const gray = new Float64Array(r.length);
  for (let p = 0; p < gray.length; p++) {
    const R = r[p];
    const G = g[p];
    const B = b[p];
    gray[p] =
      wB * B + wBB * B * B + wG * G + wGB * G * B + wGG * G * G + wR * R + wRB * R * B + wRG * R * G + wRR * R * R;
  }
  return gray;
}

/** `density, boost = cv2.decolor(image)` for an 8-bit 3-channel image. */
export function decolor(image: ByteImage): { density: Uint8Array; boost: ByteImage } {
  const { width, height } = image;
  const float: FloatImage = { width, height, channels: 3, data: Float32Array.from(image.data, (v) => v / 255) };
  const weights = decolorWeights(float);
  const gray = grayOf(weights, planes(float));
  let min = Infinity;
  let max = -Infinity;
  for (const v of gray) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  const density = Uint8Array.from(gray, (v) =>
    Math.min(255, Math.max(0, Math.round(range > 0 ? ((v - min) / range) * 255 : 0))),
  );
  const boost = new Uint8Array(image.data.length);
  // Images repeat colours: the Lab round trip is cached per (colour, density).
  const cache = new Map<number, number>();
  for (let p = 0; p < density.length; p++) {
    // OpenCV's view: channel 2 red, 0 blue.
    const key = ((image.data[p * 3 + 2] * 256 + image.data[p * 3 + 1]) * 256 + image.data[p * 3]) * 256 + density[p];
    let packed = cache.get(key);
    if (packed === undefined) {
      const [, a, b] = rgbToLab8(image.data[p * 3 + 2], image.data[p * 3 + 1], image.data[p * 3]);
      const [r, g, bl] = lab8ToRgb(density[p], a, b);
      packed = (r * 256 + g) * 256 + bl;
      if (cache.size < 1 << 20) cache.set(key, packed);
    }
    boost[p * 3] = packed & 255;
    boost[p * 3 + 1] = (packed >> 8) & 255;
    boost[p * 3 + 2] = packed >> 16;
  }
  return { density, boost: { width, height, channels: 3, data: boost } };
}
