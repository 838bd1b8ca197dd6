/**
 * Small helpers shared by the k-diffusion style samplers. Latent arithmetic is written as linear
 * combinations (run.combine), so the same sampler code runs in JavaScript or as an ONNX graph.
 */
import type { LatentTerm, SamplerRun } from './types.ts';

/** The JavaScript LatentCombine: float64 sums per element, stored as float32. */
export async function combineInJs(out: Float32Array, terms: readonly LatentTerm[]): Promise<Float32Array> {
  combineInJsSync(out, terms);
  return out;
}

export function combineInJsSync(out: Float32Array, terms: readonly LatentTerm[]): void {
  for (const [, v] of terms) {
    if (v.length !== out.length)
      throw new Error(`combine: a latent of ${v.length} values for an output of ${out.length}`);
  }
  switch (terms.length) {
    case 1: {
      const [[a, va]] = terms;
      for (let j = 0; j < out.length; j++) out[j] = a * va[j];
      return;
    }
    case 2: {
      const [[a, va], [b, vb]] = terms;
      for (let j = 0; j < out.length; j++) out[j] = a * va[j] + b * vb[j];
      return;
    }
    case 3: {
      const [[a, va], [b, vb], [c, vc]] = terms;
      for (let j = 0; j < out.length; j++) out[j] = a * va[j] + b * vb[j] + c * vc[j];
      return;
    }
    default:
      for (let j = 0; j < out.length; j++) {
        let sum = 0;
        for (const [coefficient, v] of terms) sum += coefficient * v[j];
        out[j] = sum;
      }
  }
}

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

/**
 * The terms of an Euler step along d = (x − D)/σ from σ to σTo: x + (x − D)·(σTo − σ)/σ. To σTo = 0
 * that is exactly D (coefficients 0 and 1).
 */
export function eulerTerms(x: Float32Array, denoised: Float32Array, sigma: number, sigmaTo: number): LatentTerm[] {
  const k = (sigmaTo - sigma) / sigma;
  return [
    [1 + k, x],
    [-k, denoised],
  ];
}

/** out ← the Euler step from (x, σ) to σTo (out may be x). */
export function eulerStep(
  run: SamplerRun,
  out: Float32Array,
  x: Float32Array,
  denoised: Float32Array,
  sigma: number,
  sigmaTo: number,
): Promise<Float32Array> {
  return run.combine(out, eulerTerms(x, denoised, sigma, sigmaTo));
}

/** x ← x + scale·noise, in place. */
export function addScaled(run: SamplerRun, x: Float32Array, noise: Float32Array, scale: number): Promise<Float32Array> {
  return run.combine(x, [
    [1, x],
    [scale, noise],
  ]);
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
