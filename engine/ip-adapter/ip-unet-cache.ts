/**
 * IP-rewritten UNets on disk (ip-attention-graph.ts), built once per source model and reused, in
 * the FreeU cache's way (engine/unet/freeu-model-cache.ts): a set under
 * `<cacheRoot>/<folder>/<key>/` holds the rewritten model.onnx and hard links to every external
 * data file it references; only model.onnx is parsed, the weights are never read. The source may
 * itself be a LoRA-merged, inpaint or FreeU set.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import type { TensorProto } from '../lora/initializer-data.ts';
import { linkOriginalData } from '../lora/merge.ts';
import { MergedSetCache, mergedSetKey } from '../lora/merged-set-cache.ts';
import { IP_GRAPH_VERSION, ipUnsupportedReason, rewriteForIpAdapter } from './ip-attention-graph.ts';

const { onnx } = onnxProto;

function dataTensors(graph: onnxProto.onnx.IGraphProto): TensorProto[] {
  const attributes = (graph.node ?? []).flatMap((n) =>
    (n.attribute ?? []).flatMap((a) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]),
  );
  return [...(graph.initializer ?? []), ...attributes];
}

/** The rewritten model's path, or the reason the export cannot take image prompts. */
export async function ipUnetPath(
  modelPath: string,
  cacheRoot: string,
  options: { folder?: string; maxSets?: number; log?: (line: string) => void } = {},
): Promise<{ modelPath: string } | { reason: string }> {
  const log = options.log ?? (() => {});
  const componentDir = dirname(resolve(modelPath));
  const source = await stat(modelPath);
  const variant = { ipGraph: IP_GRAPH_VERSION, model: basename(modelPath), size: source.size, mtimeMs: source.mtimeMs };
  const key = await mergedSetKey(componentDir, [], variant);
  const cache = new MergedSetCache(join(cacheRoot, options.folder ?? basename(componentDir)), options.maxSets ?? 2);
  const setModel = join(cache.setDir(key), 'model.onnx');
  if (await cache.lookup(key)) {
    await cache.evict(key);
    return { modelPath: setModel };
  }
  const model = onnx.ModelProto.decode(await readFile(modelPath));
  const reason = ipUnsupportedReason(model);
  if (reason) return { reason };
  const rewritten = rewriteForIpAdapter(model);
  const staged = await cache.stage(key);
  try {
    await linkOriginalData(dataTensors(rewritten.graph!), componentDir, staged);
    await writeFile(join(staged, 'model.onnx'), onnx.ModelProto.encode(rewritten).finish());
    await cache.commit(staged, { key, componentDir, loras: [], changed: [], skipped: [] });
    await cache.evict(key);
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
  log(`IP-Adapter: rewrote ${modelPath} into ${setModel}`);
  return { modelPath: setModel };
}
