/**
 * Sampler/scheduler resolution and the σ schedule for one job. Names we do not offer run as
 * euler / karras and say so in the job's warnings (DECISIONS §3: substituted, never silently).
 */
import type { CheckpointConfig } from '../models/checkpoint-config.ts';
import { SAMPLERS } from '../samplers/index.ts';
import { distilledTimestep, schedule, SCHEDULERS, SDXL_SIGMA_MAX, SDXL_SIGMA_MIN, sigmaTable, sigmaToTimestep } from '../schedulers/sigmas.ts';

export const FALLBACK_SAMPLER = 'euler';
export const FALLBACK_SCHEDULER = 'karras';
/** Schedulers that sample an LCM/TCD-distilled model: the UNet sees the distilled timestep grid. */
const DISTILLED_SCHEDULERS = new Set(['lcm', 'tcd']);

export interface SamplingPlan {
  sampler: string;
  scheduler: string;
  /** steps+1 descending σ's ending with 0. */
  sigmas: number[];
  table: Float64Array;
  timestepOf: (sigma: number) => number;
  /** Scale of the unit-normal initial noise (√(1+σ0²) from σmax, else σ0: §4.4). */
  initialNoiseScale: number;
  warnings: string[];
}

function isSdxlBetas(config: CheckpointConfig): boolean {
  return config.betaStart === 0.00085 && config.betaEnd === 0.012 && config.trainSteps === 1000;
}

export function planSampling(requestedSampler: string, requestedScheduler: string, steps: number, config: CheckpointConfig): SamplingPlan {
  const warnings: string[] = [];
  let sampler = requestedSampler;
  if (!SAMPLERS.includes(sampler)) {
    warnings.push(`sampler '${requestedSampler}' is not available; used ${FALLBACK_SAMPLER} (available: ${SAMPLERS.join(', ')})`);
    sampler = FALLBACK_SAMPLER;
  }
  let scheduler = requestedScheduler;
  if (!SCHEDULERS.includes(scheduler)) {
    warnings.push(`scheduler '${requestedScheduler}' is not available; used ${FALLBACK_SCHEDULER} (available: ${SCHEDULERS.join(', ')})`);
    scheduler = FALLBACK_SCHEDULER;
  }
  const table = sigmaTable(config.betaStart, config.betaEnd, config.trainSteps);
  // SDXL's range is taken as ComfyUI computes it in float32 (DECISIONS §4); other betas use their table's ends.
  const sigmaMin = isSdxlBetas(config) ? SDXL_SIGMA_MIN : table[0];
  const sigmaMax = isSdxlBetas(config) ? SDXL_SIGMA_MAX : table[table.length - 1];
  const sigmas = schedule(scheduler, steps, sigmaMin, sigmaMax, table);
  const timestepOf = DISTILLED_SCHEDULERS.has(scheduler) ? (sigma: number) => distilledTimestep(sigma, table) : (sigma: number) => sigmaToTimestep(sigma, table);
  const first = sigmas[0];
  const initialNoiseScale = first >= sigmaMax * (1 - 1e-5) ? Math.sqrt(1 + first * first) : first;
  return { sampler, scheduler, sigmas, table, timestepOf, initialNoiseScale, warnings };
}
