/**
 * The key map run backwards: a synthetic SDXL checkpoint's weights (engine/models/synthetic, the same graphs,
 * seed and float type) written as one single-file checkpoint under SGM/A1111 names, q/k/v fused and
 * text_projection transposed as OpenCLIP stores them. What the import round trip and the real-size bench read.
 */
import { buildSdxlComponent, sdxlComponents, type SdxlComponent } from '../../models/synthetic/synthetic-checkpoint.ts';
import type { SdxlArchitecture } from '../../models/synthetic/sdxl-architecture.ts';
import type { FloatType, StreamingGraph } from '../../models/synthetic/streaming-graph.ts';
import { transpose } from '../../models/synthetic/weight-recipes.ts';
import { toCheckpoint } from './key-transforms.ts';
import { sdxlKeyMap } from './sdxl-key-map.ts';
import type { StreamedTensor } from './streamed-safetensors.ts';
import { writeSafetensorsStreamed } from './streamed-safetensors.ts';
import { VAE_PREFIX } from './vae-keys.ts';

export interface ExportOptions {
  dtype?: FloatType;
  seed?: number;
  components?: readonly SdxlComponent[];
  /** Write VAE keys without `first_stage_model.`, as a separate VAE file does. */
  isBareVae?: boolean;
  /** Extra float32 tensors (keys the import must ignore, or must refuse). */
  extra?: Record<string, { shape: number[]; values: number[] }>;
}

/** Writes the file; returns its size in bytes. */
export async function exportSyntheticCheckpoint(
  path: string,
  arch: SdxlArchitecture,
  options: ExportOptions = {},
): Promise<number> {
  const dtype = options.dtype ?? 'float32';
  const seed = options.seed ?? 1234;
  const components = options.components ?? sdxlComponents(arch);
  const graphs = new Map<SdxlComponent, StreamingGraph>();
  for (const c of components) graphs.set(c, buildSdxlComponent(c, arch, dtype));
  const initializerOf = new Map<string, { graph: StreamingGraph; initializer: string; isTransposed: boolean }>();
  for (const [c, graph] of graphs)
    for (const p of graph.parameters) initializerOf.set(`${c}/${p.parameter}`, { graph, ...p });

  /** The parameter's values in torch layout (a Linear's graph initializer is its transpose). */
  const parameterValues = async (component: SdxlComponent, parameter: string, shape: number[]) => {
    const found = initializerOf.get(`${component}/${parameter}`)!;
    const stored = await found.graph.values(found.initializer, seed);
    return found.isTransposed ? transpose(stored, shape[1], shape[0]) : stored;
  };
  const fileDtype = dtype === 'float16' ? 'F16' : 'F32';
  const tensors: StreamedTensor[] = [...sdxlKeyMap(arch, components).keys.values()].map((entry) => ({
    name: options.isBareVae && entry.key.startsWith(VAE_PREFIX) ? entry.key.slice(VAE_PREFIX.length) : entry.key,
    dtype: fileDtype,
    shape: entry.shape,
    values: async () => {
      const parts: Float32Array[] = [];
      for (const t of entry.targets) parts.push(await parameterValues(t.component, t.parameter, t.shape));
      return toCheckpoint(entry.targets[0].transform, parts, entry.targets[0].shape);
    },
  }));
  for (const [name, extra] of Object.entries(options.extra ?? {}))
    tensors.push({ name, dtype: 'F32', shape: extra.shape, values: async () => Float32Array.from(extra.values) });
  return writeSafetensorsStreamed(path, tensors, { format: 'pt' });
}
