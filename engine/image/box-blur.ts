/**
 * Pillow's `ImageFilter.BoxBlur(radius)` for an integer radius (Fooocus's `fooocus_fill` uses
 * 512 … 3): a horizontal then a vertical pass, each the mean over 2r+1 pixels with the edge pixels
 * repeated beyond the border, in Pillow's 24-bit fixed point (weight ww = ⌊2²⁴/(2r+1)⌋ per pixel in
 * the window, the rounding remainder fw shared by the two pixels just outside it), rounded to 8 bits
 * between the passes. Works on any channel count; alpha is blurred like the others.
 */
import type { Bitmap8 } from './lanczos-resample.ts';

const SHIFT = 2 ** 24;
const ROUND = 2 ** 23;

/**
 * For each position x of a line: the clamped indices x+r+1 (entering), x−r (leaving), x−r−1 (far
 * left) and the initial window's, each times `stride` (the distance between samples).
 */
function windowIndices(length: number, r: number, stride: number): { enter: Int32Array; leave: Int32Array; farLeft: Int32Array; initial: Int32Array } {
  const clamp = (i: number) => (i < 0 ? 0 : i > length - 1 ? length - 1 : i) * stride;
  const enter = new Int32Array(length);
  const leave = new Int32Array(length);
  const farLeft = new Int32Array(length);
  for (let x = 0; x < length; x++) {
    enter[x] = clamp(x + r + 1);
    leave[x] = clamp(x - r);
    farLeft[x] = clamp(x - r - 1);
  }
  const initial = new Int32Array(2 * r + 1);
  for (let i = -r; i <= r; i++) initial[i + r] = clamp(i);
  return { enter, leave, farLeft, initial };
}

export function boxBlur(image: Bitmap8, radius: number): Bitmap8 {
  const r = Math.trunc(radius);
  if (r < 1) return { ...image, data: image.data.slice() };
  const { width, height, channels } = image;
  const ww = Math.floor(SHIFT / (r * 2 + 1));
  const fw = Math.floor((SHIFT - (r * 2 + 1) * ww) / 2);
  const src = image.data;
  const temp = new Uint8Array(src.length);
  const out = new Uint8Array(src.length);
  const rowLength = width * channels;
  // Horizontal: each row and channel is one line (stride `channels`).
  const h = windowIndices(width, r, channels);
  for (let y = 0; y < height; y++) {
    for (let c = 0; c < channels; c++) {
      const o = y * rowLength + c;
      let acc = 0;
      for (let i = 0; i < h.initial.length; i++) acc += src[o + h.initial[i]];
      for (let x = 0, at = o; x < width; x++, at += channels) {
        const entering = src[o + h.enter[x]];
        temp[at] = (acc * ww + (src[o + h.farLeft[x]] + entering) * fw + ROUND) >>> 24;
        acc += entering - src[o + h.leave[x]];
      }
    }
  }
  // Vertical: all columns at once, row by row, so memory is read in order.
  const v = windowIndices(height, r, rowLength);
  const acc = new Int32Array(rowLength);
  for (let i = 0; i < v.initial.length; i++) {
    const row = v.initial[i];
    for (let k = 0; k < rowLength; k++) acc[k] += temp[row + k];
  }
  for (let y = 0; y < height; y++) {
    const enter = v.enter[y];
    const leave = v.leave[y];
    const farLeft = v.farLeft[y];
    const o = y * rowLength;
    for (let k = 0; k < rowLength; k++) {
      const entering = temp[enter + k];
      out[o + k] = (acc[k] * ww + (temp[farLeft + k] + entering) * fw + ROUND) >>> 24;
      acc[k] += entering - temp[leave + k];
    }
  }
  return { width, height, channels, data: out };
}
