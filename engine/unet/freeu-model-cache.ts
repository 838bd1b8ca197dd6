/**
 * Rewritten (FreeU) UNets on disk, built once per source model and reused
 * (engine/onnx/rewritten-model-cache.ts). A set is
 * `<cacheRoot>/<component folder name>/<key>/` holding the rewritten `model.onnx`, HARD LINKS to
 * every external data file it references (same relative `location`s; onnxruntime refuses
 * locations outside the model's folder, symlinks included) and `set.json`. Only model.onnx (a few
 * MB for an SDXL UNet) is parsed; the weight files are never read. The source may itself be a
 * LoRA-merged set: its side file is linked like any other data file.
 *
 * Sets are evicted per `<cacheRoot>/<component folder name>` (least recently used beyond
 * `maxSets`), so give FreeU its own cacheRoot rather than the LoRA cache's: sharing it would make
 * the two evict each other's sets.
 */
import { rewrittenModelPath, type RewriteCacheOptions } from '../onnx/rewritten-model-cache.ts';
import { FREEU_GRAPH_VERSION, freeuUnsupportedReason, rewriteForFreeu } from './freeu-graph.ts';

export type FreeuCacheOptions = RewriteCacheOptions;

/**
 * The path of a model.onnx computing `modelPath`'s UNet with FreeU (input `freeu_scales`), built
 * under `<cacheRoot>/<folder>/<key>/` unless that set exists; null when FreeU
 * cannot be applied to this export (no up-block skip Concats; the reason is logged).
 */
export async function freeuModelPath(
  modelPath: string,
  cacheRoot: string,
  options: FreeuCacheOptions = {},
): Promise<string | null> {
  const built = await rewrittenModelPath(
    modelPath,
    cacheRoot,
    {
      label: 'FreeU',
      version: { freeuGraph: FREEU_GRAPH_VERSION },
      unsupportedReason: freeuUnsupportedReason,
      rewrite: rewriteForFreeu,
    },
    options,
  );
  if ('modelPath' in built) return built.modelPath;
  options.log?.(`FreeU: ${modelPath} cannot be rewritten: ${built.reason}`);
  return null;
}
