/**
 * First-order samplers (k-diffusion formulation, σ_i → σ_{i+1}):
 * euler, euler_ancestral (η = 1) and lcm (jump to the denoised estimate, re-noise to σ_{i+1}).
 */
import { ancestralStep, eulerStep, eulerTerms } from './sampler-math.ts';
import type { SamplerRun } from './types.ts';

/** x ← x + d·(σ_{i+1} − σ_i), d = (x − D)/σ_i. */
export async function sampleEuler(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await run.model(x, sigmas[i], i);
    await eulerStep(run, x, x, denoised, sigmas[i], sigmas[i + 1]);
    await run.step(i, denoised);
  }
  return x;
}

/** Euler down to σdown, then fresh noise of scale σup (none on the last step to 0). */
export async function sampleEulerAncestral(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await run.model(x, sigmas[i], i);
    const { sigmaDown, sigmaUp } = ancestralStep(sigmas[i], sigmas[i + 1]);
    const terms = eulerTerms(x, denoised, sigmas[i], sigmaDown);
    await run.combine(x, sigmas[i + 1] > 0 ? [...terms, [sigmaUp, run.noise()]] : terms);
    await run.step(i, denoised);
  }
  return x;
}

/** LCM: x ← D, then x += σ_{i+1}·N while σ_{i+1} > 0 (the consistency-model denoiser does the work). */
export async function sampleLcm(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await run.model(x, sigmas[i], i);
    if (sigmas[i + 1] > 0)
      await run.combine(x, [
        [1, denoised],
        [sigmas[i + 1], run.noise()],
      ]);
    else x.set(denoised);
    await run.step(i, denoised);
  }
  return x;
}
