/**
 * rembg's pre- and post-processing around a segmentation model (the `normalize` and `predict` of
 * its sessions), so a rembg ONNX export gives the mask rembg gives:
 * - in: RGB LANCZOS-resized to the model's square, divided by the image's largest byte (not 255),
 *   then (x − mean) / std per channel, NCHW float32;
 * - saliency models: the first output's channel 0, min–max stretched to 0..1, ×255 truncated to
 *   8 bits, LANCZOS-resized back to the input's size (a soft mask, not thresholded);
 * - u2net_cloth_seg: argmax over the four class maps, the class image LANCZOS-resized back, and
 *   the asked category's pixels 255, the rest 0.
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { resampleLanczos } from '../image/lanczos-resample.ts';
import type { FeedTensor, OutputTensor } from '../onnx/session.ts';
import { CLOTH_CATEGORIES, type ClothCategory, type RembgModelSpec } from './rembg-models.ts';

/** `rgb`: 3-channel image. */
export function rembgInput(rgb: Bitmap8, spec: Pick<RembgModelSpec, 'size' | 'mean' | 'std'>): FeedTensor {
  const size = spec.size;
  const resized = resampleLanczos(rgb, size, size);
  let max = 0;
  for (const v of resized.data) if (v > max) max = v;
  const scale = 1 / Math.max(max, 1e-6);
  const plane = size * size;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[c * plane + p] = (resized.data[p * 3 + c] * scale - spec.mean[c]) / spec.std[c];
  }
  return { data, dims: [1, 3, size, size] };
}

/** Height and width of an NCHW (or NHW) output. */
function planeDims(output: OutputTensor): { height: number; width: number; channels: number } {
  const dims = output.dims;
  if (dims.length < 3) throw new Error(`mask model output has dims [${dims.join(',')}], expected [1, C, H, W]`);
  const height = dims[dims.length - 2];
  const width = dims[dims.length - 1];
  const channels = dims.length === 4 ? dims[1] : 1;
  return { height, width, channels };
}

/** Saliency output → one-channel mask of `width`×`height`. */
export function saliencyMask(output: OutputTensor, width: number, height: number): Bitmap8 {
  const dims = planeDims(output);
  const plane = dims.height * dims.width;
  const pred = output.data.subarray(0, plane);
  let mi = Infinity;
  let ma = -Infinity;
  for (const v of pred) {
    if (v < mi) mi = v;
    if (v > ma) ma = v;
  }
  const range = ma - mi;
  const small = new Uint8Array(plane);
  // A constant map divides 0 by 0 in rembg (NaN, cast to 0); say 0 outright.
  if (range > 0 && Number.isFinite(range)) {
    for (let p = 0; p < plane; p++) small[p] = Math.trunc(Math.fround(Math.fround((pred[p] - mi) / range) * 255));
  }
  return resampleLanczos({ width: dims.width, height: dims.height, channels: 1, data: small }, width, height);
}

/** Cloth-segmentation output (4 class maps) → the category's mask of `width`×`height`. */
export function clothMask(output: OutputTensor, category: ClothCategory, width: number, height: number): Bitmap8 {
  const dims = planeDims(output);
  const plane = dims.height * dims.width;
  const classes = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) {
    let best = 0;
    for (let c = 1; c < dims.channels; c++) if (output.data[c * plane + p] > output.data[best * plane + p]) best = c;
    classes[p] = best;
  }
  // rembg resizes the class-index image itself, then maps indices through a palette.
  const sized = resampleLanczos({ width: dims.width, height: dims.height, channels: 1, data: classes }, width, height);
  const wanted = CLOTH_CATEGORIES[category];
  const out = new Uint8Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = sized.data[p] === wanted ? 255 : 0;
  return { width, height, channels: 1, data: out };
}
