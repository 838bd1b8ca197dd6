/**
 * Rewritten (FreeU) UNets on disk, built once per source model and reused: the LoRA merge's set
 * cache (engine/lora/merged-set-cache.ts) with a FreeU key. A set is
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
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import type { TensorProto } from '../lora/initializer-data.ts';
import { linkOriginalData } from '../lora/merge.ts';
import { MergedSetCache, mergedSetKey } from '../lora/merged-set-cache.ts';
import { FREEU_GRAPH_VERSION, freeuUnsupportedReason, rewriteForFreeu } from './freeu-graph.ts';

const { onnx } = onnxProto;

export interface FreeuCacheOptions {
  /**
   * The cache folder under cacheRoot; default the model's folder name (`unet`). Pass the
   * component's name when `modelPath` is a LoRA-merged set, whose folder is a hash: otherwise
   * each merged set gets a folder of its own and their FreeU sets are never evicted.
   */
  folder?: string;
  /** Rewritten sets kept per cache folder (default 2). */
  maxSets?: number;
  log?: (line: string) => void;
}

/** Every tensor that may point at external data: initializers and Constant-style tensor attributes. */
function dataTensors(graph: onnxProto.onnx.IGraphProto): TensorProto[] {
  const attributes = (graph.node ?? []).flatMap((n) =>
    (n.attribute ?? []).flatMap((a) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]),
  );
  return [...(graph.initializer ?? []), ...attributes];
}

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
  const log = options.log ?? (() => {});
  const componentDir = dirname(resolve(modelPath));
  const source = await stat(modelPath);
  const variant = {
    freeuGraph: FREEU_GRAPH_VERSION,
    model: basename(modelPath),
    size: source.size,
    mtimeMs: source.mtimeMs,
  };
  const key = await mergedSetKey(componentDir, [], variant);
  const cache = new MergedSetCache(join(cacheRoot, options.folder ?? basename(componentDir)), options.maxSets ?? 2);
  const setModel = join(cache.setDir(key), 'model.onnx');
  if (await cache.lookup(key)) {
    await cache.evict(key);
    return setModel;
  }
  const model = onnx.ModelProto.decode(await readFile(modelPath));
  const reason = freeuUnsupportedReason(model);
  if (reason) {
    log(`FreeU: ${modelPath} cannot be rewritten: ${reason}`);
    return null;
  }
  const rewritten = rewriteForFreeu(model);
  const staged = await cache.stage(key);
  try {
    await linkOriginalData(dataTensors(rewritten.graph!), componentDir, staged);
    await writeFile(join(staged, 'model.onnx'), onnx.ModelProto.encode(rewritten).finish());
    await cache.commit(staged, { key, componentDir, loras: [], changed: [], skipped: [] });
    await cache.evict(key);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  log(`FreeU: rewrote ${modelPath} into ${setModel}`);
  return setModel;
}
