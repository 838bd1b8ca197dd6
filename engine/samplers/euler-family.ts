/**
 * First-order samplers (k-diffusion formulation, σ_i → σ_{i+1}):
 * euler, euler_ancestral (η = 1) and lcm (jump to the denoised estimate, re-noise to σ_{i+1}).
 */
import { addScaledInPlace, ancestralStep, eulerStepInPlace } from './sampler-math.ts';
import type { SamplerRun } from './types.ts';

/** x ← x + d·(σ_{i+1} − σ_i), d = (x − D)/σ_i. */
export async function sampleEuler(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await run.model(x, sigmas[i], i);
    eulerStepInPlace(x, denoised, sigmas[i], sigmas[i + 1]);
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
    eulerStepInPlace(x, denoised, sigmas[i], sigmaDown);
    if (sigmas[i + 1] > 0) addScaledInPlace(x, run.noise(), sigmaUp);
    await run.step(i, denoised);
  }
  return x;
}

/** LCM: x ← D, then x += σ_{i+1}·N while σ_{i+1} > 0 (the consistency-model denoiser does the work). */
export async function sampleLcm(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const denoised = await run.model(x, sigmas[i], i);
    x.set(denoised);
    if (sigmas[i + 1] > 0) addScaledInPlace(x, run.noise(), sigmas[i + 1]);
    await run.step(i, denoised);
  }
  return x;
}
