/**
 * Classifier-free guidance with Fooocus's adaptive CFG ("CFG mimicking from TSNR",
 * fooocus-semantics.md §4.4): above `adaptiveCfg`, early steps blend towards the guidance a
 * scale of `adaptiveCfg` would give, late steps use the real scale.
 */

/** Diffusion progress p = 1 − t/999 (≈0 at the first step, ≈1 at the last). */
export function progressOf(timestep: number): number {
  return Math.min(1, Math.max(0, 1 - timestep / 999));
}

/** ε = ε_u + g·(ε_c − ε_u), mixed with the adaptive-CFG mimic when g > adaptiveCfg. Arrays of equal length. */
export function applyGuidance(epsUncond: Float32Array, epsCond: Float32Array, scale: number, adaptiveCfg: number, progress: number): Float32Array {
  const out = new Float32Array(epsCond.length);
  if (scale > adaptiveCfg) {
    // real·p + mimic·(1−p) is itself one guidance scale: adaptiveCfg + p·(scale − adaptiveCfg).
    const effective = adaptiveCfg + progress * (scale - adaptiveCfg);
    for (let i = 0; i < out.length; i++) out[i] = epsUncond[i] + effective * (epsCond[i] - epsUncond[i]);
    return out;
  }
  for (let i = 0; i < out.length; i++) out[i] = epsUncond[i] + scale * (epsCond[i] - epsUncond[i]);
  return out;
}
