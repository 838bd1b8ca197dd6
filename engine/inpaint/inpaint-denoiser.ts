/**
 * Fooocus's inpaint latent blending (fooocus-semantics §7.6, its patched KSamplerX0Inpaint), for
 * every inpaint mode including engine `None`: before each model call the known region is replaced
 * by the fill latent re-noised to the current σ with fresh noise from a generator seeded
 * (seed + 1) mod MAX_SEED (a new draw per call), and after it the known region of the prediction
 * is the fill latent itself. All in the sampler's latent space.
 */
import { createNormalRng } from '../random/normal-rng.ts';
import type { DenoiseFn } from '../unet/cfg-denoiser.ts';

/** Fooocus's constants.MAX_SEED (2^63 − 1). */
const FOOOCUS_MAX_SEED = (1n << 63n) - 1n;

export function energySeed(imageSeed: bigint): bigint {
  return (imageSeed + 1n) % FOOOCUS_MAX_SEED;
}

/**
 * fill: float32 [1,C,h,w] in the sampler's space; mask: float32 [h·w] of 0/1 (1 = generate),
 * shared by every channel. The returned function wraps any number of denoisers (base, refiner)
 * around one noise stream, as Fooocus's single wrapper does across a joint refiner swap.
 */
export function inpaintBlender(
  fill: Float32Array,
  mask: Float32Array,
  imageSeed: bigint,
): (inner: DenoiseFn) => DenoiseFn {
  const rng = createNormalRng(energySeed(imageSeed));
  const plane = mask.length;
  return (inner) => async (x, sigma) => {
    const energy = rng.fill(new Float32Array(x.length));
    const blended = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) {
      const m = mask[i % plane];
      blended[i] = x[i] * m + (fill[i] + energy[i] * sigma) * (1 - m);
    }
    const out = await inner(blended, sigma);
    const result = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) {
      const m = mask[i % plane];
      result[i] = out[i] * m + fill[i] * (1 - m);
    }
    return result;
  };
}
