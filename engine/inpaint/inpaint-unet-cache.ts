/**
 * Inpaint-engine UNets on disk, built once per (UNet, head, patch) and reused, like the FreeU
 * rewrites (engine/unet/freeu-model-cache.ts) in the LoRA merge's set cache: a set is
 * `<cacheRoot>/<folder>/<key>/` with the rewritten `model.onnx` (head added after conv_in:
 * inpaint-head-graph.ts), `inpaint-<key>.onnx_data` holding the patched weights
 * (inpaint-patch-merge.ts), hard links to every other external data file, and `set.json`.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { externalRef, safeLocation, type TensorProto } from '../lora/initializer-data.ts';
import { linkOriginalData } from '../lora/merge.ts';
import { MergedSetCache, mergedSetKey } from '../lora/merged-set-cache.ts';
import { SafetensorsReader } from '../lora/safetensors.ts';
import type { InpaintEngineFiles } from './inpaint-engine-files.ts';
import {
  INPAINT_HEAD_GRAPH_VERSION,
  inpaintHeadUnsupportedReason,
  rewriteForInpaintHead,
} from './inpaint-head-graph.ts';
import { mergeInpaintPatch } from './inpaint-patch-merge.ts';

const { onnx } = onnxProto;

export interface InpaintCacheOptions {
  /** Cache folder under cacheRoot (default: the model's folder name); give the component name for LoRA sets. */
  folder?: string;
  maxSets?: number;
  log?: (line: string) => void;
}

export type InpaintUnet = { modelPath: string; skipped: string[] } | { reason: string };

async function readHead(path: string): Promise<{ data: Float32Array; dims: number[] }> {
  const reader = await SafetensorsReader.open(path);
  try {
    const name = reader.entries.has('head') ? 'head' : [...reader.entries.keys()][0];
    if (name === undefined) throw new Error(`${path} holds no tensor`);
    const tensor = await reader.readFloat32(name);
    return { data: tensor.data, dims: tensor.shape };
  } finally {
    await reader.close();
  }
}

function dataTensors(graph: onnxProto.onnx.IGraphProto): TensorProto[] {
  const attributes = (graph.node ?? []).flatMap((n) =>
    (n.attribute ?? []).flatMap((a) => [...(a.t ? [a.t] : []), ...(a.tensors ?? [])]),
  );
  return [...(graph.initializer ?? []), ...attributes];
}

/** The model.onnx of `unetModel` with Fooocus's inpaint engine, or why it cannot be built. */
export async function inpaintUnetPath(
  unetModel: string,
  files: InpaintEngineFiles,
  cacheRoot: string,
  options: InpaintCacheOptions = {},
): Promise<InpaintUnet> {
  const log = options.log ?? (() => {});
  const componentDir = dirname(resolve(unetModel));
  const source = await stat(unetModel);
  const variant = {
    inpaintGraph: INPAINT_HEAD_GRAPH_VERSION,
    model: basename(unetModel),
    size: source.size,
    mtimeMs: source.mtimeMs,
  };
  const key = await mergedSetKey(
    componentDir,
    [
      { path: files.head, weight: 1 },
      { path: files.patch, weight: 1 },
    ],
    variant,
  );
  const cache = new MergedSetCache(join(cacheRoot, options.folder ?? basename(componentDir)), options.maxSets ?? 2);
  const setModel = join(cache.setDir(key), 'model.onnx');
  const found = await cache.lookup(key);
  if (found) {
    await cache.evict(key);
    return { modelPath: setModel, skipped: found.skipped };
  }
  const model = onnx.ModelProto.decode(await readFile(unetModel));
  const head = await readHead(files.head);
  const reason = inpaintHeadUnsupportedReason(model, head.dims);
  if (reason) return { reason };
  const staged = await cache.stage(key);
  try {
    const sideName = `inpaint-${key}.onnx_data`;
    const { changed, skipped } = await mergeInpaintPatch(model, componentDir, staged, sideName, files.patch);
    const rewritten = rewriteForInpaintHead(model, head.data, head.dims);
    const fromSource = dataTensors(rewritten.graph!).filter(
      (t) => externalRef(t) && safeLocation(externalRef(t)!.location) !== sideName,
    );
    await linkOriginalData(fromSource, componentDir, staged);
    await writeFile(join(staged, 'model.onnx'), onnx.ModelProto.encode(rewritten).finish());
    await cache.commit(staged, {
      key,
      componentDir,
      loras: [
        { path: files.head, weight: 1 },
        { path: files.patch, weight: 1 },
      ],
      changed,
      skipped,
    });
    await cache.evict(key);
    log(
      `inpaint engine: built ${setModel} (${changed.length} weights patched, ${skipped.length} patch tensors not applied)`,
    );
    return { modelPath: setModel, skipped };
  } finally {
    await rm(staged, { recursive: true, force: true });
  }
}
