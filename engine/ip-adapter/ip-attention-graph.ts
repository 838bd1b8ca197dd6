/**
 * IP-Adapter injection into an ONNX SDXL UNet by graph rewriting (fooocus-semantics.md §8.4).
 * Fooocus replaces every attn2 with an attention over [text K/V ; image K/V] (one softmax). In a
 * torch export (optimum's diffusers UNet) each attn2 computes K and V as
 * `/<scope>/transformer_blocks.<j>/attn2/to_k/MatMul` and `…/to_v/MatMul`, [B, S, C]; the heads
 * are split afterwards by a reshape to (B, −1, heads, C/heads), so a longer sequence passes through
 * unchanged. The rewrite concatenates a new graph input onto each of those outputs on axis 1:
 * `ip_k_<i>` / `ip_v_<i>` [B, tokens, C] for layer i, numbered in Fooocus's IP layer order (input
 * blocks, then output blocks, then the middle block: the order of the adapter's `to_kvs`). The
 * image tokens are computed outside the UNet (ip-adapter-model.ts), already weighted; a feed with 0
 * tokens leaves the attention exactly as it was, so one rewritten model serves every step and
 * every request, with or without image prompts.
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { dimsOf } from '../lora/initializer-data.ts';
import { ValueTypes } from '../unet/freeu-value-type.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

/** Bumped whenever the emitted nodes change, so cached rewrites are rebuilt (ip-unet-cache.ts). */
export const IP_GRAPH_VERSION = 1;
export const ipKeyInput = (layer: number): string => `ip_k_${layer}`;
export const ipValueInput = (layer: number): string => `ip_v_${layer}`;

const SITE =
  /^\/(down_blocks|up_blocks|mid_block)(?:\.(\d+))?\/attentions\.(\d+)\/transformer_blocks\.(\d+)\/attn2\/to_(k|v)\/MatMul$/;
/**
 * Fooocus numbers IP layers input blocks first, then output blocks, then the middle (diffusers' registration order).
 */
const PART_ORDER: Record<string, number> = { down_blocks: 0, up_blocks: 1, mid_block: 2 };

export interface IpAttentionLayer {
  /** Position in Fooocus's IP layer order: the index of its K/V pair in the adapter. */
  index: number;
  /** `/down_blocks.1/attentions.0/transformer_blocks.0/attn2`. */
  scope: string;
  /** Outputs of the to_k / to_v MatMuls, [B, S, C]. */
  key: string;
  value: string;
  /** Output widths of to_k / to_v when the weights say so (Fooocus's channel penalty reads the K width). */
  keyChannels?: number;
  valueChannels?: number;
}

function sortKey(scope: string): number[] {
  const m = /^\/(down_blocks|up_blocks|mid_block)(?:\.(\d+))?\/attentions\.(\d+)\/transformer_blocks\.(\d+)/.exec(
    scope,
  )!;
  return [PART_ORDER[m[1]], Number(m[2] ?? 0), Number(m[3]), Number(m[4])];
}

