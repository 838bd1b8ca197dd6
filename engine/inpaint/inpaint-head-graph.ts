/**
 * The inpaint head in an ONNX UNet by graph rewriting (fooocus-semantics §7.5): Fooocus adds
 * head(feed) to the hidden state after the UNet's first input block (`input_blocks.0` = `conv_in`)
 * on every base-model step, where head is a 3×3 convolution 5 → C (C = conv_in's channels, 320 for
 * SDXL) with replicate padding, and feed = latent mask ‖ the masked crop's latent (sampler space).
 * rewriteForInpaintHead adds a float32 graph input `inpaint_head_feed` [1,5,h,w] and, right after
 * torch's `/conv_in/Conv`, Pad(edge) → Conv(head) → [Cast] → Add onto conv_in's output, which every
 * former consumer now reads; the [1,…] feature broadcasts over the CFG batch. Weights stay where
 * they are; the head (C·45 floats) is an initializer of the graph.
 */
import onnxProto from 'onnx-proto';
import { toNumber } from '../lora/initializer-data.ts';
import { modelChannels } from '../unet/freeu-graph.ts';
import { ValueTypes } from '../unet/freeu-value-type.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

export const INPAINT_HEAD_INPUT = 'inpaint_head_feed';
/** Bumped whenever the emitted nodes change, so cached rewrites are rebuilt. */
export const INPAINT_HEAD_GRAPH_VERSION = 1;
const MIN_OPSET = 11;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

function convIn(model: ModelProto): { node: NodeProto; index: number } | undefined {
  const nodes = model.graph?.node ?? [];
  const index = nodes.findIndex(
    (n) => n.opType === 'Conv' && (n.name === '/conv_in/Conv' || n.input?.[1] === 'conv_in.weight'),
  );
  return index < 0 ? undefined : { node: nodes[index], index };
}

function defaultOpset(model: ModelProto): number {
  const entry = (model.opsetImport ?? []).find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  return entry?.version === undefined || entry.version === null ? 0 : toNumber(entry.version);
}

/** Why the head cannot be put into this export, or undefined when it can. */
export function inpaintHeadUnsupportedReason(model: ModelProto, headDims: readonly number[]): string | undefined {
  if ((model.graph?.input ?? []).some((i) => i.name === INPAINT_HEAD_INPUT))
    return `the graph already has an ${INPAINT_HEAD_INPUT} input`;
  if (!convIn(model)) return 'no /conv_in/Conv node (the first input block) in the graph';
  const channels = modelChannels(model);
  if (channels === undefined) return 'no conv_in.weight initializer to read the base channel count from';
  if (
    headDims.length !== 4 ||
    headDims[0] !== channels ||
    headDims[1] !== 5 ||
    headDims[2] !== 3 ||
    headDims[3] !== 3
  ) {
    return `the inpaint head is [${headDims.join(',')}]; this UNet needs [${channels},5,3,3]`;
  }
  if (defaultOpset(model) < MIN_OPSET) return `opset ${defaultOpset(model)} is below ${MIN_OPSET}`;
  return undefined;
}

/** A new ModelProto with the head; `head` float32 [C,5,3,3]. Original objects are shared, not changed. */
export function rewriteForInpaintHead(model: ModelProto, head: Float32Array, headDims: readonly number[]): ModelProto {
  const reason = inpaintHeadUnsupportedReason(model, headDims);
  if (reason) throw new Error(`the inpaint head cannot be added to this UNet export: ${reason}`);
  const graph = model.graph!;
  const site = convIn(model)!;
  const hidden = site.node.output![0];
  const elemType = new ValueTypes(graph).elemType(hidden) ?? FLOAT;
  const p = '/inpaint_head/';
  const node = (op: string, inputs: string[], attribute: onnxProto.onnx.IAttributeProto[] = []) =>
    onnx.NodeProto.create({ name: `${p}${op}`, opType: op, input: inputs, output: [`${p}${op}_output_0`], attribute });
  const pads = onnx.TensorProto.create({
    name: `${p}pads`,
    dims: [8],
    dataType: onnx.TensorProto.DataType.INT64,
    int64Data: [0, 0, 1, 1, 0, 0, 1, 1],
  });
  const weight = onnx.TensorProto.create({
    name: `${p}head.weight`,
    dims: [...headDims],
    dataType: FLOAT,
    rawData: new Uint8Array(head.buffer, head.byteOffset, head.byteLength),
  });
  const pad = node(
    'Pad',
    [INPAINT_HEAD_INPUT, pads.name!],
    [{ name: 'mode', type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode('edge') }],
  );
  const conv = node('Conv', [pad.output![0], weight.name!]);
  const cast =
    elemType === FLOAT
      ? null
      : node('Cast', [conv.output![0]], [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: elemType }]);
  const add = node('Add', [hidden, (cast ?? conv).output![0]]);
  const added = add.output![0];
  const rewired = (graph.node ?? []).map((n) =>
    n.input?.includes(hidden)
      ? onnx.NodeProto.create({ ...n, input: n.input.map((i) => (i === hidden ? added : i)) })
      : n,
  );
  const nodes = [
    ...rewired.slice(0, site.index + 1),
    pad,
    conv,
    ...(cast ? [cast] : []),
    add,
    ...rewired.slice(site.index + 1),
  ];
  const input = onnx.ValueInfoProto.create({
    name: INPAINT_HEAD_INPUT,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: [{ dimValue: 1 }, { dimValue: 5 }, { dimParam: 'latent_height' }, { dimParam: 'latent_width' }] },
      },
    },
  });
  return onnx.ModelProto.create({
    ...model,
    graph: onnx.GraphProto.create({
      ...graph,
      node: nodes,
      input: [...(graph.input ?? []), input],
      initializer: [...(graph.initializer ?? []), pads, weight],
    }),
  });
}
