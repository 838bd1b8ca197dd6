/**
 * Single-file SDXL base or refiner checkpoint (A1111/civitai `.safetensors`, SGM key names, fp16, bf16 or fp32)
 * → our diffusers-ONNX layout (the folder writeSyntheticCheckpoint writes: the same real-size graphs, filled from
 * the file through the key map, sdxl-key-map.ts; a refiner has no text_encoder). Everything is checked before
 * anything is written; the folder appears complete or not at all (write-atomically.ts); tensors are streamed one
 * at a time. The VAE keeps the float type of the rest: fp16 SDXL VAEs overflow unless fp16-fixed
 * (onnx-sdxl-engine.md §1.5), which is what importVae with an fp32 or fixed VAE file is for.
 */
import { basename } from 'node:path';
import type { SdxlArchitecture } from '../../models/synthetic/sdxl-architecture.ts';
import type { FloatType } from '../../models/synthetic/streaming-graph.ts';
import { writeSyntheticCheckpoint, type ComponentReport } from '../../models/synthetic/synthetic-checkpoint.ts';
import type { TensorSource } from '../tensor-source.ts';
import { checkCheckpointKeys } from './check-checkpoint-keys.ts';
import { CheckpointImportError } from './checkpoint-import-error.ts';
import { checkpointResolver } from './checkpoint-resolver.ts';
import { foreignCheckpointProblem } from './foreign-checkpoint.ts';
import { inferSdxlArchitecture, StructureError } from './infer-architecture.ts';
import { openCheckpoint, storedFloatType } from './open-checkpoint.ts';
import { sdxlKeyMap } from './sdxl-key-map.ts';
import { writeAtomically } from './write-atomically.ts';

export interface ImportOptions {
  /** Float type of the written graphs; default: what the file stores most (F16 → float16, F32/BF16 → float32). */
  dtype?: FloatType;
  log?: (line: string) => void;
  /** Tensors read so far out of all the import reads. */
  onProgress?: (done: number, total: number) => void;
  /** The request field naming the file, carried by a CheckpointImportError (default `model`). */
  field?: string;
}

export interface ImportReport {
  architecture: SdxlArchitecture;
  dtype: FloatType;
  components: ComponentReport[];
  ms: number;
}

/** Infers the architecture, turning a missing structural tensor into the file's error. */
export function architectureOf(source: TensorSource, field?: string): SdxlArchitecture {
  const problem = foreignCheckpointProblem([...source.tensors.keys()]);
  if (problem) throw new CheckpointImportError(source.path, problem, { field });
  try {
    return inferSdxlArchitecture((key) => source.tensors.get(key)?.shape);
  } catch (error) {
    if (error instanceof StructureError)
      throw new CheckpointImportError(source.path, `is not a complete SDXL checkpoint: ${error.message}`, {
        field,
        cause: error,
      });
    throw error;
  }
}

/**
 * Everything the import checks before it writes (the file reads as safetensors, is an SDXL base or refiner
 * checkpoint, has every tensor the graphs need with its shape and nothing unknown), without writing: the gateway
 * answers a request naming a bad file with a 422 before queueing it. Throws a CheckpointImportError.
 */
export async function checkCheckpointFile(sourcePath: string, field?: string): Promise<void> {
  const source = await openCheckpoint(sourcePath, field);
  try {
    checkCheckpointKeys(sourcePath, source.tensors, sdxlKeyMap(architectureOf(source, field)), { field });
  } finally {
    await source.close();
  }
}

export async function importCheckpoint(
  sourcePath: string,
  outDir: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const started = performance.now();
  const source = await openCheckpoint(sourcePath, options.field);
  try {
    const architecture = architectureOf(source, options.field);
    const map = sdxlKeyMap(architecture);
    checkCheckpointKeys(sourcePath, source.tensors, map, { field: options.field });
    const dtype = options.dtype ?? storedFloatType(source, map.keys.keys());
    options.log?.(
      `importing ${basename(sourcePath)}: SDXL (${architecture.name} architecture), ${map.keys.size} tensors, as ${dtype}`,
    );
    let done = 0;
    const total = map.parameters.size;
    const onRead = () => options.onProgress?.(++done, total);
    const components = await writeAtomically(outDir, (temp) =>
      writeSyntheticCheckpoint(temp, architecture, {
        dtype,
        log: options.log,
        resolverFor: (component) => checkpointResolver(map, component, source, (key) => key, onRead),
        importedFrom: { file: basename(sourcePath), architecture: architecture.name },
      }),
    );
    return { architecture, dtype, components, ms: performance.now() - started };
  } finally {
    await source.close();
  }
}
