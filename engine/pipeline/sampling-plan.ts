/**
 * Sampler/scheduler resolution and the σ schedule for one job. Names we do not offer run as
 * euler / karras and say so in the job's warnings (DECISIONS §3: substituted, never silently).
 * The scheduler also picks the model sampling and latent format Fooocus patches in
 * (fooocus-semantics.md §4.1): the distilled grid for `lcm`/`tcd`, continuous EDM with
 * Playground v2.5's latent format for `edm_playground_v2.5`.
 */
import type { CheckpointConfig } from '../models/checkpoint-config.ts';
import { SAMPLERS } from '../samplers/index.ts';
import {
  distilledTimestep,
  schedule,
  SCHEDULERS,
  SDXL_SIGMA_MAX,
  SDXL_SIGMA_MIN,
  sigmaTable,
} from '../schedulers/sigmas.ts';
import { continuousEdmSampling, discreteEpsSampling, type ModelSampling } from '../unet/model-sampling.ts';
import { fromVaeLatent, PLAYGROUND_LATENT_FORMAT, sdxlLatentFormat, type LatentFormat } from '../vae/latent-format.ts';

export const FALLBACK_SAMPLER = 'euler';
export const FALLBACK_SCHEDULER = 'karras';
/** Schedulers that sample an LCM/TCD-distilled model: the UNet sees the distilled timestep grid. */
const DISTILLED_SCHEDULERS = new Set(['lcm', 'tcd']);
export const EDM_PLAYGROUND_SCHEDULER = 'edm_playground_v2.5';

export interface SamplingPlan {
  sampler: string;
  scheduler: string;
  /** steps+1 descending σ's ending with 0. */
  sigmas: number[];
  /** The checkpoint's discrete σ table (ascending). */
  table: Float64Array;
  modelSampling: ModelSampling;
  latentFormat: LatentFormat;
  /** Scale of the unit-normal initial noise (√(1+σ0²) from σmax, else σ0: §4.4). */
  initialNoiseScale: number;
  /**
   * Per latent channel, the empty latent (zeros) in the sampler's space, added to the scaled
   * noise as ComfyUI's process_latent_in(0) is: 0 for SDXL, −mean·0.5/std for Playground.
   */
  emptyLatent: number[];
  warnings: string[];
}

/** Initial-noise scale at σ0: √(1+σ0²) from the model's σmax (full denoise), else σ0 (ComfyUI). */
export function noiseScaleAt(sigma0: number, sigmaMax: number): number {
  return sigma0 >= sigmaMax * (1 - 1e-5) ? Math.sqrt(1 + sigma0 * sigma0) : sigma0;
}

function isSdxlBetas(config: CheckpointConfig): boolean {
  return config.betaStart === 0.00085 && config.betaEnd === 0.012 && config.trainSteps === 1000;
}

/**
 * `denoise` < 1 (img2img, fooocus-semantics §6): ComfyUI's KSampler schedules ⌊steps/denoise⌋ steps
 * and keeps the last steps+1 σ's, so `steps` steps run from part-way down the schedule.
 */
export function planSampling(
  requestedSampler: string,
  requestedScheduler: string,
  steps: number,
  config: CheckpointConfig,
  denoise = 1,
): SamplingPlan {
  const warnings: string[] = [];
  let sampler = requestedSampler;
  if (!SAMPLERS.includes(sampler)) {
    warnings.push(
      `sampler '${requestedSampler}' is not available; used ${FALLBACK_SAMPLER} (available: ${SAMPLERS.join(', ')})`,
    );
    sampler = FALLBACK_SAMPLER;
  }
  let scheduler = requestedScheduler;
  if (!SCHEDULERS.includes(scheduler)) {
    warnings.push(
      `scheduler '${requestedScheduler}' is not available; used ${FALLBACK_SCHEDULER} (available: ${SCHEDULERS.join(', ')})`,
    );
    scheduler = FALLBACK_SCHEDULER;
  }
  const table = sigmaTable(config.betaStart, config.betaEnd, config.trainSteps);
  const modelSampling = modelSamplingFor(scheduler, config, table);
  const latentFormat =
    scheduler === EDM_PLAYGROUND_SCHEDULER ? PLAYGROUND_LATENT_FORMAT : sdxlLatentFormat(config.scalingFactor);
  const sigmas = partialSchedule(steps, denoise, (n) =>
    schedule(scheduler, n, modelSampling.sigmaMin, modelSampling.sigmaMax, table),
  );
  const initialNoiseScale = noiseScaleAt(sigmas[0], modelSampling.sigmaMax);
  const channels = config.latentChannels;
  const emptyLatent = Array.from(fromVaeLatent(latentFormat, new Float32Array(channels), channels));
  return { sampler, scheduler, sigmas, table, modelSampling, latentFormat, initialNoiseScale, emptyLatent, warnings };
}

/** A strength of 0 keeps the input: no step at all (σ = [0]). */
function partialSchedule(steps: number, denoise: number, full: (steps: number) => number[]): number[] {
  if (denoise > 0.9999) return full(steps);
  if (denoise <= 0) return [0];
  return full(Math.trunc(steps / denoise)).slice(-(steps + 1));
}

function modelSamplingFor(scheduler: string, config: CheckpointConfig, table: Float64Array): ModelSampling {
  if (scheduler === EDM_PLAYGROUND_SCHEDULER) return continuousEdmSampling();
  // SDXL's range is taken as ComfyUI computes it in float32 (DECISIONS §4); other betas use their table's ends.
  const sigmaMin = isSdxlBetas(config) ? SDXL_SIGMA_MIN : table[0];
  const sigmaMax = isSdxlBetas(config) ? SDXL_SIGMA_MAX : table[table.length - 1];
  return DISTILLED_SCHEDULERS.has(scheduler)
    ? discreteEpsSampling(table, sigmaMin, sigmaMax, (sigma) => distilledTimestep(sigma, table))
    : discreteEpsSampling(table, sigmaMin, sigmaMax);
}
