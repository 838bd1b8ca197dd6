/**
 * Our conversion of an IP-Adapter "plus" file (`ip-adapter-plus_sdxl_vit-h.safetensors`,
 * `ip-adapter-plus-face_sdxl_vit-h.safetensors`, keys `image_proj.*` and `ip_adapter.<n>.to_k_ip /
 * to_v_ip.weight`) into two ONNX graphs:
 *  - resampler.onnx: `clip_hidden_states` [B, 257, E] (CLIP's penultimate hidden states) →
 *    `image_prompt_embeds` [B, N, D]: the IP-Adapter Resampler (proj_in; depth × (perceiver
 *    attention over [x ; latents] + feed-forward), each residual; proj_out; norm_out), with the
 *    learned `latents` [1, N, dim] as its queries (N = 16 for the plus adapters);
 *  - to_kv.onnx: `image_prompt_embeds` [B, N, D] → `ip_k_<i>`, `ip_v_<i>` [B, N, C_i] for every
 *    cross-attention layer i, in the order Fooocus loads them (by the key's number n, k before v).
 * Architecture facts (Apache-2.0 IP-Adapter Resampler, fooocus-semantics.md §8.4): dim_head 64,
 * heads = inner / 64, q and k each scaled by dim_head^−¼, LayerNorm eps 1e-5, exact GELU.
 */
import { GraphBuilder } from '../../models/onnx-graph-builder.ts';
import {
  attention,
  expandToBatch,
  gelu,
  layerNorm,
  linear,
  mergeHeads,
  splitHeads,
  type WeightSource,
  type WeightTensor,
} from './graph-layers.ts';

export const RESAMPLER_INPUT = 'clip_hidden_states';
export const RESAMPLER_OUTPUT = 'image_prompt_embeds';
/** Fooocus's Resampler for the plus adapters uses 64-wide heads. */
export const DEFAULT_DIM_HEAD = 64;

/** `image_proj.latents` or `latents`: files converted from `.bin` may keep the two dicts unprefixed. */
function prefixed(names: readonly string[], prefix: string, key: string): string {
  return names.includes(`${prefix}.${key}`) ? `${prefix}.${key}` : key;
}

export interface ResamplerShape {
  depth: number;
  queries: number;
  dim: number;
  embedding: number;
  output: number;
  heads: number;
  dimHead: number;
}

/** Reads the Resampler's sizes from the weights' shapes. */
export async function resamplerShape(
  names: readonly string[],
  read: WeightSource,
  dimHead = DEFAULT_DIM_HEAD,
): Promise<ResamplerShape> {
  const key = (k: string) => prefixed(names, 'image_proj', k);
  if (!names.includes(key('latents')))
    throw new Error(
      'no image_proj.latents tensor: only the IP-Adapter "plus" adapters (with a Resampler) are supported',
    );
  const latents = await read(key('latents'));
  const projIn = await read(key('proj_in.weight'));
  const projOut = await read(key('proj_out.weight'));
  const toQ = await read(key('layers.0.0.to_q.weight'));
  let depth = 0;
  while (names.includes(key(`layers.${depth}.0.to_q.weight`))) depth++;
  const inner = toQ.shape[0];
  if (inner % dimHead !== 0)
    throw new Error(`Resampler attention width ${inner} is not a multiple of dim_head ${dimHead}`);
  return {
    depth,
    queries: latents.shape[1],
    dim: latents.shape[2],
    embedding: projIn.shape[1],
    output: projOut.shape[0],
    heads: inner / dimHead,
    dimHead,
  };
}

