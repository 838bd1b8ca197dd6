/**
 * Classifier-free guidance with Fooocus's adaptive CFG ("CFG mimicking from TSNR",
 * fooocus-semantics.md §4.4), and the diffusion progress that drives it, sharpness and ADM.
 */

/**
 * Diffusion progress p = 1 − t/999 for the timestep t the UNet receives (Fooocus sets it from the
 * UNet's own `timesteps` input): 0 at t = 999, 1 at t = 0. Not clamped, as in Fooocus: under the
 * EDM sampling t = ¼·ln σ, so p sits just above or below 1 for the whole run.
 */
export function progressOf(timestep: number): number {
  return 1 - timestep / 999;
}

/**
 * Whether the unconditional pass is skipped: Fooocus tests `math.isclose(cfg, 1.0)` (relative
 * tolerance 1e-9), then returns the conditional prediction alone, without sharpness or CFG.
 */
export function isCfgOne(scale: number): boolean {
  return Math.abs(scale - 1) <= 1e-9 * Math.max(Math.abs(scale), 1);
}

/**
 * real = ε_u + g·(ε_c − ε_u); above `adaptiveCfg`, mimic = ε_u + a·(ε_c − ε_u) and the result is
 * real·p + mimic·(1 − p) (early steps near the mimic scale, late ones at the real scale); otherwise
 * real. Computed term by term as Fooocus's `compute_cfg` does. Arrays of equal length; `out` may be either input.
 */
export function applyGuidance(
  epsUncond: Float32Array,
  epsCond: Float32Array,
  scale: number,
  adaptiveCfg: number,
  progress: number,
  out: Float32Array = new Float32Array(epsCond.length),
): Float32Array {
  const isMimicking = scale > adaptiveCfg;
  for (let i = 0; i < out.length; i++) {
    const u = epsUncond[i];
    const difference = epsCond[i] - u;
    const real = u + scale * difference;
    out[i] = isMimicking ? real * progress + (u + adaptiveCfg * difference) * (1 - progress) : real;
  }
  return out;
}
