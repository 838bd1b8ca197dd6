/**
 * `cv2.GaussianBlur(x, (0, 0), sigma)` on an 8-bit image (CPDS's first step, fooocus-semantics.md
 * §8.2), from OpenCV's documentation: for 8-bit images the kernel size is round(σ·3·2 + 1) made
 * odd, weights exp(−x²/2σ²) normalised, applied separably with BORDER_REFLECT_101 (…cb|abc|ba…),
 * rounded to the nearest integer once at the end.
 */
import type { ByteImage } from './cv-resize.ts';

export function gaussianKernel(sigma: number): Float64Array {
  const size = Math.round(sigma * 3 * 2 + 1) | 1;
  const kernel = new Float64Array(size);
  const centre = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    kernel[i] = Math.exp(-((i - centre) ** 2) / (2 * sigma * sigma));
    sum += kernel[i];
  }
  for (let i = 0; i < size; i++) kernel[i] /= sum;
  return kernel;
}

function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

export function gaussianBlur(image: ByteImage, sigma: number): ByteImage {
  const { width, height, channels: c } = image;
  const kernel = gaussianKernel(sigma);
  const r = (kernel.length - 1) / 2;
  const rows = new Float64Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) acc += kernel[t + r] * image.data[(y * width + reflect101(x + t, width)) * c + k];
        rows[(y * width + x) * c + k] = acc;
      }
    }
  }
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let t = -r; t <= r; t++) acc += kernel[t + r] * rows[(reflect101(y + t, height) * width + x) * c + k];
        data[(y * width + x) * c + k] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return { width, height, channels: c, data };
}
