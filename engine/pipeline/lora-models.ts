/**
 * A job's LoRAs → the model.onnx the text encoders and the UNet load: each component gets the
 * LoRAs merged into a copy under `<modelsDir>/.lora-cache` (engine/lora/merge.ts), found again for
 * the same (checkpoint, LoRA files, weights). The cache sits inside the models folder because the
 * merged copies hard-link the checkpoint's weight files, so it must be on the same filesystem.
 */
import { basename, join } from 'node:path';
import { invalidInput, modelMissing } from '../errors.ts';
import { mergeLoras, type LoraSpec } from '../lora/merge.ts';
import { isFile, listLoras } from '../models/registry.ts';
import type { EngineJob } from '../protocol.ts';
import { LORA_COMPONENTS, type ComponentModels } from './loaded-checkpoint.ts';

export const LORA_CACHE_FOLDER = '.lora-cache';
/** Examples of unapplied LoRA parts quoted in one warning (the full list goes to the log). */
const EXAMPLES = 3;

export interface JobLoraModels {
  models: ComponentModels;
  /** The LoRAs merged (weight ≠ 0), in job order, by file path: what the image metadata records. */
  applied: LoraSpec[];
  /** Per LoRA file, what of it applied to nothing in this checkpoint. */
  warnings: string[];
}

/** Job names → files under models/loras; a name that is not a plain installed file name fails the job. */
async function loraSpecs(modelsDir: string, loras: EngineJob['loras']): Promise<LoraSpec[]> {
  const specs: LoraSpec[] = [];
  const missing: string[] = [];
  for (const { name, weight } of loras) {
    // Names arrive resolved by the gateway; refusing paths keeps the engine inside models/loras anyway.
    if (name !== basename(name) || name.startsWith('.'))
      throw invalidInput('loras', `LoRA name '${name}' is not a file name under models/loras`);
    const path = join(modelsDir, 'loras', name);
    if (!(await isFile(path))) missing.push(name);
    specs.push({ path, weight });
  }
  if (missing.length > 0) {
    const available = await listLoras(modelsDir);
    throw modelMissing(
      `LoRA ${missing.map((m) => `'${m}'`).join(', ')} not found under models/loras; available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
      'loras',
    );
  }
  return specs;
}

/** `file: module (reason)` lines from every component → one warning per LoRA file. */
function summarise(skipped: readonly string[]): string[] {
  const byFile = new Map<string, Set<string>>();
  for (const line of skipped) {
    const at = line.indexOf(': ');
    const file = at < 0 ? '' : line.slice(0, at);
    const lines = byFile.get(file) ?? new Set<string>();
    lines.add(at < 0 ? line : line.slice(at + 2));
    byFile.set(file, lines);
  }
  return [...byFile].map(([file, lines]) => {
    const examples = [...lines].slice(0, EXAMPLES).join('; ');
    return `LoRA '${file}': ${lines.size} part${lines.size === 1 ? '' : 's'} not applied to this checkpoint (${examples}${lines.size > EXAMPLES ? '; …' : ''})`;
  });
}

export async function mergeJobLoras(
  modelsDir: string,
  checkpointDir: string,
  loras: EngineJob['loras'],
  log: (line: string) => void,
): Promise<JobLoraModels> {
  const applied = (await loraSpecs(modelsDir, loras)).filter((l) => l.weight !== 0);
  const cacheDir = join(modelsDir, LORA_CACHE_FOLDER);
  const models = {} as ComponentModels;
  const skipped: string[] = [];
  // One component at a time: each merge streams a weight file that can be gigabytes.
  for (const component of LORA_COMPONENTS) {
    // Said here as LoadedCheckpoint says it, rather than as the merge's bare ENOENT.
    if (applied.length > 0 && !(await isFile(join(checkpointDir, component, 'model.onnx'))))
      throw modelMissing(`checkpoint at ${checkpointDir} is incomplete; missing ${component}/model.onnx`);
    const merged = await mergeLoras(join(checkpointDir, component), applied, cacheDir, { log });
    // A copy that patches nothing would only cost a session reload: load the original instead.
    models[component] = merged.changed.length > 0 ? merged.modelPath : join(checkpointDir, component, 'model.onnx');
    skipped.push(...merged.skipped);
    if (merged.changed.length > 0)
      log(
        `${component}: ${merged.isReused ? 'reusing' : 'merged'} LoRA set ${merged.modelPath} (${merged.changed.length} weights patched)`,
      );
  }
  for (const line of skipped) log(`LoRA not applied: ${line}`);
  return { models, applied, warnings: summarise(skipped) };
}

/**
 * The refiner's UNet with the job's LoRAs merged (Fooocus `model_refiner.refresh_loras(loras)`:
 * the user's LoRAs, not the performance LoRA). Only the UNet: the refiner's text encoders never
 * run (refiner.ts). An SDXL-refiner UNet differs from the base's, so many parts of a base LoRA
 * do not fit it; those are said per file, as for the base.
 */
export async function mergeRefinerLoras(
  modelsDir: string,
  refinerDir: string,
  loras: EngineJob['loras'],
  log: (line: string) => void,
): Promise<{ modelPath: string; applied: LoraSpec[]; warnings: string[] }> {
  const original = join(refinerDir, 'unet', 'model.onnx');
  const applied = (
    await loraSpecs(
      modelsDir,
      loras.filter((l) => !l.baseOnly),
    )
  ).filter((l) => l.weight !== 0);
  if (applied.length === 0) return { modelPath: original, applied, warnings: [] };
  const merged = await mergeLoras(join(refinerDir, 'unet'), applied, join(modelsDir, LORA_CACHE_FOLDER), { log });
  for (const line of merged.skipped) log(`LoRA not applied to the refiner: ${line}`);
  if (merged.changed.length > 0)
    log(
      `refiner unet: ${merged.isReused ? 'reusing' : 'merged'} LoRA set ${merged.modelPath} (${merged.changed.length} weights patched)`,
    );
  return {
    modelPath: merged.changed.length > 0 ? merged.modelPath : original,
    applied,
    warnings: summarise(merged.skipped).map((w) => `refiner: ${w}`),
  };
}
