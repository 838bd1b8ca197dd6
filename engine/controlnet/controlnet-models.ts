/**
 * The pipeline's ControlNet stage: the job's maps (control-maps.ts), then — unless the debug
 * preprocessor asks for the maps themselves — the ControlNet of each slot's type
 * (controlnet-files.ts; sessions kept while jobs keep using them) and the per-call residual feeds
 * for the UNet (control-residuals.ts). Missing models fail with what to install.
 */
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { ControlNetJob } from '../protocol.ts';
import type { ModelSampling } from '../unet/model-sampling.ts';
import { controlMaps } from './control-maps.ts';
import { createResidualFeeds, type ControlSlot, type ResidualFeeds } from './control-residuals.ts';
import { CONTROLNET_FOLDER, controlNetInstallHint, findControlNet } from './controlnet-files.ts';
import { ControlNetSession } from './controlnet-session.ts';
import { downResidualName, MID_RESIDUAL } from './residual-graph.ts';
import { TINY_RESIDUAL_CHANNELS } from './tiny-controlnet.ts';

export interface ControlStageOptions {
  inputsDir: string;
  /** The generation size in pixels (the maps' size). */
  width: number;
  height: number;
  /** The loaded base UNet's input names (its residual inputs among them). */
  unetInputs: readonly string[];
  sampling: ModelSampling;
  warnings: string[];
}

export type ControlStage = { kind: 'debug'; maps: Bitmap8[] } | { kind: 'control'; residualFeeds: ResidualFeeds };

/** The residual inputs of a UNet, down 0..n−1 then mid; [] when it takes none. */
export function unetResidualNames(inputs: readonly string[]): string[] {
  if (!inputs.includes(MID_RESIDUAL)) return [];
  const down: string[] = [];
  while (inputs.includes(downResidualName(down.length))) down.push(downResidualName(down.length));
  return [...down, MID_RESIDUAL];
}

export class ControlNetModels {
  private sessions = new Map<string, ControlNetSession>();

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
  ) {}

  async prepare(job: ControlNetJob, options: ControlStageOptions): Promise<ControlStage> {
    const maps = await controlMaps(job, options.inputsDir, options.width, options.height);
    if (job.isPreprocessorDebug) return { kind: 'debug', maps: maps.map((m) => m.map) };
    const residualNames = unetResidualNames(options.unetInputs);
    const used = new Set<string>();
    const slots: ControlSlot[] = [];
    for (const { slot, map } of maps) {
      const file = await findControlNet(this.modelsDir, slot.type);
      if (!file)
        throw modelMissing(
          `no ControlNet for ${slot.type} under ${join(this.modelsDir, CONTROLNET_FOLDER)}: ${controlNetInstallHint(this.modelsDir, slot.type)}`,
          'controlnet_image',
        );
      const warning = file.isDemo
        ? `${slot.type} ran with the tiny random-weight demo ControlNet ${file.name}: its control is noise; ${controlNetInstallHint(this.modelsDir, slot.type)}`
        : undefined;
      // The demo's residuals are shaped for the demo checkpoint's UNet (3 skips + mid), not SDXL's 9 + 1.
      if (file.isDemo && residualNames.length !== TINY_RESIDUAL_CHANNELS.down.length + 1) {
        throw modelMissing(
          `the demo ControlNet ${file.name} fits only the demo checkpoint's UNet, not this one (${residualNames.length} residual inputs): ${controlNetInstallHint(this.modelsDir, slot.type)}`,
          'controlnet_image',
        );
      }
      if (warning && !options.warnings.includes(warning)) options.warnings.push(warning);
      used.add(file.path);
      slots.push({
        map,
        weight: slot.weight,
        stop: slot.stop,
        model: await this.session(file.path, file.name, residualNames),
      });
    }
    // Sessions no job of this kind asked for again are let go (a real SDXL ControlNet holds ~2.5 GB).
    for (const [path, session] of this.sessions) {
      if (used.has(path)) continue;
      this.sessions.delete(path);
      await session.release();
    }
    return {
      kind: 'control',
      residualFeeds: createResidualFeeds(slots, residualNames, job.softness, options.sampling),
    };
  }

  private async session(path: string, name: string, residualNames: readonly string[]): Promise<ControlNetSession> {
    const known = this.sessions.get(path);
    if (known && known.residualNames.join() === residualNames.join()) return known;
    if (known) {
      this.sessions.delete(path);
      await known.release();
    }
    const onnx = await this.providers.createSession(path, `controlnet/${name}`);
    try {
      const session = new ControlNetSession(onnx, residualNames);
      this.sessions.set(path, session);
      return session;
    } catch (error) {
      await onnx.release();
      throw error;
    }
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of sessions) await session.release();
  }
}
