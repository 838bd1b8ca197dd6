/**
 * Schedules that pick σ's from the model's discrete table (ComfyUI/Fooocus definitions). `table` is
 * ascending (index = timestep). Each ends with an appended 0.
 */
import { betaPpf } from './beta-distribution.ts';
import { linspace } from './formula-schedules.ts';
import { distilledSigmaTable, nearestIndex, timestepToSigma } from './sigma-table.ts';

function checkSteps(steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
}

/**
 * `normal` (and with isSgm, `sgm_uniform`): timesteps evenly spaced from t(σmax) to t(σmin), σ
 * interpolated at each. sgm_uniform spaces steps+1 points and drops the last, so it never lands on σmin.
 */
export function normalSigmas(
  steps: number,
  sigmaMin: number,
  sigmaMax: number,
  table: Float64Array,
  isSgm = false,
): number[] {
  checkSteps(steps);
  const start = nearestIndex(sigmaMax, table);
  const end = nearestIndex(sigmaMin, table);
  const timesteps = isSgm ? linspace(start, end, steps + 1).slice(0, -1) : linspace(start, end, steps);
  const sigmas = timesteps.map((t) => timestepToSigma(t, table));
  sigmas.push(0);
  return sigmas;
}

/** `simple`: every (len/steps)-th table entry counted down from the top. */
export function simpleSigmas(steps: number, table: Float64Array): number[] {
  checkSteps(steps);
  const stride = table.length / steps;
  const sigmas: number[] = [];
  for (let x = 0; x < steps; x++) sigmas.push(table[table.length - 1 - Math.floor(x * stride)]);
  sigmas.push(0);
  return sigmas;
}

/**
 * `ddim_uniform`: table entries 1, 1+k, 1+2k, … (k = ⌊len/steps⌋) in descending order. As in ComfyUI
 * this can yield a step or so more than asked and never starts at σmax; kept for parity.
 */
export function ddimUniformSigmas(steps: number, table: Float64Array): number[] {
  checkSteps(steps);
  const stride = Math.max(Math.floor(table.length / steps), 1);
  const sigmas: number[] = [];
  for (let x = 1; x < table.length; x += stride) sigmas.push(table[x]);
  sigmas.reverse();
  sigmas.push(0);
  return sigmas;
}

/** numpy.rint: round half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `beta`: timesteps at Beta(α, β) quantiles of 1 − i/steps; repeated timesteps are dropped. */
export function betaSigmas(steps: number, table: Float64Array, alpha = 0.6, beta = 0.6): number[] {
  checkSteps(steps);
  const total = table.length - 1;
  const sigmas: number[] = [];
  let lastT = -1;
  for (let i = 0; i < steps; i++) {
    const t = roundHalfEven(betaPpf(1 - i / steps, alpha, beta) * total);
    if (t !== lastT) sigmas.push(table[t]);
    lastT = t;
  }
  sigmas.push(0);
  return sigmas;
}

/** `turbo` (SD-Turbo): timesteps 999, 899, …, 99, at most 10 steps. */
export function turboSigmas(steps: number, table: Float64Array): number[] {
  checkSteps(steps);
  const sigmas: number[] = [];
  for (let i = 0; i < Math.min(steps, 10); i++) sigmas.push(timestepToSigma(999 - 100 * i, table));
  sigmas.push(0);
  return sigmas;
}

/**
 * `lcm` / `tcd` in Fooocus: sgm_uniform over the distilled 50-entry table (t = 19 … 999), where
 * timestep k of the distilled grid is 19 + 20k.
 */
export function distilledSgmSigmas(steps: number, sigmaMin: number, sigmaMax: number, table: Float64Array): number[] {
  checkSteps(steps);
  const distilled = distilledSigmaTable(table);
  const start = nearestIndex(sigmaMax, distilled);
  const end = nearestIndex(sigmaMin, distilled);
  // Spacing in distilled-index units equals spacing in timesteps divided by the (constant) stride.
  const sigmas = linspace(start, end, steps + 1)
    .slice(0, -1)
    .map((k) => timestepToSigma(k, distilled));
  sigmas.push(0);
  return sigmas;
}
