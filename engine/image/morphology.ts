/**
 * 3×3 morphology on single-channel 8-bit masks (width·height bytes, row-major):
 *  - `erodeOrDilate`: Fooocus's `inpaint_erode_or_dilate` (OpenCV dilate/erode with a 3×3 square,
 *    |k| iterations; outside the image counts as neither, as OpenCV's default border does);
 *  - `featherMask`: Fooocus's `morphological_open` for the final composite (fooocus-semantics §7.7):
 *    > 127 becomes 256, then 32 times "3×3 max − 8, keep the larger", clipped to 255, so the value is
 *    256 − 8·d at Chebyshev distance d ≤ 32 from the mask and 0 beyond (Pillow's MaxFilter repeats
 *    the edge pixels, which again means only pixels inside the image count).
 * Each 3×3 square is two separable 1×3 passes.
 */

type Reduce = (a: number, b: number) => number;

/** One 3×3 pass (separable) of `reduce` over in-image neighbours. */
function square3<T extends Uint8Array | Int32Array>(
  values: T,
  width: number,
  height: number,
  reduce: Reduce,
  make: (n: number) => T,
): T {
  const rows = make(values.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let v = values[o + x];
      if (x > 0) v = reduce(v, values[o + x - 1]);
      if (x < width - 1) v = reduce(v, values[o + x + 1]);
      rows[o + x] = v;
    }
  }
  const out = make(values.length);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let x = 0; x < width; x++) {
      let v = rows[o + x];
      if (y > 0) v = reduce(v, rows[o - width + x]);
      if (y < height - 1) v = reduce(v, rows[o + width + x]);
      out[o + x] = v;
    }
  }
  return out;
}

/** k > 0: k dilations; k < 0: |k| erosions; 0: a copy. */
export function erodeOrDilate(mask: Uint8Array, width: number, height: number, k: number): Uint8Array {
  const steps = Math.trunc(k);
  let current = mask.slice();
  const reduce: Reduce = steps > 0 ? Math.max : Math.min;
  for (let i = 0; i < Math.abs(steps); i++) current = square3(current, width, height, reduce, (n) => new Uint8Array(n));
  return current;
}

/** The composite weight map (0..255) of a 0/255 (or any 8-bit) mask. */
export function featherMask(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  // Only pixels within 32 of the mask change: work inside its bounding box grown by 33.
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x] <= 127) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  if (x1 < 0) return out;
  x0 = Math.max(0, x0 - 33);
  y0 = Math.max(0, y0 - 33);
  x1 = Math.min(width - 1, x1 + 33);
  y1 = Math.min(height - 1, y1 + 33);
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  let current = new Int32Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) current[y * w + x] = mask[(y + y0) * width + x + x0] > 127 ? 256 : 0;
  for (let i = 0; i < 32; i++) {
    const maxed = square3(current, w, h, Math.max, (n) => new Int32Array(n));
    for (let p = 0; p < maxed.length; p++) maxed[p] = Math.max(maxed[p] - 8, current[p]);
    current = maxed;
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[(y + y0) * width + x + x0] = Math.min(255, Math.max(0, current[y * w + x]));
  }
  return out;
}

/** Fooocus `up255(x, t)`: 255 where x > t, else 0. */
export function threshold255(values: Uint8Array, t = 127): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] > t ? 255 : 0;
  return out;
}
