/**
 * Fooocus's `fooocus_fill` (fooocus-semantics §7.4 step 4): the pre-fill of the hole when the
 * denoise is above 0.99: repeated box blurs of the whole crop with shrinking radii, putting back the
 * pixels outside the mask (mask < 127) after every blur, so the hole fills with a smooth blend of
 * its surroundings.
 */
import { boxBlur } from '../image/box-blur.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';

export const FILL_SCHEDULE: readonly (readonly [radius: number, repeats: number])[] = [
  [512, 2],
  [256, 2],
  [128, 4],
  [64, 4],
  [33, 8],
  [15, 8],
  [5, 16],
  [3, 16],
];

/** mask: one byte per pixel of `image`. */
export function fooocusFill(image: Bitmap8, mask: Uint8Array): Bitmap8 {
  const { channels } = image;
  // Byte offsets of every channel of every pixel outside the hole: put back after each blur.
  let count = 0;
  for (let p = 0; p < mask.length; p++) if (mask[p] < 127) count++;
  const kept = new Int32Array(count * channels);
  for (let p = 0, k = 0; p < mask.length; p++) if (mask[p] < 127) for (let c = 0; c < channels; c++) kept[k++] = p * channels + c;
  let current = image;
  for (const [radius, repeats] of FILL_SCHEDULE) {
    for (let i = 0; i < repeats; i++) {
      current = boxBlur(current, radius);
      const data = current.data;
      for (let k = 0; k < kept.length; k++) data[kept[k]] = image.data[kept[k]];
    }
  }
  return current;
}
