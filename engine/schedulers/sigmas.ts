/**
 * The one entry point for noise schedules: `schedule(name, steps, σmin, σmax, table?)` returns the
 * descending σ's a sampler walks (usually steps+1 values ending with 0). Names follow Fooocus.
 */
import { alignYourStepsSigmas, exponentialSigmas, karrasSigmas } from './formula-schedules.ts';
import { sigmaTable } from './sigma-table.ts';
import {
  betaSigmas,
  ddimUniformSigmas,
  distilledSgmSigmas,
  normalSigmas,
  simpleSigmas,
  turboSigmas,
} from './table-schedules.ts';

export {
  SDXL_SIGMA_MAX,
  SDXL_SIGMA_MIN,
  distilledSigmaTable,
  distilledTimestep,
  nearestIndex,
  sigmaTable,
  sigmaToTimestep,
  timestepToSigma,
} from './sigma-table.ts';
export { alignYourStepsSigmas, exponentialSigmas, karrasSigmas } from './formula-schedules.ts';

type ScheduleFn = (steps: number, sigmaMin: number, sigmaMax: number, table: Float64Array) => number[];

const SCHEDULE_FUNCTIONS: Record<string, ScheduleFn> = {
  karras: (steps, min, max) => karrasSigmas(steps, min, max),
  exponential: (steps, min, max) => exponentialSigmas(steps, min, max),
  sgm_uniform: (steps, min, max, table) => normalSigmas(steps, min, max, table, true),
  simple: (steps, _min, _max, table) => simpleSigmas(steps, table),
  ddim_uniform: (steps, _min, _max, table) => ddimUniformSigmas(steps, table),
  normal: (steps, min, max, table) => normalSigmas(steps, min, max, table),
  beta: (steps, _min, _max, table) => betaSigmas(steps, table),
  // Fooocus runs both on the distilled LCM table (the sampler and denoiser differ, not the σ's).
  lcm: (steps, min, max, table) => distilledSgmSigmas(steps, min, max, table),
  turbo: (steps, _min, _max, table) => turboSigmas(steps, table),
  align_your_steps: (steps) => alignYourStepsSigmas(steps),
  tcd: (steps, min, max, table) => distilledSgmSigmas(steps, min, max, table),
  // Fooocus computes it with karras over the patched EDM model's range (0.002..120: the caller
  // passes that range; engine/unet/model-sampling.ts PLAYGROUND_EDM).
  'edm_playground_v2.5': (steps, min, max) => karrasSigmas(steps, min, max),
};

/** Scheduler names we implement, in Fooocus's order. */
export const SCHEDULERS: readonly string[] = Object.freeze(Object.keys(SCHEDULE_FUNCTIONS));

let defaultTable: Float64Array | undefined;

/**
 * σ's for `scheduler`. `table` is the model's ascending σ table (default: SDXL's); the table-based
 * schedules (normal, simple, ddim_uniform, sgm_uniform, beta, turbo, lcm, tcd) read it. σmin/σmax
 * are the model sampling's range: SDXL's for all but `edm_playground_v2.5` (0.002, 120).
 */
export function schedule(
  scheduler: string,
  steps: number,
  sigmaMin: number,
  sigmaMax: number,
  table?: Float64Array,
): number[] {
  const fn = Object.hasOwn(SCHEDULE_FUNCTIONS, scheduler) ? SCHEDULE_FUNCTIONS[scheduler] : undefined;
  if (!fn) throw new Error(`unknown scheduler '${scheduler}'; available: ${SCHEDULERS.join(', ')}`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps must be a positive integer, got ${steps}`);
  defaultTable ??= sigmaTable();
  return fn(steps, sigmaMin, sigmaMax, table ?? defaultTable);
}
