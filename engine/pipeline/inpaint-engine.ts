/**
 * Whether an inpaint job runs Fooocus's inpaint engine (fooocus-semantics §7.5): the engine version
 * asked for, its files installed under models/inpaint, and a UNet export the head can be put into.
 * Otherwise the job runs engine `None` behaviour (latent blending only) and says why; never a refusal.
 * With the engine, Fooocus refines the last 20 % of the steps with the plain base UNet (its
 * "synthetic refiner") unless a refiner was chosen.
 */
import { join } from 'node:path';
import { findInpaintEngine, INPAINT_FOLDER, type InpaintEngineFiles } from '../inpaint/inpaint-engine-files.ts';
import type { EngineJob } from '../protocol.ts';
import { pythonRound } from '../uov/uov-geometry.ts';
import type { PixelStage } from './image-pixels.ts';

/** Fooocus's refiner_switch for the synthetic refiner. */
export const SYNTHETIC_REFINER_SWITCH = 0.8;

/** The engine's files, or null (with a warning when one was asked for but is not installed). */
export async function inpaintEngineFiles(
  stage: PixelStage,
  modelsDir: string,
  warnings: string[],
): Promise<InpaintEngineFiles | null> {
  if (stage.kind !== 'inpaint' || stage.input.engine === 'None') return null;
  const found = await findInpaintEngine(modelsDir, stage.input.engine);
  if ('files' in found) return found.files;
  warnings.push(
    `inpaint engine ${stage.input.engine} is not installed under ${join(modelsDir, INPAINT_FOLDER)} (missing ${found.missing.map((m) => m.split(/[\\/]/).pop()).join(', ')}; see README): inpainted with engine None behaviour (latent blending only)`,
  );
  return null;
}

/** The synthetic refiner's switch step (Fooocus: int(round(steps × 0.8))). */
export function syntheticRefinerSwitch(job: EngineJob): number {
  return pythonRound(job.steps * SYNTHETIC_REFINER_SWITCH);
}
