/**
 * Fooocus's `fooocus_fill` (fooocus-semantics §7.4 step 4): the pre-fill of the hole when the
 * denoise is above 0.99: repeated box blurs of the whole crop with shrinking radii, putting back the
 * pixels outside the mask (mask < 127) after every blur, so the hole fills with a smooth blend of
 * its surroundings.
 */
import { boxBlur, type Region } from '../image/box-blur.ts';
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
  const { width, channels } = image;
  // Only the hole (mask ≥ 127) keeps blurred values: blur just its bounding box (box-blur.ts
  // computes those pixels exactly as a whole-image blur), then put back what lies outside the hole.
  const region: Region = { x0: width, x1: 0, y0: image.height, y1: 0 };
  const restore: number[] = [];
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] < 127) continue;
    const x = p % width;
    const y = (p - x) / width;
    region.x0 = Math.min(region.x0, x);
    region.x1 = Math.max(region.x1, x + 1);
    region.y0 = Math.min(region.y0, y);
    region.y1 = Math.max(region.y1, y + 1);
  }
  if (region.x1 === 0) return { ...image, data: image.data.slice() };
  for (let y = region.y0; y < region.y1; y++) {
    for (let x = region.x0; x < region.x1; x++)
      if (mask[y * width + x] < 127) for (let c = 0; c < channels; c++) restore.push((y * width + x) * channels + c);
  }
  const kept = Int32Array.from(restore);
  let current = image;
  for (const [radius, repeats] of FILL_SCHEDULE) {
    for (let i = 0; i < repeats; i++) {
      current = boxBlur(current, radius, region);
      const data = current.data;
      for (let k = 0; k < kept.length; k++) data[kept[k]] = image.data[kept[k]];
    }
  }
  return current;
}
