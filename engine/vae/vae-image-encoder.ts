/**
 * RGB pixels → a VAE latent, as Fooocus's `core.encode_vae` does it (fooocus-semantics §6, §7.5;
 * onnx-sdxl-engine §1.2, §1.5): the image is centre-cropped to multiples of the VAE's scale factor,
 * mapped to [-1,1] and encoded, whole or in ComfyUI's tiles (512 px, 64 px overlap, three tile
 * shapes averaged). Both export styles: `latent_sample` (already sampled in the graph)
 * is used as is; `latent_parameters` (mean ‖ logvar) is sampled here, mean + e^(logvar/2)·N with N
 * seeded by the task, as ComfyUI's encoder samples its posterior. The result is the VAE's own latent
 * (not yet in the sampler's space: latent-format.ts fromVaeLatent).
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { EngineError } from '../errors.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { createNormalRng } from '../random/normal-rng.ts';
import { tiledScale, type Planar } from './tiled-scale.ts';

export const ENCODE_TILE = 512;
export const ENCODE_OVERLAP = 64;
/** diffusers' DiagonalGaussianDistribution clamps logvar to this range before sampling. */
const LOGVAR_RANGE = [-30, 20] as const;

export interface VaeEncodeOptions {
  /** Pixels per latent cell (8 for SDXL). */
  scaleFactor: number;
  /** Latent channels (4 for SDXL): the mean is the first this many of latent_parameters. */
  latentChannels: number;
  /** Seeds N for sampling latent_parameters. */
  seed: bigint;
  isTiled?: boolean;
}

/** Fooocus `vae_encode_crop_pixels`: the centred part whose sides are multiples of `factor`. */
export function cropToMultiple(image: Bitmap8, factor: number): Bitmap8 {
  const width = Math.floor(image.width / factor) * factor;
  const height = Math.floor(image.height / factor) * factor;
  if (width === image.width && height === image.height) return image;
  if (width === 0 || height === 0)
    throw new EngineError(
      'invalid-input',
      `an image of ${image.width}×${image.height} is smaller than one latent cell (${factor} px)`,
    );
  const x0 = Math.floor((image.width % factor) / 2);
  const y0 = Math.floor((image.height % factor) / 2);
  const { channels } = image;
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const from = ((y + y0) * image.width + x0) * channels;
    data.set(image.data.subarray(from, from + width * channels), y * width * channels);
  }
  return { width, height, channels, data };
}

/** uint8 HWC (first 3 channels) → float32 [1,3,H,W] in [-1,1]. */
export function toSignedPlanar(image: Bitmap8): Planar {
  const plane = image.width * image.height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[c * plane + p] = (image.data[p * image.channels + c] / 255) * 2 - 1;
  }
  return { data, channels: 3, height: image.height, width: image.width };
}

function outputOf(session: OnnxSession): string {
  const output = session.output('latent_parameters') ?? session.output('latent_sample') ?? session.outputs[0];
  if (!output) throw new EngineError('runtime-failure', `${session.label} declares no outputs`);
  return output.name;
}

/** Runs the encoder on one [1,3,h,w] tile; returns its raw output (parameters or sample). */
function encoderFn(session: OnnxSession): (tile: Planar) => Promise<Planar> {
  const output = outputOf(session);
  return async (tile) => {
    const out = await session.run(
      { [session.inputs[0].name]: { data: tile.data, dims: [1, 3, tile.height, tile.width] } },
      [output],
    );
    const { data, dims } = out[output];
    return { data, channels: dims[1], height: dims[2], width: dims[3] };
  };
}

/** The three-shape tiled encode (ComfyUI encode_tiled_): (t,t), (2t,t/2), (t/2,2t) averaged. */
async function encodeTiled(
  pixels: Planar,
  fn: (tile: Planar) => Promise<Planar>,
  scaleFactor: number,
): Promise<Planar> {
  const shapes: [number, number][] = [
    [ENCODE_TILE, ENCODE_TILE],
    [ENCODE_TILE * 2, ENCODE_TILE / 2],
    [ENCODE_TILE / 2, ENCODE_TILE * 2],
  ];
  let sum: Planar | null = null;
  for (const [tileX, tileY] of shapes) {
    const pass = await tiledScale(pixels, fn, { tileX, tileY, overlap: ENCODE_OVERLAP, scale: 1 / scaleFactor });
    if (sum === null) sum = pass;
    else for (let i = 0; i < sum.data.length; i++) sum.data[i] += pass.data[i];
  }
  for (let i = 0; i < sum!.data.length; i++) sum!.data[i] /= 3;
  return sum!;
}

/** float32 [1,C,h,w] VAE latent (C = latentChannels) for the (cropped) image. */
export function encodeToVaeLatent(session: OnnxSession, image: Bitmap8, options: VaeEncodeOptions): Promise<Planar> {
  return encodePixels(session, toSignedPlanar(cropToMultiple(image, options.scaleFactor)), options);
}

/** pixels: float32 [1,3,H,W] in [-1,1], sides already multiples of the scale factor. */
export async function encodePixels(session: OnnxSession, pixels: Planar, options: VaeEncodeOptions): Promise<Planar> {
  const fn = encoderFn(session);
  const raw = options.isTiled ? await encodeTiled(pixels, fn, options.scaleFactor) : await fn(pixels);
  const c = options.latentChannels;
  const plane = raw.height * raw.width;
  const latent = raw.data.slice(0, c * plane);
  if (raw.channels >= 2 * c) {
    const noise = createNormalRng(options.seed).fill(new Float32Array(c * plane));
    for (let i = 0; i < latent.length; i++) {
      const logvar = Math.min(LOGVAR_RANGE[1], Math.max(LOGVAR_RANGE[0], raw.data[c * plane + i]));
      latent[i] += Math.exp(0.5 * logvar) * noise[i];
    }
  } else if (raw.channels < c) {
    throw new EngineError(
      'runtime-failure',
      `${session.label} returned ${raw.channels} latent channels; ${c} are needed`,
    );
  }
  return { data: latent, channels: c, height: raw.height, width: raw.width };
}
