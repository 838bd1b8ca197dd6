/**
 * Pixels → latents for img2img-style inputs. Handles both export generations
 * (onnx-sdxl-engine.md §1.2): `latent_parameters` [B,8,h,w] = mean‖logvar (we take the mean, so
 * the result is deterministic) and the older `latent_sample` [B,4,h,w] (sampled in the graph).
 */
import type { OnnxSession } from '../onnx/session.ts';
import { EngineError } from '../errors.ts';
import type { RgbaImage } from './vae-decoder.ts';

export interface Latents {
  /** float32 [1,C,h,w], already multiplied by scaling_factor. */
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export async function encodeImage(
  session: OnnxSession,
  image: RgbaImage,
  scalingFactor: number,
  latentChannels = 4,
): Promise<Latents> {
  const plane = image.width * image.height;
  const pixels = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) pixels[c * plane + p] = image.data[p * 4 + c] / 127.5 - 1;
  }
  const output = session.output('latent_parameters') ?? session.output('latent_sample') ?? session.outputs[0];
  if (!output) throw new EngineError('runtime-failure', `${session.label} declares no outputs`);
  const out = await session.run(
    { [session.inputs[0].name]: { data: pixels, dims: [1, 3, image.height, image.width] } },
    [output.name],
  );
  const { data, dims } = out[output.name];
  const [, channels, height, width] = dims;
  // Mean = the first latentChannels channels whether or not logvar follows them.
  const keep = Math.min(channels, latentChannels);
  const mean = data.slice(0, keep * height * width);
  for (let i = 0; i < mean.length; i++) mean[i] *= scalingFactor;
  return { data: mean, channels: keep, height, width };
}
