/**
 * Graph rewrites of a model kept on disk, built once per source model and reused: the LoRA merge's
 * set cache (engine/lora/merged-set-cache.ts) keyed by the rewrite's version and the source file's
 * name, size and mtime. A set is `<cacheRoot>/<folder>/<key>/` holding the rewritten `model.onnx`
 * and HARD LINKS to every external data file it references (same relative `location`s; onnxruntime
 * refuses locations outside the model's folder, symlinks included). Only model.onnx (a few MB for an
 * SDXL UNet) is parsed; the weight files are never read. The source may itself be such a set or a
 * LoRA-merged one. FreeU, the ControlNet residual inputs and the IP-Adapter attention all use it.
 *
 * Sets are evicted per `<cacheRoot>/<folder>` (least recently used beyond `maxSets`): give each
 * rewrite its own cacheRoot, or they would evict each other's sets.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import type { TensorProto } from '../lora/initializer-data.ts';
import { linkOriginalData } from '../lora/merge.ts';
import { MergedSetCache, mergedSetKey } from '../lora/merged-set-cache.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;

export interface GraphRewrite {
  /** Said in the log line. */
  label: string;
  /** Part of the cache key: bump it when the rewrite changes. */
  version: Record<string, string | number>;
  /** Why this export cannot be rewritten, or undefined when it can. */
  unsupportedReason(model: ModelProto): string | undefined;
  rewrite(model: ModelProto): ModelProto;
  /** The export already has what the rewrite adds: used as it is. */
  isAlreadyDone?(model: ModelProto): boolean;
}

export interface RewriteCacheOptions {
  /**
   * The cache folder under cacheRoot; default the model's folder name (`unet`). Pass the
   * component's name when `modelPath` is a LoRA-merged set, whose folder is a hash: otherwise
   * each merged set gets a folder of its own and its rewritten sets are never evicted.
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

/** The path of a model.onnx computing `modelPath`'s model rewritten, or the reason it cannot be. */
export async function rewrittenModelPath(
  modelPath: string,
  cacheRoot: string,
  graphRewrite: GraphRewrite,
  options: RewriteCacheOptions = {},
): Promise<{ modelPath: string } | { reason: string }> {
  const log = options.log ?? (() => {});
  const componentDir = dirname(resolve(modelPath));
  const source = await stat(modelPath);
  const variant = { ...graphRewrite.version, model: basename(modelPath), size: source.size, mtimeMs: source.mtimeMs };
  const key = await mergedSetKey(componentDir, [], variant);
  const cache = new MergedSetCache(join(cacheRoot, options.folder ?? basename(componentDir)), options.maxSets ?? 2);
  const setModel = join(cache.setDir(key), 'model.onnx');
  if (await cache.lookup(key)) {
    await cache.evict(key);
    return { modelPath: setModel };
  }
  const model = onnx.ModelProto.decode(await readFile(modelPath));
  if (graphRewrite.isAlreadyDone?.(model)) return { modelPath };
  const reason = graphRewrite.unsupportedReason(model);
  if (reason) return { reason };
  const rewritten = graphRewrite.rewrite(model);
  const staged = await cache.stage(key);
  try {
    await linkOriginalData(dataTensors(rewritten.graph!), componentDir, staged);
    await writeFile(join(staged, 'model.onnx'), onnx.ModelProto.encode(rewritten).finish());
    await cache.commit(staged, { key, componentDir, loras: [], changed: [], skipped: [] });
    await cache.evict(key);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  log(`${graphRewrite.label}: rewrote ${modelPath} into ${setModel}`);
  return { modelPath: setModel };
}