/** The attn2 layers of a torch-exported UNet, in Fooocus's IP layer order. */
export function findIpAttentionLayers(model: ModelProto): IpAttentionLayer[] {
  const graph = model.graph ?? {};
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const width = (node: NodeProto): number | undefined => {
    const weight = initializers.get(node.input?.[1] ?? '');
    const dims = weight ? dimsOf(weight) : [];
    return dims.length === 2 ? dims[1] : undefined;
  };
  const byScope = new Map<string, { key?: NodeProto; value?: NodeProto }>();
  for (const node of graph.node ?? []) {
    const match = SITE.exec(node.name ?? '');
    if (!match || node.opType !== 'MatMul' || (node.output?.length ?? 0) !== 1) continue;
    const scope = node.name!.slice(0, node.name!.lastIndexOf('/to_'));
    const entry = byScope.get(scope) ?? {};
    entry[match[5] === 'k' ? 'key' : 'value'] = node;
    byScope.set(scope, entry);
  }
  const scopes = [...byScope.entries()].filter(([, e]) => e.key && e.value).map(([scope]) => scope);
  scopes.sort((a, b) => {
    const ka = sortKey(a);
    const kb = sortKey(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });
  return scopes.map((scope, index) => {
    const { key, value } = byScope.get(scope)!;
    return {
      index,
      scope,
      key: key!.output![0],
      value: value!.output![0],
      keyChannels: width(key!),
      valueChannels: width(value!),
    };
  });
}

/** Why the rewrite cannot be applied to this export, or undefined when it can. */
export function ipUnsupportedReason(model: ModelProto): string | undefined {
  if ((model.graph?.input ?? []).some((i) => i.name === ipKeyInput(0)))
    return `the graph already has an ${ipKeyInput(0)} input`;
  if (findIpAttentionLayers(model).length === 0) {
    return 'no cross-attention K/V projections named like a torch export (/…/transformer_blocks.N/attn2/to_k/MatMul); fused-attention (ORT-optimised) exports cannot be rewritten';
  }
  return undefined;
}

export async function ipUnsupportedReasonAt(modelPath: string): Promise<string | undefined> {
  return ipUnsupportedReason(onnx.ModelProto.decode(await readFile(modelPath)));
}

/** The image-token inputs the rewritten UNet declares, per layer: names and widths. */
export interface IpUnetInputs {
  layers: { index: number; key: string; value: string; keyChannels?: number; valueChannels?: number }[];
}

/**
 * A new ModelProto whose attn2 layers attend over [text ; image] K/V. Original nodes and
 * initializers are shared with `model`; consumers of each to_k/to_v output read the Concat instead.
 */
export function rewriteForIpAdapter(model: ModelProto): ModelProto {
  const reason = ipUnsupportedReason(model);
  if (reason) throw new Error(`IP-Adapter cannot be applied to this UNet export: ${reason}`);
  const graph = model.graph!;
  const types = new ValueTypes(graph);
  const renamed = new Map<string, string>();
  const inserted = new Map<string, NodeProto>();
  const inputs: onnxProto.onnx.IValueInfoProto[] = [];
  for (const layer of findIpAttentionLayers(model)) {
    for (const [kind, source, channels, input] of [
      ['k', layer.key, layer.keyChannels, ipKeyInput(layer.index)],
      ['v', layer.value, layer.valueChannels, ipValueInput(layer.index)],
    ] as const) {
      const elemType = types.elemType(source) ?? onnx.TensorProto.DataType.FLOAT;
      const joined = `${source}/ip_concat`;
      renamed.set(source, joined);
      const axis = { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 };
      const name = `${layer.scope}/to_${kind}/IpConcat`;
      inserted.set(
        source,
        onnx.NodeProto.create({ opType: 'Concat', name, input: [source, input], output: [joined], attribute: [axis] }),
      );
      const width =
        channels === undefined ? { dimParam: `ip_channels_${layer.index}_${kind}` } : { dimValue: channels };
      const dim = [{ dimParam: 'batch_size' }, { dimParam: 'ip_tokens' }, width];
      inputs.push(onnx.ValueInfoProto.create({ name: input, type: { tensorType: { elemType, shape: { dim } } } }));
    }
  }
  // Each Concat goes right after the MatMul making its first input: the list stays topologically sorted.
  const nodes: NodeProto[] = [];
  for (const node of graph.node ?? []) {
    const isSource = (node.output ?? []).some((o) => inserted.has(o));
    const input = (node.input ?? []).map((name) => renamed.get(name) ?? name);
    nodes.push(
      isSource || input.every((name, i) => name === node.input![i]) ? node : onnx.NodeProto.create({ ...node, input }),
    );
    for (const output of node.output ?? []) if (inserted.has(output)) nodes.push(inserted.get(output)!);
  }
  return onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({ ...graph, node: nodes, input: [...(graph.input ?? []), ...inputs] }),
  });
}

/** The layer list a rewritten UNet session declares (from its input names and shapes). */
export function ipLayersOfInputs(
  inputs: readonly { name: string; shape: ReadonlyArray<number | string> }[],
): IpUnetInputs['layers'] {
  const layers: IpUnetInputs['layers'] = [];
  for (let index = 0; ; index++) {
    const key = inputs.find((i) => i.name === ipKeyInput(index));
    const value = inputs.find((i) => i.name === ipValueInput(index));
    if (!key || !value) return layers;
    const width = (shape: ReadonlyArray<number | string>) => (typeof shape[2] === 'number' ? shape[2] : undefined);
    layers.push({
      index,
      key: key.name,
      value: value.name,
      keyChannels: width(key.shape),
      valueChannels: width(value.shape),
    });
  }
}
