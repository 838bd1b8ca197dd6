/**
 * What the adapters may know about this server, read fresh per request (models can be dropped in
 * while it runs, as the originals rescan): installed checkpoints and LoRAs, styles, presets.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toPresetValues } from '../../adapters/preset-values.ts';
import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import type { CommonRequest } from '../../adapters/common-request.ts';
import { findExpansionModel } from '../../engine/expansion/expansion-files.ts';
import { listCheckpoints, listLoras } from '../../engine/models/registry.ts';
import { FOOOCUS_STYLE_NAMES } from '../../engine/styles/fooocus-style-names.ts';
import { SAMPLERS } from '../../engine/samplers/index.ts';
import { SCHEDULERS } from '../../engine/schedulers/sigmas.ts';
import type { Logger } from '../logging/logger.ts';

export interface ServerStateOptions {
  modelsDir: string;
  presetsDir: string;
  configuredDefaultModel: string | null;
  serverPreset: string | null;
  isStrict: boolean;
  logger: Logger;
}

export class ServerState {
  constructor(private readonly options: ServerStateOptions) {}

  async listModels(): Promise<{ models: string[]; loras: string[] }> {
    const [models, loras] = await Promise.all([listCheckpoints(this.options.modelsDir), listLoras(this.options.modelsDir)]);
    return { models, loras };
  }

  /** Why `Fooocus V2` cannot run (which expansion file is missing), or null when a model is installed. */
  async expansionUnavailable(): Promise<string | null> {
    const found = await findExpansionModel(this.options.modelsDir);
    return found.files ? null : found.reason;
  }

  async presets(): Promise<Record<string, Partial<CommonRequest>>> {
    const files = await readdir(this.options.presetsDir).catch(() => [] as string[]);
    const out: Record<string, Partial<CommonRequest>> = {};
    for (const file of files.filter((f) => f.endsWith('.json')).sort()) {
      try {
        out[file.slice(0, -5)] = toPresetValues(JSON.parse(await readFile(join(this.options.presetsDir, file), 'utf8')));
      } catch (error) {
        this.options.logger.warn(`preset ${file} is not valid JSON; skipped (${(error as Error).message})`);
      }
    }
    return out;
  }

  async snapshot(): Promise<ServerSnapshot> {
    const [{ models, loras }, presets] = await Promise.all([this.listModels(), this.presets()]);
    const configured = this.options.configuredDefaultModel;
    const defaultModel = (configured && models.find((m) => m === configured || `${m}.safetensors` === configured)) || models[0] || '';
    return {
      models,
      defaultModel,
      loras,
      styles: FOOOCUS_STYLE_NAMES,
      samplers: SAMPLERS,
      schedulers: SCHEDULERS,
      presets,
      serverPreset: this.options.serverPreset ? (presets[this.options.serverPreset] ?? null) : null,
      isStrict: this.options.isStrict,
    };
  }
}
