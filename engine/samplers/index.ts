/**
 * Sampler entry point: `sample(name, denoise, x, sigmas, options)` walks the σ schedule with the named
 * k-diffusion sampler and returns the final latent. Names follow Fooocus (23 of its 24; REFUSED_SAMPLERS
 * says why the rest are not offered, SAMPLER_ALIASES which names run another's maths). dpm_fast,
 * dpm_adaptive and restart (from 20 steps) choose their own σ steps from the schedule's ends; they
 * still report step indices within 0..n−1 (sampler-math.ts scheduleStepAt).
 */
import { createNormalRng } from '../random/normal-rng.ts';
import type { NormalRng } from '../random/normal-rng.ts';
import { sampleEuler, sampleEulerAncestral, sampleLcm } from './euler-family.ts';
import { sampleDpm2, sampleDpm2Ancestral, sampleHeun, sampleHeunpp2 } from './second-order.ts';
import { sampleLms } from './linear-multistep.ts';
import { sampleDpmAdaptive, sampleDpmFast } from './dpm-solver.ts';
import { sampleRestart } from './restart.ts';
import { sampleUniPcBh1, sampleUniPcBh2 } from './uni-pc.ts';
import { sampleDpmpp2m, sampleDpmpp2mSde, sampleDpmpp2sAncestral, sampleDpmpp3mSde, sampleDpmppSde } from './dpmpp.ts';
import { combineInJs } from './sampler-math.ts';
import type { Denoiser, SampleOptions, Sampler, SamplerRun } from './types.ts';

export type { Denoiser, LatentCombine, LatentTerm, SampleOptions } from './types.ts';
export { combineInJs } from './sampler-math.ts';

/**
 * Names that run exactly the maths of another offered name (same output for the same input and seed).
 * The `_gpu` names differ in Fooocus only by where torchsde's Brownian tree lives; ComfyUI runs "ddim"
 * as plain Euler over the chosen schedule (fooocus-semantics §4.1).
 *
 * "ddpm" is ComfyUI's DDPM posterior step taken in the variance-preserving frame: with ᾱ = 1/(1+σ²),
 * ᾱ' = 1/(1+σ'²), a = ᾱ/ᾱ', ε = (x − D)/σ, x_vp = x·√ᾱ, it draws
 * x'_vp = (x_vp − (1 − a)·ε/√(1 − ᾱ))/√a + √((1 − a)(1 − ᾱ')/(1 − ᾱ))·N and returns x'_vp/√ᾱ'. Expanded,
 * that is x' = (σ'²/σ²)·x + (1 − σ'²/σ²)·D + (σ'/σ)·√(σ² − σ'²)·N: exactly euler_ancestral's step with
 * η = 1 (σdown = σ'²/σ, σup = σ'√(σ² − σ'²)/σ), and D itself on the step to 0. So it runs that code.
 */
export const SAMPLER_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  ddim: 'euler',
  ddpm: 'euler_ancestral',
  dpmpp_sde_gpu: 'dpmpp_sde',
  dpmpp_2m_sde_gpu: 'dpmpp_2m_sde',
  dpmpp_3m_sde_gpu: 'dpmpp_3m_sde',
});

/** Fooocus sampler names we do not offer, with the reason (listed by the README and the gateway). */
export const REFUSED_SAMPLERS: Readonly<Record<string, string>> = Object.freeze({
  tcd:
    "needs the model's discrete timestep table (t(σ), and ᾱ at ⌊(1 − γ)·t⌋ of the next σ), which the " +
    "sampler's denoise(x, σ) interface does not expose, and is only meaningful with the TCD LoRA and the " +
    'distilled tcd schedule',
});

// In Fooocus's order (modules/flags.py), so listings read like Fooocus's; aliases share the function.
const SAMPLER_FUNCTIONS: Record<string, Sampler> = {
  euler: sampleEuler,
  euler_ancestral: sampleEulerAncestral,
  heun: sampleHeun,
  heunpp2: sampleHeunpp2,
  dpm_2: sampleDpm2,
  dpm_2_ancestral: sampleDpm2Ancestral,
  lms: sampleLms,
  dpm_fast: sampleDpmFast,
  dpm_adaptive: sampleDpmAdaptive,
  dpmpp_2s_ancestral: sampleDpmpp2sAncestral,
  dpmpp_sde: sampleDpmppSde,
  dpmpp_sde_gpu: sampleDpmppSde,
  dpmpp_2m: sampleDpmpp2m,
  dpmpp_2m_sde: sampleDpmpp2mSde,
  dpmpp_2m_sde_gpu: sampleDpmpp2mSde,
  dpmpp_3m_sde: sampleDpmpp3mSde,
  dpmpp_3m_sde_gpu: sampleDpmpp3mSde,
  ddpm: sampleEulerAncestral,
  lcm: sampleLcm,
  restart: sampleRestart,
  ddim: sampleEuler,
  uni_pc: sampleUniPcBh1,
  uni_pc_bh2: sampleUniPcBh2,
};

for (const [alias, target] of Object.entries(SAMPLER_ALIASES)) {
  if (SAMPLER_FUNCTIONS[alias] !== SAMPLER_FUNCTIONS[target])
    throw new Error(`sampler alias ${alias} does not run ${target}`);
}

/** Sampler names we implement (aliases included). */
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
  if (typeof options.seed !== 'bigint')
    throw new TypeError(`options.seed must be a bigint, got ${typeof options.seed}`);
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
    combine: options.combine ?? combineInJs,
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
