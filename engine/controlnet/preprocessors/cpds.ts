/**
 * CPDS (fooocus-semantics.md §8.2): Gaussian blur σ 0.8, contrast-preserving decolourisation
 * (decolor.ts) into `density` and the colour-boosted image, result = density + the per-pixel
 * Euclidean distance over the channels between the blurred and the boosted image, normalised by
 * the 4th and 96th percentiles to 0..255; three equal channels.
 */
import type { ByteImage } from './cv-resize.ts';
import { decolor } from './decolor.ts';
import { gaussianBlur } from './gaussian-blur.ts';
import { grayToRgb, normalisePercentiles } from './percentile-normalise.ts';

export const CPDS_BLUR_SIGMA = 0.8;

export function cpds(image: ByteImage): ByteImage {
  const raw = gaussianBlur(image, CPDS_BLUR_SIGMA);
  const { density, boost } = decolor(raw);
  const result = new Float32Array(density.length);
  for (let p = 0; p < result.length; p++) {
    let squares = 0;
    for (let c = 0; c < 3; c++) squares += (raw.data[p * 3 + c] - boost.data[p * 3 + c]) ** 2;
    result[p] = density[p] + Math.sqrt(squares);
  }
  return {
    width: image.width,
    height: image.height,
    channels: 3,
    data: grayToRgb(normalisePercentiles(result, 4, 96)),
  };
}
