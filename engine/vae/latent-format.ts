/**
 * The map between the sampler's latent space and the VAE's (ComfyUI latent formats).
 * SDXL: sampler = vae·scale_factor. Playground v2.5 (Fooocus patches it in with the
 * `edm_playground_v2.5` scheduler): sampler = (vae − mean_c)·0.5/std_c per channel.
 */
export interface LatentFormat {
  readonly name: 'sdxl' | 'playground-v2.5';
  readonly scaleFactor: number;
  /** Per-channel mean and std of the VAE latents; absent means 0 and 1. */
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** Linear latent→RGB map for cheap step previews (ComfyUI's latent2rgb factors), rows per channel. */
  readonly previewFactors: readonly (readonly number[])[];
  readonly previewBias: readonly number[];
}

const SDXL_PREVIEW_FACTORS = Object.freeze([
  [0.3651, 0.4232, 0.4341],
  [-0.2533, -0.0042, 0.1068],
  [0.1076, 0.1111, -0.0362],
  [-0.3165, -0.2492, -0.2188],
]);
const SDXL_PREVIEW_BIAS = Object.freeze([0.1084, -0.0175, -0.0011]);

export function sdxlLatentFormat(scaleFactor: number): LatentFormat {
  return { name: 'sdxl', scaleFactor, previewFactors: SDXL_PREVIEW_FACTORS, previewBias: SDXL_PREVIEW_BIAS };
}

/** Playground v2.5's VAE latent statistics (its diffusers VAE config) with scale factor 0.5. */
export const PLAYGROUND_LATENT_FORMAT: LatentFormat = Object.freeze({
  name: 'playground-v2.5',
  scaleFactor: 0.5,
  mean: Object.freeze([-1.6574, 1.886, -1.383, 2.5155]),
  std: Object.freeze([8.4927, 5.9022, 6.5498, 5.2299]),
  previewFactors: Object.freeze([
    [0.392, 0.4054, 0.4549],
    [-0.2634, -0.0196, 0.0653],
    [0.0568, 0.1687, -0.0755],
    [-0.3112, -0.2359, -0.2076],
  ]),
  previewBias: Object.freeze([0, 0, 0]),
});

/** ComfyUI process_latent_out: sampler latent [1,C,h,w] → what the VAE decoder takes. */
export function toVaeLatent(format: LatentFormat, latent: Float32Array, channels: number): Float32Array {
  const plane = latent.length / channels;
  const out = new Float32Array(latent.length);
  for (let c = 0; c < channels; c++) {
    const mean = format.mean?.[c] ?? 0;
    const factor = (format.std?.[c] ?? 1) / format.scaleFactor;
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = latent[i] * factor + mean;
  }
  return out;
}

/** ComfyUI process_latent_in: a VAE latent → the sampler's space. */
export function fromVaeLatent(format: LatentFormat, latent: Float32Array, channels: number): Float32Array {
  const plane = latent.length / channels;
  const out = new Float32Array(latent.length);
  for (let c = 0; c < channels; c++) {
    const mean = format.mean?.[c] ?? 0;
    const factor = format.scaleFactor / (format.std?.[c] ?? 1);
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = (latent[i] - mean) * factor;
  }
  return out;
}
