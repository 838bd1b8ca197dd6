/**
 * Sampler entry point: `sample(name, denoise, x, sigmas, options)` walks the σ schedule with the named
 * k-diffusion sampler and returns the final latent. Names follow Fooocus; the `_gpu` variants are the
 * same maths (they differ in Fooocus only by where the Brownian tree lives).
 */
import { createNormalRng } from '../random/normal-rng.ts';
import type { NormalRng } from '../random/normal-rng.ts';
import { sampleEuler, sampleEulerAncestral, sampleLcm } from './euler-family.ts';
import { sampleDpm2, sampleDpm2Ancestral, sampleHeun } from './second-order.ts';
import {
  sampleDpmpp2m,
  sampleDpmpp2mSde,
  sampleDpmpp2sAncestral,
  sampleDpmpp3mSde,
  sampleDpmppSde,
} from './dpmpp.ts';
import type { Denoiser, SampleOptions, Sampler, SamplerRun } from './types.ts';

export type { Denoiser, SampleOptions } from './types.ts';

const SAMPLER_FUNCTIONS: Record<string, Sampler> = {
  euler: sampleEuler,
  euler_ancestral: sampleEulerAncestral,
  heun: sampleHeun,
  dpm_2: sampleDpm2,
  dpm_2_ancestral: sampleDpm2Ancestral,
  dpmpp_2s_ancestral: sampleDpmpp2sAncestral,
  dpmpp_sde: sampleDpmppSde,
  dpmpp_sde_gpu: sampleDpmppSde,
  dpmpp_2m: sampleDpmpp2m,
  dpmpp_2m_sde: sampleDpmpp2mSde,
  dpmpp_2m_sde_gpu: sampleDpmpp2mSde,
  dpmpp_3m_sde: sampleDpmpp3mSde,
  dpmpp_3m_sde_gpu: sampleDpmpp3mSde,
  lcm: sampleLcm,
  // ComfyUI runs "ddim" as plain Euler over the chosen schedule.
  ddim: sampleEuler,
};

/** Sampler names we implement. */
export const SAMPLERS: readonly string[] = Object.freeze(Object.keys(SAMPLER_FUNCTIONS));

/**
 * Runs `sampler` over `sigmas` (descending, usually ending with 0) from the latent `x`, used as given
 * (the caller scales the initial noise). `x` itself is not modified; the result is a new array of
 * the same length. Errors thrown by `denoise` or `options.onStep` propagate (that is how to interrupt).
 */
export async function sample(
  sampler: string,
  denoise: Denoiser,
  x: Float32Array,
  sigmas: number[],
  options: SampleOptions,
): Promise<Float32Array> {
  const fn = Object.hasOwn(SAMPLER_FUNCTIONS, sampler) ? SAMPLER_FUNCTIONS[sampler] : undefined;
  if (!fn) throw new Error(`unknown sampler '${sampler}'; available: ${SAMPLERS.join(', ')}`);
  if (!(x instanceof Float32Array)) throw new TypeError('x must be a Float32Array');
  if (typeof options.seed !== 'bigint') throw new TypeError(`options.seed must be a bigint, got ${typeof options.seed}`);
  for (let i = 0; i < sigmas.length; i++) {
    if (!Number.isFinite(sigmas[i]) || sigmas[i] < 0 || (i > 0 && sigmas[i] > sigmas[i - 1])) {
      throw new Error(`sigmas must be finite, non-negative and non-increasing; bad value ${sigmas[i]} at index ${i}`);
    }
  }
  return fn(createRun(denoise, Float32Array.from(x), sigmas, options));
}

function createRun(denoise: Denoiser, x: Float32Array, sigmas: readonly number[], options: SampleOptions): SamplerRun {
  let rng: NormalRng | undefined;
  let noiseBuffer: Float32Array | undefined;
  const getRng = (): NormalRng => (rng ??= createNormalRng(options.seed));
  return {
    x,
    sigmas,
    async model(input, sigma, stepIndex) {
      const denoised = await denoise(input, sigma, stepIndex);
      if (!(denoised instanceof Float32Array) || denoised.length !== input.length) {
        throw new Error(`denoiser returned ${denoised?.length ?? 'no'} values for a latent of ${input.length}`);
      }
      return denoised;
    },
    noise() {
      noiseBuffer ??= new Float32Array(x.length);
      return getRng().fill(noiseBuffer);
    },
    rng: getRng,
    async step(stepIndex, denoised) {
      if (options.onStep) await options.onStep(stepIndex, x, denoised);
    },
  };
}
