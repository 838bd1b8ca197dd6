/**
 * Pillow's `Image.resize(size, LANCZOS)` for 8-bit images (Fooocus's `resample_image`): separable
 * Lanczos-3 whose support widens with the scale when shrinking (antialiasing), coefficients
 * normalised per output pixel and rounded to 22-bit fixed point, a horizontal pass over only the
 * source rows the vertical pass reads, then the vertical pass; every pass rounds and clips to 0..255
 * as Pillow's `ImagingResample` does, so results match Pillow's pixel for pixel up to float noise.
 * Any channel count (RGBA images, single-channel masks); resizing to the same size copies.
 */

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const LANCZOS_SUPPORT = 3;

/** Interleaved 8-bit pixels, row-major. */
export interface Bitmap8 {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x >= -LANCZOS_SUPPORT && x < LANCZOS_SUPPORT ? sinc(x) * sinc(x / LANCZOS_SUPPORT) : 0;
}

interface Coefficients {
  /** Per output pixel: first source index and how many follow. */
  bounds: Int32Array;
  /** outSize × kernelSize fixed-point weights. */
  weights: Int32Array;
  kernelSize: number;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc over the whole source line. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterScale;
  const kernelSize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * kernelSize);
  const k = new Float64Array(kernelSize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // Pillow truncates toward zero after adding 0.5 (a C int cast).
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - center + 0.5) / filterScale);
      k[x] = w;
      sum += w;
    }
    for (let x = 0; x < kernelSize; x++) {
      const w = x < xmax && sum !== 0 ? k[x] / sum : 0;
      weights[xx * kernelSize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, weights, kernelSize };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return Math.floor(value / ONE);
}

function horizontal(src: Bitmap8, outWidth: number, rowFirst: number, rows: number, c: Coefficients): Bitmap8 {
  const { channels } = src;
  const out = new Uint8Array(outWidth * rows * channels);
  for (let y = 0; y < rows; y++) {
    const srcRow = (y + rowFirst) * src.width * channels;
    const dstRow = y * outWidth * channels;
    for (let xx = 0; xx < outWidth; xx++) {
      const xmin = c.bounds[xx * 2];
      const count = c.bounds[xx * 2 + 1];
      const k = xx * c.kernelSize;
      for (let ch = 0; ch < channels; ch++) {
        let acc = HALF;
        for (let x = 0; x < count; x++) acc += src.data[srcRow + (x + xmin) * channels + ch] * c.weights[k + x];
        out[dstRow + xx * channels + ch] = clip8(acc);
      }
    }
  }
  return { width: outWidth, height: rows, channels, data: out };
}

function vertical(src: Bitmap8, outHeight: number, c: Coefficients, rowShift: number): Bitmap8 {
  const { channels, width } = src;
  const stride = width * channels;
  const out = new Uint8Array(outHeight * stride);
  for (let yy = 0; yy < outHeight; yy++) {
    const ymin = c.bounds[yy * 2] - rowShift;
    const count = c.bounds[yy * 2 + 1];
    const k = yy * c.kernelSize;
    const dstRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let acc = HALF;
      for (let y = 0; y < count; y++) acc += src.data[(y + ymin) * stride + i] * c.weights[k + y];
      out[dstRow + i] = clip8(acc);
    }
  }
  return { width, height: outHeight, channels, data: out };
}

/** Fooocus `resample_image(im, width, height)`: sizes are truncated to integers as `int(width)`. */
export function resampleLanczos(image: Bitmap8, width: number, height: number): Bitmap8 {
  const outWidth = Math.trunc(width);
  const outHeight = Math.trunc(height);
  if (outWidth < 1 || outHeight < 1) throw new RangeError(`cannot resize to ${outWidth}×${outHeight}`);
  if (outWidth === image.width && outHeight === image.height) return { ...image, data: image.data.slice() };
  const isHorizontal = outWidth !== image.width;
  const isVertical = outHeight !== image.height;
  const vert = coefficients(image.height, outHeight);
  let current = image;
  let rowShift = 0;
  if (isHorizontal) {
    // Only the source rows the vertical pass will read.
    const first = isVertical ? vert.bounds[0] : 0;
    const last = isVertical ? vert.bounds[outHeight * 2 - 2] + vert.bounds[outHeight * 2 - 1] : image.height;
    current = horizontal(image, outWidth, first, last - first, coefficients(image.width, outWidth));
    rowShift = first;
  }
  return isVertical ? vertical(current, outHeight, vert, rowShift) : current;
}
