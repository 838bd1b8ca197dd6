/**
 * ControlNet-ready UNets (residual-graph.ts) on disk, built once per source model and reused, as
 * the FreeU rewrites are (engine/unet/freeu-model-cache.ts: the LoRA set cache with its own key;
 * hard links to the weight files; only model.onnx is parsed). A UNet that already takes the
 * residual inputs is used as it is.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import type { TensorProto } from '../lora/initializer-data.ts';
import { linkOriginalData } from '../lora/merge.ts';
import { MergedSetCache, mergedSetKey } from '../lora/merged-set-cache.ts';
import {
  RESIDUAL_GRAPH_VERSION,
  residualInputNames,
  residualUnsupportedReason,
  rewriteForResiduals,
} from './residual-graph.ts';

const { onnx } = onnxProto;

export interface ResidualCacheOptions {
  /** The cache folder under cacheRoot; default the model's folder name (see FreeuCacheOptions.folder). */
  folder?: string;
  maxSets?: number;
  log?: (line: string) => void;
}

function dataTensors(graph: onnxProto.onnx.IGraphProto): TensorProto[] {
  const attributes = (graph.node ?? []).flatMap((n) =>
    (n.attribute ?? []).flatMap((a) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]),
  );
  return [...(graph.initializer ?? []), ...attributes];
}

/**
 * The path of a model.onnx computing `modelPath`'s UNet with the residual inputs; `reason` when
 * this export cannot take them.
 */
export async function residualUnetPath(
  modelPath: string,
  cacheRoot: string,
  options: ResidualCacheOptions = {},
): Promise<{ modelPath: string } | { reason: string }> {
  const log = options.log ?? (() => {});
  const componentDir = dirname(resolve(modelPath));
  const source = await stat(modelPath);
  const variant = {
    residualGraph: RESIDUAL_GRAPH_VERSION,
    model: basename(modelPath),
    size: source.size,
    mtimeMs: source.mtimeMs,
  };
  const key = await mergedSetKey(componentDir, [], variant);
  const cache = new MergedSetCache(join(cacheRoot, options.folder ?? basename(componentDir)), options.maxSets ?? 2);
  const setModel = join(cache.setDir(key), 'model.onnx');
  if (await cache.lookup(key)) {
    await cache.evict(key);
    return { modelPath: setModel };
  }
  const model = onnx.ModelProto.decode(await readFile(modelPath));
  if (residualInputNames(model).length > 0) return { modelPath };
  const reason = residualUnsupportedReason(model);
  if (reason) return { reason };
  const rewritten = rewriteForResiduals(model);
  const staged = await cache.stage(key);
  try {
    await linkOriginalData(dataTensors(rewritten.graph!), componentDir, staged);
    await writeFile(join(staged, 'model.onnx'), onnx.ModelProto.encode(rewritten).finish());
    await cache.commit(staged, { key, componentDir, loras: [], changed: [], skipped: [] });
    await cache.evict(key);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  log(`ControlNet: rewrote ${modelPath} into ${setModel}`);
  return { modelPath: setModel };
}
