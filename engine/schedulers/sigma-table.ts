/**
 * The discrete noise table of an epsilon-prediction SDXL model and the σ ↔ timestep maps over it.
 * Tables are ascending in σ (index = timestep for the full 1000-step table).
 */

/** SDXL's σ range as ComfyUI computes it in float32. */
export const SDXL_SIGMA_MIN = 0.0291675;
export const SDXL_SIGMA_MAX = 14.614642;

/**
 * σ_t for t = 0..trainSteps−1 of the scaled-linear ("linear" in LDM) beta schedule:
 * β = linspace(√βstart, √βend)², ᾱ = cumprod(1−β) in float64, then, as ComfyUI does, ᾱ rounded to
 * float32 and σ = √((1−ᾱ)/ᾱ) evaluated in float32 (so the ends are exactly ComfyUI's σmin/σmax).
 */
export function sigmaTable(betaStart = 0.00085, betaEnd = 0.012, trainSteps = 1000): Float64Array {
  if (!Number.isInteger(trainSteps) || trainSteps < 2)
    throw new Error(`trainSteps must be an integer ≥ 2, got ${trainSteps}`);
  if (!(betaStart > 0 && betaEnd > betaStart && betaEnd < 1)) {
    throw new Error(`betas must satisfy 0 < betaStart < betaEnd < 1, got ${betaStart}, ${betaEnd}`);
  }
  const start = Math.sqrt(betaStart);
  const end = Math.sqrt(betaEnd);
  const step = (end - start) / (trainSteps - 1);
  const table = new Float64Array(trainSteps);
  let alphaCumprod = 1;
  for (let t = 0; t < trainSteps; t++) {
    // torch.linspace evaluates the upper half from the end, which keeps the last value exact.
    const root = t < trainSteps / 2 ? start + step * t : end - step * (trainSteps - 1 - t);
    alphaCumprod *= 1 - root * root;
    const a = Math.fround(alphaCumprod);
    table[t] = Math.fround(Math.sqrt(Math.fround(Math.fround(1 - a) / a)));
  }
  return table;
}

/** Fractional timestep of σ: linear interpolation in ln σ between neighbours, clamped to [0, len−1]. */
export function sigmaToTimestep(sigma: number, table: Float64Array): number {
  const last = table.length - 1;
  if (!(sigma > table[0])) return 0; // also catches NaN and σ = 0
  if (sigma >= table[last]) return last;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (table[mid] <= sigma) lo = mid;
    else hi = mid;
  }
  const logLo = Math.log(table[lo]);
  const w = (Math.log(sigma) - logLo) / (Math.log(table[hi]) - logLo);
  return lo + w;
}

/** σ at a fractional timestep (ComfyUI `ModelSamplingDiscrete.sigma`): ln σ interpolated linearly. */
export function timestepToSigma(timestep: number, table: Float64Array): number {
  const t = Math.min(Math.max(timestep, 0), table.length - 1);
  const low = Math.floor(t);
  const high = Math.ceil(t);
  const w = t - low;
  return Math.exp((1 - w) * Math.log(table[low]) + w * Math.log(table[high]));
}

/** Index of the table entry nearest to σ in ln σ (ComfyUI `ModelSamplingDiscrete.timestep`; first wins ties). */
export function nearestIndex(sigma: number, table: Float64Array): number {
  const target = Math.log(sigma);
  let best = 0;
  let bestDistance = Infinity;
  for (let i = 0; i < table.length; i++) {
    const distance = Math.abs(target - Math.log(table[i]));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = i;
    }
  }
  return best;
}

/**
 * The distilled table LCM/TCD models sample over (ComfyUI `ModelSamplingDiscreteDistilled`): every
 * (len/originalSteps)-th σ ending at the last, i.e. t = 19, 39, …, 999 for 1000 and 50.
 */
export function distilledSigmaTable(table: Float64Array, originalSteps = 50): Float64Array {
  const skip = Math.floor(table.length / originalSteps);
  const out = new Float64Array(originalSteps);
  for (let k = 0; k < originalSteps; k++) out[k] = table[table.length - 1 - (originalSteps - 1 - k) * skip];
  return out;
}

/** The UNet timestep for σ under the distilled sampling: the nearest grid point (19, 39, …, 999). */
export function distilledTimestep(sigma: number, table: Float64Array, originalSteps = 50): number {
  const skip = Math.floor(table.length / originalSteps);
  return nearestIndex(sigma, distilledSigmaTable(table, originalSteps)) * skip + skip - 1;
}
