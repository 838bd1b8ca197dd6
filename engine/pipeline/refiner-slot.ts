/**
 * The refiner UNet a pipeline keeps resident beside its base (refiner.ts): the job's refiner
 * checkpoint with its LoRAs, or Fooocus's synthetic refiner of the inpaint engine, kept while jobs
 * keep asking for the same one, released when one is no longer wanted (only its UNet: a real refiner
 * is gigabytes).
 */
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import { checkpointDir, isFile, listCheckpoints, resolveCheckpointName } from '../models/registry.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { EngineJob } from '../protocol.ts';
import type { LoadedCheckpoint } from './loaded-checkpoint.ts';
import { mergeRefinerLoras } from './lora-models.ts';
import { RefinerUnet } from './refiner.ts';

export class RefinerSlot {
  private loaded: RefinerUnet | null = null;

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Fooocus's synthetic refiner for the inpaint engine: the base UNet with the job's LoRAs but
   * without the inpaint patch and head, resident beside it like a refiner.
   */
  async synthetic(base: LoadedCheckpoint, plainUnet: string): Promise<RefinerUnet> {
    if (this.loaded?.name !== base.name || this.loaded.modelPath !== plainUnet) {
      await this.release();
      this.loaded = await RefinerUnet.load(base.name, base.dir, this.providers, plainUnet);
    }
    return this.loaded;
  }

  /**
   * The refiner UNet for `job.refiner`, or null when there is none to run: no refiner, the base
   * itself (Fooocus: base == refiner ⇒ disabled), or a switch at/after the last step.
   */
  async forJob(job: EngineJob, base: LoadedCheckpoint, warnings: string[]): Promise<RefinerUnet | null> {
    const wanted = job.refiner;
    if (!wanted || wanted.switchAt >= job.steps) {
      await this.release();
      return null;
    }
    const installed = await listCheckpoints(this.modelsDir);
    const name = resolveCheckpointName(installed, wanted.model);
    if (name === null)
      throw modelMissing(
        `refiner '${wanted.model}' is not installed; available: ${installed.length > 0 ? installed.join(', ') : '(none)'}`,
        'refiner',
      );
    if (name === base.name) {
      await this.release();
      return null;
    }
    const dir = checkpointDir(this.modelsDir, name);
    if (!(await isFile(join(dir, 'unet', 'model.onnx'))))
      throw modelMissing(`refiner '${name}' at ${dir} has no unet/model.onnx`, 'refiner');
    const merged = await mergeRefinerLoras(this.modelsDir, dir, job.loras, this.log);
    warnings.push(...merged.warnings);
    if (this.loaded?.name !== name || this.loaded.modelPath !== merged.modelPath) {
      await this.release();
      this.loaded = await RefinerUnet.load(name, dir, this.providers, merged.modelPath);
    }
    return this.loaded;
  }

  async release(): Promise<void> {
    const refiner = this.loaded;
    this.loaded = null;
    await refiner?.release();
  }
}
