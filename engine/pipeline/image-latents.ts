/**
 * The latent stage of an image job, once the checkpoint is loaded: the VAE encodes the pixel
 * stage's output into the sampler's latent space (fooocus-semantics §6, §7.5) — the same initial
 * latent for every image of the task, sampled with a seed derived from the task seed — and says how
 * the results become images (whole or tiled decode; for inpaint the composite into the canvas).
 */
import { rgbToRgba } from '../image/input-image.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { composite, type InpaintPreparation } from '../inpaint/inpaint-worker.ts';
import { latentMask } from '../inpaint/latent-mask.ts';
import { fromVaeLatent, type LatentFormat } from '../vae/latent-format.ts';
import type { Planar } from '../vae/tiled-scale.ts';
import { decodeLatents, type RgbaImage } from '../vae/vae-decoder.ts';
import { cropToMultiple, encodePixels, encodeToVaeLatent, toSignedPlanar } from '../vae/vae-image-encoder.ts';
import { decodeLatentsTiled } from '../vae/vae-tiled-decoder.ts';
import type { JobContext } from './job-context.ts';
import type { LoadedCheckpoint } from './loaded-checkpoint.ts';
import type { PixelStage } from './image-pixels.ts';

export interface LatentInput {
  /** Pixel size of the latent (Fooocus's width/height for ADM and metadata). */
  width: number;
  height: number;
  latent: { width: number; height: number; channels: number };
  /** float32 [1,C,h,w] in the sampler's space; null = the empty latent (inpaint_disable_initial_latent). */
  initial: Float32Array | null;
  /** For inpaint: the fill latent and the 0/1 latent mask the denoiser blends with. */
  inpaint?: { fill: Float32Array; mask: Float32Array };
  /**
   * The inpaint head's input, float32 [1,5,h,w] = latent mask ‖ the masked crop's latent in the
   * sampler's space (Fooocus's `process_latent_in`); only when an inpaint engine runs.
   */
  headFeed?: Float32Array;
  /** Sampled latents → the image to save. */
  toImage(latents: Float32Array): Promise<RgbaImage>;
}

/** A distinct stream from the same task seed, so the VAE sample does not replay the initial noise. */
export function vaeSampleSeed(seed: bigint): bigint {
  return (seed ^ 0x2545f4914f6cdd1dn) & ((1n << 64n) - 1n);
}

export interface EncodeContext {
  model: LoadedCheckpoint;
  format: LatentFormat;
  seed: bigint;
  ctx: JobContext;
  /** Progress value of the encoding messages (Fooocus shows them between prompts and sampling). */
  percent: number;
}

function toSamplerSpace(latent: Planar, format: LatentFormat): Float32Array {
  return fromVaeLatent(format, latent.data, latent.channels);
}

function rgbaToRgb(image: RgbaImage): Bitmap8 {
  const pixels = image.width * image.height;
  const data = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = image.data[p * 4 + c];
  return { width: image.width, height: image.height, channels: 3, data };
}

async function encodeWhole(pixels: Bitmap8, isTiled: boolean, e: EncodeContext): Promise<LatentInput> {
  const { model, format } = e;
  const scale = model.config.vaeScaleFactor;
  await e.ctx.reportProgress(e.percent, 'VAE encoding ...');
  const latent = await encodeToVaeLatent(await model.vaeEncoder(), pixels, {
    scaleFactor: scale,
    latentChannels: model.config.latentChannels,
    seed: vaeSampleSeed(e.seed),
    isTiled,
  });
  const dims = { width: latent.width, height: latent.height, channels: latent.channels };
  return {
    width: dims.width * scale,
    height: dims.height * scale,
    latent: dims,
    initial: toSamplerSpace(latent, format),
    toImage: (latents) =>
      isTiled
        ? decodeLatentsTiled(model.vaeDecoder, latents, dims.height, dims.width, format, scale)
        : decodeLatents(model.vaeDecoder, latents, dims.height, dims.width, format),
  };
}

async function encodeInpaint(
  prep: InpaintPreparation,
  isInitialLatentDisabled: boolean,
  withHead: boolean,
  e: EncodeContext,
): Promise<LatentInput> {
  const { model, format } = e;
  const scale = model.config.vaeScaleFactor;
  const channels = model.config.latentChannels;
  const session = await model.vaeEncoder();
  const options = { scaleFactor: scale, latentChannels: channels, seed: vaeSampleSeed(e.seed) };
  let headInpaint: Planar | null = null;
  if (withHead) {
    await e.ctx.reportProgress(e.percent, 'VAE Inpaint encoding ...');
    // Fooocus `encode_vae_inpaint`: the crop with its masked pixels set to 0.5 grey (0 in [-1,1]).
    const image = cropToMultiple(prep.interestedImage, scale);
    const mask = cropToMultiple(
      {
        width: prep.interestedImage.width,
        height: prep.interestedImage.height,
        channels: 1,
        data: prep.interestedMask,
      },
      scale,
    ).data;
    const pixels = toSignedPlanar(image);
    const plane = image.width * image.height;
    for (let p = 0; p < plane; p++) if (mask[p] > 127) for (let c = 0; c < 3; c++) pixels.data[c * plane + p] = 0;
    headInpaint = await encodePixels(session, pixels, options);
  }
  await e.ctx.reportProgress(e.percent, 'VAE encoding ...');
  const fillLatent = await encodeToVaeLatent(session, prep.interestedFill, options);
  const dims = { width: fillLatent.width, height: fillLatent.height, channels: fillLatent.channels };
  const mask = latentMask(
    prep.interestedMask,
    prep.interestedImage.width,
    prep.interestedImage.height,
    dims.height,
    dims.width,
    scale,
  );
  const fill = toSamplerSpace(fillLatent, format);
  let headFeed: Float32Array | undefined;
  if (headInpaint) {
    const plane = dims.height * dims.width;
    headFeed = new Float32Array(5 * plane);
    headFeed.set(mask, 0);
    headFeed.set(toSamplerSpace(headInpaint, format), plane);
  }
  return {
    width: dims.width * scale,
    height: dims.height * scale,
    latent: dims,
    initial: isInitialLatentDisabled ? null : fill,
    inpaint: { fill, mask },
    ...(headFeed ? { headFeed } : {}),
    toImage: async (latents) => {
      const generated = await decodeLatents(model.vaeDecoder, latents, dims.height, dims.width, format);
      return rgbToRgba(composite(prep, rgbaToRgb(generated)));
    },
  };
}

/** `withHead`: an inpaint engine runs, so its head needs the masked crop's latent too. */
export function encodeStage(
  stage: Extract<PixelStage, { kind: 'encode' | 'inpaint' }>,
  e: EncodeContext,
  withHead = false,
): Promise<LatentInput> {
  if (stage.kind === 'encode') return encodeWhole(stage.pixels, stage.isTiled, e);
  return encodeInpaint(stage.prep, stage.input.isInitialLatentDisabled, withHead, e);
}
