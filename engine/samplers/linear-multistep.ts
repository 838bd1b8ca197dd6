/**
 * lms: k-diffusion's linear multistep sampler (order 4, Adams–Bashforth in σ). The slopes
 * d_k = (x − D_k)/σ_k of the last `order` steps are combined with weights ∫_{σ_i}^{σ_{i+1}} ℓ_j(τ) dτ,
 * ℓ_j the Lagrange basis polynomial through σ_i, σ_{i−1}, … — variable-step, so any schedule works.
 */
import type { LatentTerm, SamplerRun } from './types.ts';

const LMS_ORDER = 4;

// Three-point Gauss–Legendre rule on [−1, 1]: exact for polynomials up to degree 5, and the Lagrange
// basis here has degree ≤ 3, so the integral is exact (k-diffusion integrates numerically to 1e-4).
const GAUSS_NODES = [-Math.sqrt(3 / 5), 0, Math.sqrt(3 / 5)];
const GAUSS_WEIGHTS = [5 / 9, 8 / 9, 5 / 9];

/**
 * Weight of the slope taken at σ_{i−j} when stepping σ_i → σ_{i+1} with an `order`-point multistep
 * method: the integral over [σ_i, σ_{i+1}] of the Lagrange basis polynomial that is 1 at σ_{i−j} and 0
 * at the other σ_{i−k}, k < order.
 */
export function linearMultistepCoefficient(order: number, sigmas: readonly number[], i: number, j: number): number {
  if (order - 1 > i) throw new RangeError(`order ${order} needs ${order - 1} earlier steps; step ${i} has ${i}`);
  const basis = (tau: number): number => {
    let product = 1;
    for (let k = 0; k < order; k++) {
      if (k !== j) product *= (tau - sigmas[i - k]) / (sigmas[i - j] - sigmas[i - k]);
    }
    return product;
  };
  const a = sigmas[i];
  const b = sigmas[i + 1];
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let sum = 0;
  for (let q = 0; q < GAUSS_NODES.length; q++) sum += GAUSS_WEIGHTS[q] * basis(mid + half * GAUSS_NODES[q]);
  return sum * half;
}

export async function sampleLms(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  // slopes[0] is the newest; older ones are recycled as buffers once they fall out of the window.
  const slopes: Float32Array[] = [];
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const denoised = await run.model(x, sigma, i);
    const slope = slopes.length === LMS_ORDER ? (slopes.pop() as Float32Array) : new Float32Array(x.length);
    await run.combine(slope, [
      [1 / sigma, x],
      [-1 / sigma, denoised],
    ]);
    slopes.unshift(slope);
    const order = Math.min(i + 1, LMS_ORDER);
    const terms = slopes
      .slice(0, order)
      .map((s, k): LatentTerm => [linearMultistepCoefficient(order, sigmas, i, k), s]);
    await run.combine(x, [[1, x], ...terms]);
    await run.step(i, denoised);
  }
  return x;
}
