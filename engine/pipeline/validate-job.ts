/**
 * Checks the job fields the engine itself depends on. The gateway has validated the wire request
 * already; these guard the engine's own invariants and name the EngineJob field on failure.
 */
import { invalidInput } from '../errors.ts';
import type { EngineJob } from '../protocol.ts';
import { MAX_SEED } from './seeds.ts';

const MAX_SIDE = 8192;
const MAX_STEPS = 1000;
const MAX_IMAGES = 64;

function requireInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(field, `${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function requireFinite(field: string, value: number, min: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw invalidInput(field, `${field} must be a number ≥ ${min}, got ${value}`);
  }
}

/** `scaleFactor`: pixels per latent cell (8 for SDXL); sizes must divide by it. */
export function validateJob(job: EngineJob, scaleFactor = 8): void {
  for (const field of ['width', 'height'] as const) {
    requireInteger(field, job[field], scaleFactor, MAX_SIDE);
    if (job[field] % scaleFactor !== 0)
      throw invalidInput(field, `${field} must be a multiple of ${scaleFactor}, got ${job[field]}`);
  }
  requireInteger('steps', job.steps, 1, MAX_STEPS);
  requireInteger('imageNumber', job.imageNumber, 1, MAX_IMAGES);
  requireInteger('clipSkip', job.clipSkip, 1, 64);
  requireFinite('guidanceScale', job.guidanceScale, 0);
  requireFinite('adaptiveCfg', job.adaptiveCfg, 0);
  requireFinite('admScalerPositive', job.admScalerPositive, 0);
  requireFinite('admScalerNegative', job.admScalerNegative, 0);
  requireFinite('admScalerEnd', job.admScalerEnd, 0);
  if (typeof job.seed !== 'bigint' || job.seed < 0n || job.seed > MAX_SEED) {
    throw invalidInput('seed', `seed must be an integer from 0 to ${MAX_SEED}, got ${String(job.seed)}`);
  }
  if (!['png', 'jpeg', 'webp'].includes(job.outputFormat))
    throw invalidInput('outputFormat', `outputFormat '${job.outputFormat}' is unknown; available: png, jpeg, webp`);
  if (typeof job.prompt !== 'string') throw invalidInput('prompt', 'prompt must be a string');
  if (typeof job.negativePrompt !== 'string') throw invalidInput('negativePrompt', 'negativePrompt must be a string');
}
