/** Small helpers shared by the k-diffusion style samplers. */

/**
 * Ancestral split of a step σ → σnext (η = 1): deterministic part down to σdown, then fresh noise of
 * scale σup, with σdown² + σup² = σnext². σnext = 0 gives (0, 0).
 */
export function ancestralStep(sigma: number, sigmaNext: number, eta = 1): { sigmaDown: number; sigmaUp: number } {
  if (sigmaNext === 0 || eta === 0) return { sigmaDown: sigmaNext, sigmaUp: 0 };
  const sigmaUp = Math.min(
    sigmaNext,
    eta * Math.sqrt((sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma)),
  );
  const sigmaDown = Math.sqrt(sigmaNext * sigmaNext - sigmaUp * sigmaUp);
  return { sigmaDown, sigmaUp };
}

/** Euler step along d = (x − D)/σ from σ to σTo, in place: x ← x + (x − D)·(σTo − σ)/σ. */
export function eulerStepInPlace(x: Float32Array, denoised: Float32Array, sigma: number, sigmaTo: number): void {
  const k = (sigmaTo - sigma) / sigma;
  for (let j = 0; j < x.length; j++) x[j] += (x[j] - denoised[j]) * k;
}

/** out ← x + (x − D)·(σTo − σ)/σ, leaving x untouched (the trial point of two-stage samplers). */
export function eulerStepInto(out: Float32Array, x: Float32Array, denoised: Float32Array, sigma: number, sigmaTo: number): Float32Array {
  const k = (sigmaTo - sigma) / sigma;
  for (let j = 0; j < x.length; j++) out[j] = x[j] + (x[j] - denoised[j]) * k;
  return out;
}

/** x ← x + scale·noise, in place. */
export function addScaledInPlace(x: Float32Array, noise: Float32Array, scale: number): void {
  for (let j = 0; j < x.length; j++) x[j] += noise[j] * scale;
}

/** Copies src into dst (allocating dst when absent) and returns dst. */
export function copyInto(dst: Float32Array | undefined, src: Float32Array): Float32Array {
  const out = dst ?? new Float32Array(src.length);
  out.set(src);
  return out;
}

/**
 * Step index to report for a sampler whose own step count differs from the schedule's n = σ count − 1
 * (dpm_fast, dpm_adaptive, restart): progress `fraction` ∈ [0, 1] through its own run is mapped onto
 * 0..n−1, so callers that size progress bars by n never overrun. `afterStep` rounds up (the step just
 * finished); otherwise it rounds down (the step being worked on). Non-decreasing in `fraction`.
 */
export function scheduleStepAt(fraction: number, steps: number, afterStep: boolean): number {
  const scaled = fraction * steps;
  const index = afterStep ? Math.ceil(scaled - 1e-9) - 1 : Math.floor(scaled + 1e-9);
  return Math.min(steps - 1, Math.max(0, index));
}
