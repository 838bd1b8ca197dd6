/**
 * Sharpness (fooocus-semantics.md §4.5): before CFG, the conditional ε is blended with an
 * edge-preserving blur of itself, by a weight that grows with diffusion progress. CFG then pushes
 * the result away from the blurred version, which reads as sharper texture.
 */
import { adaptiveAnisotropicFilter, type TensorShape } from './anisotropic.ts';

/** α = 0.001 · sharpness · progress (sharpness 2 ⇒ α ≤ 0.002; the UI maximum 30 ⇒ ≤ 0.03). */
export function sharpnessWeight(sharpness: number, progress: number): number {
  return 0.001 * sharpness * progress;
}

/**
 * ε_c' = filter(ε_c, guide x0_c)·α + ε_c·(1 − α), all float32 [C,h,w] with ε_c = x − x0_c.
 * At α = 0 (first step, or sharpness 0) the blend is ε_c itself, so the filter is not run.
 * `work` (optional): buffers for the filtered ε_c and the result (the result may be epsCond itself).
 */
export function sharpenConditionalEps(
  epsCond: Float32Array,
  x0Cond: Float32Array,
  alpha: number,
  shape: TensorShape,
  work?: { degraded: Float32Array; out: Float32Array },
): Float32Array {
  if (alpha === 0) return epsCond;
  const degraded = adaptiveAnisotropicFilter(epsCond, x0Cond, shape, work?.degraded);
  const out = work?.out ?? new Float32Array(epsCond.length);
  for (let i = 0; i < out.length; i++) out[i] = degraded[i] * alpha + epsCond[i] * (1 - alpha);
  return out;
}
