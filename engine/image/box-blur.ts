/**
 * Pillow's `ImageFilter.BoxBlur(radius)` for an integer radius (Fooocus's `fooocus_fill` uses
 * 512 … 3): a horizontal then a vertical pass, each the mean over 2r+1 pixels with the edge pixels
 * repeated beyond the border, in Pillow's 24-bit fixed point (weight ww = ⌊2²⁴/(2r+1)⌋ per pixel in
 * the window, the rounding remainder fw shared by the two pixels just outside it), rounded to 8 bits
 * between the passes. Works on any channel count; alpha is blurred like the others.
 *
 * With a `region`, only the pixels inside it are computed (exactly as the whole-image blur would
 * give them, reading the whole image); the others are copied unchanged. The fill blurs a crop
 * dozens of times but keeps only the hole, so this saves most of the work for small masks.
 */
import type { Bitmap8 } from './lanczos-resample.ts';

const SHIFT = 2 ** 24;
const ROUND = 2 ** 23;

/** Half-open pixel box [x0, x1) × [y0, y1). */
export interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * For each output position p in [from, to) of a line of `length`: the clamped indices p+r+1
 * (entering), p−r (leaving), p−r−1 (far left), and the window of `from`; each times `stride`.
 */
function windowIndices(length: number, from: number, to: number, r: number, stride: number) {
  const clamp = (i: number) => (i < 0 ? 0 : i > length - 1 ? length - 1 : i) * stride;
  const count = to - from;
  const enter = new Int32Array(count);
  const leave = new Int32Array(count);
  const farLeft = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    enter[k] = clamp(from + k + r + 1);
    leave[k] = clamp(from + k - r);
    farLeft[k] = clamp(from + k - r - 1);
  }
  const initial = new Int32Array(2 * r + 1);
  for (let i = -r; i <= r; i++) initial[i + r] = clamp(from + i);
  return { enter, leave, farLeft, initial, count };
}

export function boxBlur(image: Bitmap8, radius: number, region?: Region): Bitmap8 {
  const r = Math.trunc(radius);
  if (r < 1) return { ...image, data: image.data.slice() };
  const { width, height, channels } = image;
  const box = region ?? { x0: 0, x1: width, y0: 0, y1: height };
  const ww = Math.floor(SHIFT / (r * 2 + 1));
  const fw = Math.floor((SHIFT - (r * 2 + 1) * ww) / 2);
  const src = image.data;
  const rowLength = width * channels;
  // Horizontal pass, only where the vertical pass will read: the box's columns, its rows ± r + 1.
  const rowFrom = Math.max(0, box.y0 - r - 1);
  const rowTo = Math.min(height, box.y1 + r + 1);
  const temp = new Uint8Array(src.length);
  const h = windowIndices(width, box.x0, box.x1, r, channels);
  for (let y = rowFrom; y < rowTo; y++) {
    for (let c = 0; c < channels; c++) {
      const o = y * rowLength + c;
      let acc = 0;
      for (let i = 0; i < h.initial.length; i++) acc += src[o + h.initial[i]];
      for (let k = 0, at = o + box.x0 * channels; k < h.count; k++, at += channels) {
        const entering = src[o + h.enter[k]];
        temp[at] = (acc * ww + (src[o + h.farLeft[k]] + entering) * fw + ROUND) >>> 24;
        acc += entering - src[o + h.leave[k]];
      }
    }
  }
  // Vertical pass over the box's columns, all at once, row by row (memory read in order).
  const out = src.slice();
  const v = windowIndices(height, box.y0, box.y1, r, rowLength);
  const first = box.x0 * channels;
  const span = (box.x1 - box.x0) * channels;
  const acc = new Int32Array(span);
  for (let i = 0; i < v.initial.length; i++) {
    const row = v.initial[i] + first;
    for (let k = 0; k < span; k++) acc[k] += temp[row + k];
  }
  for (let j = 0; j < v.count; j++) {
    const enter = v.enter[j] + first;
    const leave = v.leave[j] + first;
    const farLeft = v.farLeft[j] + first;
    const o = (box.y0 + j) * rowLength + first;
    for (let k = 0; k < span; k++) {
      const entering = temp[enter + k];
      out[o + k] = (acc[k] * ww + (temp[farLeft + k] + entering) * fw + ROUND) >>> 24;
      acc[k] += entering - temp[leave + k];
    }
  }
  return { width, height, channels, data: out };
}
