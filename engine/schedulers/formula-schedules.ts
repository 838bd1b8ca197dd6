/**
 * Schedules defined by a closed formula in σ (no model table). Each returns steps+1 descending σ's
 * ending with 0 unless noted.
 */

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
}

function checkRange(sigmaMin: number, sigmaMax: number): void {
  if (!(sigmaMin > 0 && sigmaMax > sigmaMin)) {
    throw new Error(`sigma range must satisfy 0 < sigmaMin < sigmaMax, got ${sigmaMin}, ${sigmaMax}`);
  }
}

/** numpy/torch linspace(start, end, n) (n = 1 gives [start]). */
export function linspace(start: number, end: number, n: number): number[] {
  if (n === 1) return [start];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = start + ((end - start) * i) / (n - 1);
  out[n - 1] = end;
  return out;
}

/** Karras et al. 2022: σ_i = (σmax^{1/ρ} + i/(n−1)·(σmin^{1/ρ} − σmax^{1/ρ}))^ρ, then 0. */
export function karrasSigmas(steps: number, sigmaMin: number, sigmaMax: number, rho = 7): number[] {
  checkSteps(steps);
  checkRange(sigmaMin, sigmaMax);
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  const sigmas = linspace(0, 1, steps).map((ramp) => (maxInv + ramp * (minInv - maxInv)) ** rho);
  sigmas.push(0);
  return sigmas;
}

/** Evenly spaced in ln σ from σmax to σmin, then 0. */
export function exponentialSigmas(steps: number, sigmaMin: number, sigmaMax: number): number[] {
  checkSteps(steps);
  checkRange(sigmaMin, sigmaMax);
  const sigmas = linspace(Math.log(sigmaMax), Math.log(sigmaMin), steps).map(Math.exp);
  sigmas.push(0);
  return sigmas;
}

/** Align Your Steps (NVIDIA, Sabour et al. 2024) optimised 10-step SDXL noise levels, σmax → σmin. */
export const AYS_SDXL_SIGMAS: readonly number[] = [
  14.6146412293, 6.3184485863, 3.7681790315, 2.1811480769, 1.3405244945, 0.8620721141, 0.5550693289, 0.3798540708,
  0.2332364134, 0.1114188177, 0.0291671582,
];

/**
 * Align Your Steps for SDXL: the published levels, log-linearly re-interpolated to steps+1 points when
 * steps ≠ 10; the last level is then replaced by 0.
 */
export function alignYourStepsSigmas(steps: number): number[] {
  checkSteps(steps);
  let levels = [...AYS_SDXL_SIGMAS];
  if (steps + 1 !== levels.length) {
    // Interpolate ln σ (ascending) over a uniform [0,1] grid, as np.interp would.
    const ascending = levels.slice().reverse().map(Math.log);
    const xs = linspace(0, 1, ascending.length);
    const resampled = linspace(0, 1, steps + 1).map((x) => {
      let k = 0;
      while (k < xs.length - 2 && x > xs[k + 1]) k++;
      const w = (x - xs[k]) / (xs[k + 1] - xs[k]);
      return Math.exp(ascending[k] + w * (ascending[k + 1] - ascending[k]));
    });
    levels = resampled.reverse();
  }
  levels[levels.length - 1] = 0;
  return levels;
}
