/**
 * The text encoders a job with textual-inversion embeddings loads: each (LoRA-merged or original)
 * model.onnx rewritten to take the embedding rows (engine/embeddings/token-embedding-rows.ts),
 * cached under `<modelsDir>/.embedding-cache` per source model and vector content, so the same
 * embeddings in the next job reuse the set and its sessions. A job without embeddings keeps the
 * plain encoders: the rewrite is never paid for prompts that do not need it.
 */
import { join } from 'node:path';
import type { EmbeddingSet } from '../embeddings/job-embeddings.ts';
import { tokenEmbeddingRowsRewrite, type EncoderSide } from '../embeddings/token-embedding-rows.ts';
import { invalidInput } from '../errors.ts';
import { rewrittenModelPath } from '../onnx/rewritten-model-cache.ts';
import type { ComponentModels } from './loaded-checkpoint.ts';

export const EMBEDDING_CACHE_FOLDER = '.embedding-cache';
/** Embedding sets kept per encoder: a few prompts' worth, each only a model.onnx plus links. */
const MAX_SETS = 4;

const SIDES: readonly [EncoderSide, 'text_encoder' | 'text_encoder_2'][] = [
  ['first', 'text_encoder'],
  ['second', 'text_encoder_2'],
];

export async function embeddingEncoderModels(
  models: ComponentModels,
  set: EmbeddingSet,
  modelsDir: string,
  log: (line: string) => void,
): Promise<ComponentModels> {
  if (set.embeddings.length === 0) return models;
  const out = { ...models };
  for (const [side, component] of SIDES) {
    const built = await rewrittenModelPath(
      models[component],
      join(modelsDir, EMBEDDING_CACHE_FOLDER),
      tokenEmbeddingRowsRewrite(set.embeddings, side, component),
      { folder: component, maxSets: MAX_SETS, log },
    );
    if ('reason' in built)
      throw invalidInput(
        'prompt',
        `textual-inversion embeddings cannot be used with this checkpoint's ${component}: ${built.reason}`,
      );
    out[component] = built.modelPath;
  }
  return out;
}