export async function buildResampler(
  names: readonly string[],
  read: WeightSource,
  dimHead = DEFAULT_DIM_HEAD,
): Promise<{ graph: GraphBuilder; shape: ResamplerShape }> {
  const shape = await resamplerShape(names, read, dimHead);
  const key = (k: string) => prefixed(names, 'image_proj', k);
  const w = (k: string) => read(key(k));
  const g = new GraphBuilder('ip_adapter_resampler');
  const x0 = g.input(RESAMPLER_INPUT, 'float', ['batch_size', 'image_tokens', shape.embedding]);
  const latentsParam = await w('latents');
  let latents = expandToBatch(g, g.weight('latents', latentsParam.shape, latentsParam.data), x0, 3);
  const x = linear(g, x0, 'proj_in', await w('proj_in.weight'), await w('proj_in.bias'));
  const scale = g.scalar(1 / Math.sqrt(Math.sqrt(shape.dimHead)));
  const inner = shape.heads * shape.dimHead;
  for (let i = 0; i < shape.depth; i++) {
    const p = `layers.${i}.0`;
    const xn = layerNorm(g, x, `${p}.norm1`, await w(`${p}.norm1.weight`), await w(`${p}.norm1.bias`));
    const ln = layerNorm(g, latents, `${p}.norm2`, await w(`${p}.norm2.weight`), await w(`${p}.norm2.bias`));
    const q = linear(g, ln, `${p}.to_q`, await w(`${p}.to_q.weight`));
    const kv = linear(g, g.node('Concat', [xn, ln], { axis: 1 }), `${p}.to_kv`, await w(`${p}.to_kv.weight`));
    const k = g.node('Slice', [kv, g.ints([0]), g.ints([inner]), g.ints([-1])]);
    const v = g.node('Slice', [kv, g.ints([inner]), g.ints([2 * inner]), g.ints([-1])]);
    const heads = (t: string) => splitHeads(g, t, shape.heads, shape.dimHead);
    const attended = attention(g, g.node('Mul', [heads(q), scale]), g.node('Mul', [heads(k), scale]), heads(v));
    latents = g.node('Add', [
      linear(g, mergeHeads(g, attended, shape.heads, shape.dimHead), `${p}.to_out`, await w(`${p}.to_out.weight`)),
      latents,
    ]);
    const f = `layers.${i}.1`;
    const normed = layerNorm(g, latents, `${f}.0`, await w(`${f}.0.weight`), await w(`${f}.0.bias`));
    const hidden = gelu(g, linear(g, normed, `${f}.1`, await w(`${f}.1.weight`)));
    latents = g.node('Add', [linear(g, hidden, `${f}.3`, await w(`${f}.3.weight`)), latents]);
  }
  const projected = linear(g, latents, 'proj_out', await w('proj_out.weight'), await w('proj_out.bias'));
  const out = layerNorm(g, projected, 'norm_out', await w('norm_out.weight'), await w('norm_out.bias'));
  g.output(out, RESAMPLER_OUTPUT, ['batch_size', shape.queries, shape.output]);
  return { graph: g, shape };
}

/** The `ip_adapter.<n>.to_{k,v}_ip.weight` numbers present, ascending (Fooocus's load order). */
export function kvLayerNumbers(names: readonly string[]): number[] {
  const numbers = new Set<number>();
  for (const name of names) {
    const m = /^(?:ip_adapter\.)?(\d+)\.to_k_ip\.weight$/.exec(name);
    if (m && names.some((n) => n === name.replace('to_k_ip', 'to_v_ip'))) numbers.add(Number(m[1]));
  }
  return [...numbers].sort((a, b) => a - b);
}

export async function buildToKv(
  names: readonly string[],
  read: WeightSource,
): Promise<{ graph: GraphBuilder; layers: { key: number; value: number }[] }> {
  const numbers = kvLayerNumbers(names);
  if (numbers.length === 0) throw new Error('no ip_adapter.<n>.to_k_ip.weight / to_v_ip.weight tensors');
  const key = (n: number, kind: 'k' | 'v') => prefixed(names, 'ip_adapter', `${n}.to_${kind}_ip.weight`);
  const first = await read(key(numbers[0], 'k'));
  const g = new GraphBuilder('ip_adapter_to_kv');
  const x = g.input(RESAMPLER_OUTPUT, 'float', ['batch_size', 'image_tokens', first.shape[1]]);
  const layers: { key: number; value: number }[] = [];
  for (const [i, n] of numbers.entries()) {
    const k: WeightTensor = await read(key(n, 'k'));
    const v: WeightTensor = await read(key(n, 'v'));
    g.output(linear(g, x, `ip_adapter.${n}.to_k_ip`, k), `ip_k_${i}`, ['batch_size', 'image_tokens', k.shape[0]]);
    g.output(linear(g, x, `ip_adapter.${n}.to_v_ip`, v), `ip_v_${i}`, ['batch_size', 'image_tokens', v.shape[0]]);
    layers.push({ key: k.shape[0], value: v.shape[0] });
  }
  return { graph: g, layers };
}
