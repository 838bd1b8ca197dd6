/**
 * Cheap step previews: a fixed linear latent→RGB map (SDXL latent space, the factors ComfyUI
 * uses for its "latent2rgb" previews) at latent size, upscaled ×2 only when small, as PNG.
 * DECISIONS §2: previews stay about latent size.
 */
import { sdxlLatentFormat, type LatentFormat } from '../vae/latent-format.ts';
import { encodeImage } from './encode-image.ts';

const SDXL = sdxlLatentFormat(0.13025);
/** Below this many latent pixels on the long side the preview is doubled. */
const UPSCALE_BELOW = 128;

/** latents: float32 [1,4,h,w] (the denoised prediction reads best). */
export async function latentPreviewPng(
  latents: Float32Array,
  latentHeight: number,
  latentWidth: number,
  format: LatentFormat = SDXL,
): Promise<Uint8Array> {
  const factors = format.previewFactors;
  const scale = Math.max(latentHeight, latentWidth) < UPSCALE_BELOW ? 2 : 1;
  const width = latentWidth * scale;
  const height = latentHeight * scale;
  const plane = latentHeight * latentWidth;
  const channels = Math.min(factors.length, latents.length / plane);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = Math.floor(y / scale) * latentWidth + Math.floor(x / scale);
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        let v = format.previewBias[c];
        for (let k = 0; k < channels; k++) v += latents[k * plane + p] * factors[k][c];
        const byte = (v + 1) * 127.5;
        data[o + c] = byte > 0 ? (byte < 255 ? Math.round(byte) : 255) : 0;
      }
      data[o + 3] = 255;
    }
  }
  return encodeImage({ width, height, data }, 'png');
}
