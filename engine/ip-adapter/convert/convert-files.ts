/**
 * File-level conversions (README "IP-Adapter and CLIP vision"): an IP-Adapter plus file
 * (`.safetensors`, or the `.bin` Fooocus downloads, whose `{'image_proj': …, 'ip_adapter': …}` dicts
 * the PyTorch reader flattens to the same dotted names) → `<out>/resampler.onnx` + `<out>/to_kv.onnx`
 * (weights in `*.onnx_data` side files when large), and a CLIP vision file → `<out>/model.onnx`
 * (+ `model.onnx_data`). Both read tensors one at a time through openTensorSource, which opens either
 * container by content; F16/BF16 files are widened to float32.
 * `__metadata__` may carry `dim_head` (Resampler), `num_attention_heads` and `hidden_act` (CLIP):
 * the tiny demo files say theirs; real files need none (the defaults are the SDXL ViT-H ones).
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withTensorSource } from '../../import/tensor-source.ts';
import type { GraphBuilder } from '../../models/onnx-graph-builder.ts';
import { buildClipVision } from './clip-vision-graph.ts';
import { buildResampler, buildToKv, DEFAULT_DIM_HEAD } from './ip-adapter-graphs.ts';
import type { WeightSource } from './graph-layers.ts';

export const RESAMPLER_FILE = 'resampler.onnx';
export const TO_KV_FILE = 'to_kv.onnx';
export const CLIP_VISION_FILE = 'model.onnx';
/** An adapter folder's own unconditional embedding (else models/ip_adapter/fooocus_ip_negative.safetensors). */
export const IP_NEGATIVE_FILE = 'ip_negative.safetensors';

/** Writes `<dir>/<file>` with initializers ≥ 1024 values in `<file>_data`. */
export async function writeGraph(graph: GraphBuilder, dir: string, file: string): Promise<void> {
  const built = graph.build({ externalDataFile: `${file}_data`, minExternal: 1024 });
  await writeFile(join(dir, file), built.model);
  if (built.externalData) await writeFile(join(dir, `${file}_data`), built.externalData);
}

async function withReader<T>(
  path: string,
  use: (names: string[], read: WeightSource, metadata: Readonly<Record<string, string>>) => Promise<T>,
): Promise<T> {
  return withTensorSource(path, (source) =>
    use([...source.tensors.keys()], (name) => source.readFloat32(name), source.metadata),
  );
}

export interface ConvertIpAdapterOptions {
  /** fooocus_ip_negative.safetensors, copied into the folder as ip_negative.safetensors. */
  negative?: string;
  dimHead?: number;
}

export async function convertIpAdapter(
  source: string,
  outDir: string,
  options: ConvertIpAdapterOptions = {},
): Promise<{ layers: number; tokens: number }> {
  await mkdir(outDir, { recursive: true });
  const result = await withReader(source, async (names, read, metadata) => {
    const dimHead = options.dimHead ?? (metadata.dim_head ? Number(metadata.dim_head) : DEFAULT_DIM_HEAD);
    const resampler = await buildResampler(names, read, dimHead);
    await writeGraph(resampler.graph, outDir, RESAMPLER_FILE);
    const toKv = await buildToKv(names, read);
    await writeGraph(toKv.graph, outDir, TO_KV_FILE);
    return { layers: toKv.layers.length, tokens: resampler.shape.queries };
  });
  if (options.negative) await copyFile(options.negative, join(outDir, IP_NEGATIVE_FILE));
  return result;
}

export async function convertClipVision(
  source: string,
  outDir: string,
  options: { heads?: number; activation?: 'gelu' | 'quick_gelu' } = {},
): Promise<{ imageSize: number; tokens: number; hidden: number }> {
  await mkdir(outDir, { recursive: true });
  return withReader(source, async (names, read, metadata) => {
    const heads = options.heads ?? (metadata.num_attention_heads ? Number(metadata.num_attention_heads) : undefined);
    const activation = options.activation ?? (metadata.hidden_act === 'quick_gelu' ? 'quick_gelu' : 'gelu');
    const built = await buildClipVision(names, read, { heads, activation });
    await writeGraph(built.graph, outDir, CLIP_VISION_FILE);
    return { imageSize: built.imageSize, tokens: built.tokens, hidden: built.hidden };
  });
}
