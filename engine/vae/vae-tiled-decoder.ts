/**
 * Latents → pixels in tiles, as Fooocus decodes upscales (ComfyUI `decode_tiled_`,
 * fooocus-semantics §6): latent tiles of 64 (512 px) with 16 latent cells of overlap, run three
 * times with tile shapes (32,128), (128,32) and (64,64) and averaged, so a 2800 px image never
 * goes through the decoder whole. Same result range and byte mapping as decodeLatents.
 */
import type { OnnxSession } from '../onnx/session.ts';
import { toVaeLatent, type LatentFormat } from './latent-format.ts';
import { tiledScale, type Planar } from './tiled-scale.ts';
import { chwToRgba, type RgbaImage } from './vae-decoder.ts';

export const DECODE_TILE = 64;
export const DECODE_OVERLAP = 16;

/** latents: float32 [1,C,h,w] in the sampler's space; `scaleFactor` pixels per latent cell. */
export async function decodeLatentsTiled(
  session: OnnxSession,
  latents: Float32Array,
  latentHeight: number,
  latentWidth: number,
  format: LatentFormat,
  scaleFactor: number,
): Promise<RgbaImage> {
  const channels = latents.length / (latentHeight * latentWidth);
  const input: Planar = {
    data: toVaeLatent(format, latents, channels),
    channels,
    height: latentHeight,
    width: latentWidth,
  };
  const inputName = session.inputs[0].name;
  const outputName = session.outputs[0].name;
  const fn = async (tile: Planar): Promise<Planar> => {
    const out = await session.run(
      { [inputName]: { data: tile.data, dims: [1, tile.channels, tile.height, tile.width] } },
      [outputName],
    );
    const { data, dims } = out[outputName];
    return { data, channels: dims[1], height: dims[2], width: dims[3] };
  };
  const shapes: [number, number][] = [
    [DECODE_TILE / 2, DECODE_TILE * 2],
    [DECODE_TILE * 2, DECODE_TILE / 2],
    [DECODE_TILE, DECODE_TILE],
  ];
  let sum: Planar | null = null;
  for (const [tileX, tileY] of shapes) {
    const pass = await tiledScale(input, fn, {
      tileX,
      tileY,
      overlap: DECODE_OVERLAP,
      scale: scaleFactor,
      outChannels: 3,
    });
    if (sum === null) sum = pass;
    else for (let i = 0; i < sum.data.length; i++) sum.data[i] += pass.data[i];
  }
  // Mean of the three passes, in the decoder's own [-1,1] range.
  const pixels = sum!.data;
  for (let i = 0; i < pixels.length; i++) pixels[i] /= 3;
  return chwToRgba(pixels, sum!.height, sum!.width);
}
