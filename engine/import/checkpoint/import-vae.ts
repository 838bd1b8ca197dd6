/**
 * A separate SDXL VAE file (Fooocus's `vae_name`, e.g. sdxl_vae.safetensors or the fp16-fix) → `vae_encoder/` and
 * `vae_decoder/` folders in our layout, written into `outDir` to stand in for a checkpoint's own. Keys are bare
 * (`encoder.…`, `decoder.…`, `quant_conv.…`) or carry a full checkpoint's `first_stage_model.` prefix.
 */
import { basename } from 'node:path';
import {
  FULL_SDXL,
  SCALED_SDXL,
  type SdxlArchitecture,
  type VaeArchitecture,
} from '../../models/synthetic/sdxl-architecture.ts';
import type { TensorSource } from '../tensor-source.ts';
import { writeSyntheticCheckpoint } from '../../models/synthetic/synthetic-checkpoint.ts';
import { checkCheckpointKeys } from './check-checkpoint-keys.ts';
import { CheckpointImportError } from './checkpoint-import-error.ts';
import { checkpointResolver } from './checkpoint-resolver.ts';
import type { ImportOptions, ImportReport } from './import-checkpoint.ts';
import { inferVae, StructureError } from './infer-architecture.ts';
import { openCheckpoint, storedFloatType } from './open-checkpoint.ts';
import { sdxlKeyMap } from './sdxl-key-map.ts';
import { VAE_PREFIX } from './vae-keys.ts';
import { writeAtomically } from './write-atomically.ts';

const VAE_COMPONENTS = ['vae_encoder', 'vae_decoder'] as const;

function vaeArchitectureOf(source: TensorSource, nameInFile: (key: string) => string, field?: string): VaeArchitecture {
  try {
    return inferVae((key) => source.tensors.get(nameInFile(key))?.shape);
  } catch (error) {
    if (!(error instanceof StructureError)) throw error;
    throw new CheckpointImportError(source.path, `is not an SDXL VAE file: ${error.message}`, { field, cause: error });
  }
}

export async function importVae(
  sourcePath: string,
  outDir: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const source = await openCheckpoint(sourcePath, options.field);
  try {
    const names = [...source.tensors.keys()];
    const isPrefixed = names.some((n) => n.startsWith(VAE_PREFIX));
    const canonical = (name: string) => (isPrefixed ? name : `${VAE_PREFIX}${name}`);
    const nameInFile = (key: string) => (isPrefixed ? key : key.slice(VAE_PREFIX.length));
    const vae = vaeArchitectureOf(source, nameInFile, options.field);
    const template = [FULL_SDXL, SCALED_SDXL].find((a) => a.vae.channels.join() === vae.channels.join()) ?? FULL_SDXL;
    const architecture: SdxlArchitecture = { ...template, vae };
    const map = sdxlKeyMap(architecture, VAE_COMPONENTS);
    checkCheckpointKeys(sourcePath, source.tensors, map, { field: options.field, canonical });
    const dtype = options.dtype ?? storedFloatType(source, [...map.keys.keys()].map(nameInFile));
    options.log?.(`importing VAE ${basename(sourcePath)}: ${map.keys.size} tensors, as ${dtype}`);
    let done = 0;
    const onRead = () => options.onProgress?.(++done, map.parameters.size);
    const components = await writeAtomically(outDir, (temp) =>
      writeSyntheticCheckpoint(temp, architecture, {
        dtype,
        log: options.log,
        components: VAE_COMPONENTS,
        resolverFor: (component) => checkpointResolver(map, component, source, nameInFile, onRead),
      }),
    );
    return { architecture, dtype, components, ms: performance.now() - started };
  } finally {
    await source.close();
  }
}
