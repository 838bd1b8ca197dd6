/**
 * FreeU for ONNX SDXL UNets by graph rewriting. Fooocus applies FreeU_V2 as an
 * `output_block_patch`: at every up-block resnet, just before `h = cat([h, hsp], dim=1)`, it
 * transforms (h, hsp). torch.onnx (optimum's diffusers exports) names those Concats
 * `/up_blocks.<N>/Concat[_<k>]` (h first, skip second, axis 1); rewriteForFreeu splices the
 * FreeU nodes (freeu-subgraph.ts) onto their two inputs and adds a float32 [4] graph input
 * `freeu_scales` = (b1, b2, s1, s2). Scales (1, 1, 1, 1) leave the UNet's output bit-identical,
 * so one rewritten model serves every request. Original nodes, initializers and external-data
 * references stay as they are; only the patched Concats read new input names.
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { dimsOf, toNumber } from '../lora/initializer-data.ts';
import { emitShared, emitSite, NodeEmitter } from './freeu-subgraph.ts';
import { ValueTypes } from './freeu-value-type.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

/** The graph input the rewrite adds: float32 [4] = (b1, b2, s1, s2). */
export const FREEU_INPUT = 'freeu_scales';
/** Bumped whenever the emitted nodes change, so cached rewrites are rebuilt (freeu-model-cache.ts). */
export const FREEU_GRAPH_VERSION = 1;
/** ReduceSum and Unsqueeze with axes as an input. */
const MIN_OPSET = 13;
const FLOAT_TYPES = new Set([1, 10, 11, 16]);

const SITE_NAME = /^\/up_blocks\.(\d+)\/Concat(?:_\d+)?$/;

export interface FreeuSite {
  /** Node name, e.g. `/up_blocks.1/Concat_2`. */
  name: string;
  /** N of `up_blocks.N`. */
  block: number;
  /** Position in graph.node. */
  nodeIndex: number;
  /** The hidden state coming up (the Concat's first input). */
  hidden: string;
  /** The skip connection popped from the encoder (the Concat's second input). */
  skip: string;
}

function intAttribute(node: NodeProto, name: string): number | undefined {
  const value = (node.attribute ?? []).find((a) => a.name === name)?.i;
  return value === undefined || value === null ? undefined : toNumber(value);
}

/** The up-block skip Concats, in graph order. */
export function findFreeuSites(model: ModelProto): FreeuSite[] {
  const sites: FreeuSite[] = [];
  for (const [nodeIndex, node] of (model.graph?.node ?? []).entries()) {
    const match = SITE_NAME.exec(node.name ?? '');
    if (
      !match ||
      node.opType !== 'Concat' ||
      (node.domain ?? '') !== '' ||
      intAttribute(node, 'axis') !== 1 ||
      node.input?.length !== 2
    )
      continue;
    sites.push({ name: node.name!, block: Number(match[1]), nodeIndex, hidden: node.input[0], skip: node.input[1] });
  }
  return sites;
}

/** The UNet's base channel count: `conv_in`'s output channels (SDXL: 320). */
export function modelChannels(model: ModelProto): number | undefined {
  const graph = model.graph ?? {};
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const convIn = (graph.node ?? []).find((n) => n.name === '/conv_in/Conv' && n.opType === 'Conv');
  const weight = initializers.get('conv_in.weight') ?? initializers.get(convIn?.input?.[1] ?? '');
  const dims = weight ? dimsOf(weight) : [];
  return dims.length === 4 ? dims[0] : undefined;
}

function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry?.version === undefined || entry.version === null ? 0 : toNumber(entry.version);
}

/** Why FreeU cannot be applied to this export, or undefined when it can. */
export function freeuUnsupportedReason(model: ModelProto): string | undefined {
  if ((model.graph?.input ?? []).some((i) => i.name === FREEU_INPUT))
    return `the graph already has a ${FREEU_INPUT} input`;
  if (findFreeuSites(model).length === 0)
    return 'no up-block skip Concat (/up_blocks.N/Concat, axis 1, two inputs) in the graph';
  if (modelChannels(model) === undefined) return 'no conv_in.weight initializer to read the base channel count from';
  if (defaultOpset(model) < MIN_OPSET) return `opset ${defaultOpset(model)} is below ${MIN_OPSET}`;
  return undefined;
}

/** freeuUnsupportedReason for the model.onnx at `modelPath` (the graph only: external weights stay on disk). */
export async function freeuUnsupportedReasonAt(modelPath: string): Promise<string | undefined> {
  return freeuUnsupportedReason(onnx.ModelProto.decode(await readFile(modelPath)));
}

/**
 * A new ModelProto computing FreeU_V2 at every site, scaled by the new `freeu_scales` input. The
 * original node, initializer and value objects are shared with `model`, not copied or changed.
 */
export function rewriteForFreeu(model: ModelProto): ModelProto {
  const reason = freeuUnsupportedReason(model);
  if (reason) throw new Error(`FreeU cannot be applied to this UNet export: ${reason}`);
  const graph = model.graph!;
  const types = new ValueTypes(graph);
  const shared = new NodeEmitter('/freeu/');
  const constants = emitShared(shared, FREEU_INPUT, modelChannels(model)!);
  const spliced = new Map<number, NodeProto[]>();
  const initializers = [...shared.initializers];
  for (const site of findFreeuSites(model)) {
    const elemType = types.elemType(site.hidden) ?? types.elemType(site.skip);
    if (elemType === undefined || !FLOAT_TYPES.has(elemType))
      throw new Error(
        `FreeU: cannot tell the float type of ${site.hidden}, the first input of ${site.name} (found ${elemType})`,
      );
    const e = new NodeEmitter(`/freeu${site.name}/`);
    const patched = emitSite(e, constants, site.hidden, site.skip, elemType);
    const concat = graph.node![site.nodeIndex];
    spliced.set(site.nodeIndex, [
      ...e.nodes,
      onnx.NodeProto.create({ ...concat, input: [patched.hidden, patched.skip] }),
    ]);
    initializers.push(...e.initializers);
  }
  // The shared Gathers read only the new input, so they can go first; each site's nodes go right
  // before its Concat, after h and hsp are produced: the node list stays topologically sorted.
  const nodes = [...shared.nodes, ...(graph.node ?? []).flatMap((node, i) => spliced.get(i) ?? [node])];
  const input = onnx.ValueInfoProto.create({
    name: FREEU_INPUT,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 4 }] } } },
  });
  return onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({
      ...graph,
      node: nodes,
      input: [...(graph.input ?? []), input],
      initializer: [...(graph.initializer ?? []), ...initializers],
    }),
  });
}
