/**
 * Latents → pixels (onnx-sdxl-engine.md §1.5): the sampler's latent mapped to the VAE's space
 * (÷ scaling_factor for SDXL: latent-format.ts), decode, map [-1,1] to 0..255. Returns RGBA (what
 * jimp's bitmap wants), alpha opaque.
 */
import type { OnnxSession } from '../onnx/session.ts';
import { toVaeLatent, type LatentFormat } from './latent-format.ts';

export interface RgbaImage {
  width: number;
  height: number;
  /** width·height·4 bytes, row-major RGBA. */
  data: Uint8Array;
}

/** latents: float32 [1,C,h,w]. */
export async function decodeLatents(
  session: OnnxSession,
  latents: Float32Array,
  latentHeight: number,
  latentWidth: number,
  format: LatentFormat,
): Promise<RgbaImage> {
  const channels = latents.length / (latentHeight * latentWidth);
  const scaled = toVaeLatent(format, latents, channels);
  const inputName = session.inputs[0].name;
  const outputName = session.outputs[0].name;
  const out = await session.run({ [inputName]: { data: scaled, dims: [1, channels, latentHeight, latentWidth] } }, [
    outputName,
  ]);
  return chwToRgba(out[outputName].data, out[outputName].dims[2], out[outputName].dims[3]);
}

/** float32 [1,3,H,W] in [-1,1] → RGBA bytes. NaN (fp16 VAE overflow) becomes 0 rather than garbage. */
export function chwToRgba(pixels: Float32Array, height: number, width: number): RgbaImage {
  const plane = width * height;
  const data = new Uint8Array(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (pixels[c * plane + p] + 1) * 127.5;
      data[p * 4 + c] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
    }
    data[p * 4 + 3] = 255;
  }
  return { width, height, data };
}
