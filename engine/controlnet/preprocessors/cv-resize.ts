/**
 * The two OpenCV `cv2.resize` modes Fooocus's preprocessors call (fooocus-semantics.md §8.1–8.2),
 * written from OpenCV's documented behaviour (Apache-2.0 library; no Fooocus code):
 *  - INTER_AREA on 8-bit images when shrinking: each output pixel is the overlap-weighted mean of
 *    the source cells it covers (OpenCV's `computeResizeAreaTab`), rounded to the nearest integer;
 *  - INTER_LINEAR on float images: half-pixel centres, src = (dst + 0.5)·scale − 0.5, edge samples
 *    clamped (OpenCV's convention), no antialiasing when shrinking.
 * Images are interleaved, row-major, any channel count.
 */

export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

export interface ByteImage {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

interface AreaTap {
  dst: number;
  src: number;
  weight: number;
}

/** OpenCV's area table along one axis: the source cells and fractions each destination cell covers. */
function areaTaps(sourceSize: number, targetSize: number): AreaTap[] {
  const scale = sourceSize / targetSize;
  const taps: AreaTap[] = [];
  for (let d = 0; d < targetSize; d++) {
    const f1 = d * scale;
    const f2 = f1 + scale;
    const cell = Math.min(scale, sourceSize - f1);
    const s2 = Math.min(Math.floor(f2), sourceSize - 1);
    const s1 = Math.min(Math.ceil(f1), s2);
    if (s1 - f1 > 1e-3) taps.push({ dst: d, src: s1 - 1, weight: (s1 - f1) / cell });
    for (let s = s1; s < s2; s++) taps.push({ dst: d, src: s, weight: 1 / cell });
    if (f2 - s2 > 1e-3) taps.push({ dst: d, src: s2, weight: Math.min(f2 - s2, 1, cell) / cell });
  }
  return taps;
}

/** `cv2.resize(x, (width, height), interpolation=cv2.INTER_AREA)` for a shrink (or same size). */
export function resizeArea(image: ByteImage, width: number, height: number): ByteImage {
  const { channels: c } = image;
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  if (width > image.width || height > image.height) throw new RangeError('resizeArea only shrinks');
  const xTaps = areaTaps(image.width, width);
  const yTaps = areaTaps(image.height, height);
  // Horizontal pass into float rows, then vertical; one rounding at the end.
  const rows = new Float64Array(image.height * width * c);
  for (let y = 0; y < image.height; y++) {
    const src = y * image.width * c;
    const dst = y * width * c;
    for (const tap of xTaps)
      for (let k = 0; k < c; k++) rows[dst + tap.dst * c + k] += image.data[src + tap.src * c + k] * tap.weight;
  }
  const acc = new Float64Array(width * height * c);
  const stride = width * c;
  for (const tap of yTaps) {
    const src = tap.src * stride;
    const dst = tap.dst * stride;
    for (let i = 0; i < stride; i++) acc[dst + i] += rows[src + i] * tap.weight;
  }
  const data = new Uint8Array(acc.length);
  for (let i = 0; i < acc.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(acc[i])));
  return { width, height, channels: c, data };
}

interface LinearTap {
  i0: number;
  i1: number;
  f: number;
}

function linearTaps(sourceSize: number, targetSize: number): LinearTap[] {
  const scale = sourceSize / targetSize;
  const taps: LinearTap[] = [];
  for (let d = 0; d < targetSize; d++) {
    let f = (d + 0.5) * scale - 0.5;
    let i0 = Math.floor(f);
    f -= i0;
    if (i0 < 0) {
      i0 = 0;
      f = 0;
    }
    if (i0 >= sourceSize - 1) {
      i0 = sourceSize - 1;
      f = 0;
    }
    taps.push({ i0, i1: Math.min(i0 + 1, sourceSize - 1), f });
  }
  return taps;
}

/** `cv2.resize(x, (width, height), interpolation=cv2.INTER_LINEAR)` for a float image. */
export function resizeLinear(image: FloatImage, width: number, height: number): FloatImage {
  const { channels: c } = image;
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  const xTaps = linearTaps(image.width, width);
  const yTaps = linearTaps(image.height, height);
  const data = new Float32Array(width * height * c);
  for (let y = 0; y < height; y++) {
    const { i0: y0, i1: y1, f: fy } = yTaps[y];
    const r0 = y0 * image.width * c;
    const r1 = y1 * image.width * c;
    for (let x = 0; x < width; x++) {
      const { i0: x0, i1: x1, f: fx } = xTaps[x];
      for (let k = 0; k < c; k++) {
        const top = image.data[r0 + x0 * c + k] * (1 - fx) + image.data[r0 + x1 * c + k] * fx;
        const bottom = image.data[r1 + x0 * c + k] * (1 - fx) + image.data[r1 + x1 * c + k] * fx;
        data[(y * width + x) * c + k] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { width, height, channels: c, data };
}
