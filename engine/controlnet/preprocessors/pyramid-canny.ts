/**
 * PyraCanny (fooocus-semantics.md §8.1): Canny on each RGB channel at 9 scales k = 0.2 … 1.0 of
 * the image (area-shrunk to int(W·k) × int(H·k)), accumulated coarse to fine
 * (acc = bilinear(acc)·0.75 + edges·0.25), the three channels summed and normalised by the 1st
 * and 99th percentiles to 0..255; three equal channels. Fooocus's comment: the SAI canny
 * Control-LoRA was trained on maps of many resolutions, which the pyramid imitates.
 */
import { canny } from './canny.ts';
import { resizeArea, resizeLinear, type ByteImage, type FloatImage } from './cv-resize.ts';
import { grayToRgb, normalisePercentiles } from './percentile-normalise.ts';

export const PYRAMID_SCALES = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] as const;

/** Canny of each channel as 0/1 floats, interleaved like the input. */
function colorCanny(image: ByteImage, low: number, high: number): FloatImage {
  const { width, height } = image;
  const out = new Float32Array(width * height * 3);
  const plane = new Uint8Array(width * height);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane.length; p++) plane[p] = image.data[p * 3 + c];
    const edges = canny(plane, width, height, low, high);
    for (let p = 0; p < plane.length; p++) out[p * 3 + c] = edges[p] / 255;
  }
  return { width, height, channels: 3, data: out };
}

/** The accumulated 3-channel edge map before summing (Fooocus's `pyramid_canny_color`). */
export function pyramidCannyColor(image: ByteImage, low: number, high: number): FloatImage {
  let acc: FloatImage | null = null;
  for (const k of PYRAMID_SCALES) {
    // Python's int(H·k) on a float product: 0.3·10 is 3.0000000000000004, 0.7·10 is 7.000000000000001.
    const small = resizeArea(
      image,
      Math.max(1, Math.trunc(image.width * k)),
      Math.max(1, Math.trunc(image.height * k)),
    );
    const edges = colorCanny(small, low, high);
    if (!acc) {
      acc = edges;
      continue;
    }
    const grown: FloatImage = resizeLinear(acc, edges.width, edges.height);
    for (let i = 0; i < grown.data.length; i++) grown.data[i] = grown.data[i] * 0.75 + edges.data[i] * 0.25;
    acc = grown;
  }
  return acc!;
}

/** The PyraCanny map of an RGB image, as 8-bit RGB of the same size. */
export function pyramidCanny(image: ByteImage, low: number, high: number): ByteImage {
  const color = pyramidCannyColor(image, low, high);
  const sum = new Float32Array(image.width * image.height);
  for (let p = 0; p < sum.length; p++) sum[p] = color.data[p * 3] + color.data[p * 3 + 1] + color.data[p * 3 + 2];
  return { width: image.width, height: image.height, channels: 3, data: grayToRgb(normalisePercentiles(sum, 1, 99)) };
}
