/**
 * The ControlNet graph cut out of the base UNet's own export (onnx-sdxl-engine.md §5.1, the
 * diffusers "split" I/O): a ControlNet is the UNet's encoder — time and add embeddings, conv_in,
 * the down blocks, the mid block — so its nodes are taken from the base graph as they are, which
 * keeps whatever the exporter emitted (ours or optimum's) and leaves no second copy of the layer
 * code to drift. Around them:
 *  - the hint block (eight 3×3 convs, SiLU between, three of stride 2) turns `controlnet_cond`
 *    [B,3,8h,8w] into [B,C0,h,w], added to conv_in's output before anything reads it (so the first
 *    skip and the first resnet both see it, as in the SGM ControlNet);
 *  - residual k = zero_convs.k (1×1) of the k-th skip the encoder pushes, the value the UNet's
 *    up-block Concats read (residual-graph.ts finds the same sites); the mid residual =
 *    middle_block_out of the mid block's output; each times `conditioning_scale`;
 *  - everything only the decoder needs (up blocks, conv_out) is pruned.
 * Weights are not touched here: the returned plan names the new initializers and where their
 * values come from; encoder-weights.ts and controlnet-writer.ts fill them.
 */
import onnxProto from 'onnx-proto';
import { downResidualName, MID_RESIDUAL, residualSites } from '../../controlnet/residual-graph.ts';
import { dimsOf, type TensorProto } from '../../lora/initializer-data.ts';
import type { TensorInfo } from '../tensor-source.ts';
import { ControlLoraError } from './control-lora-error.ts';
import type { ControlLoraFile, ConvTensors } from './control-lora-file.ts';

const { onnx } = onnxProto;
type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** What the engine's ControlNetSession feeds besides the control image and scale. */
export const UNET_INPUTS = ['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids'] as const;
const FLOAT_TYPES = new Set([1, 10]);
const CONV_IN_NODE = '/conv_in/Conv';

export interface AddedInitializer {
  /** The initializer's name in the ControlNet (the Control-LoRA key it is read from). */
  name: string;
  source: TensorInfo;
}

export interface ControlNetGraph {
  /** Base nodes kept + new ones; initializers: the kept base TensorProtos (shared) + empty new ones. */
  model: ModelProto;
  added: AddedInitializer[];
  /** Output names in the UNet's residual order (down 0..n−1, then mid) with their channel counts. */
  residuals: { name: string; channels: number }[];
  /** ONNX element type of the base's floats (1 float32, 10 float16): I/O and new weights use it. */
  floatType: number;
}

function ints(name: string, values: number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: values };
}

function floatInput(name: string, floatType: number, dims: (number | string)[]): ValueInfo {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: floatType, shape: { dim } } } };
}

/** Builds the ControlNet from `base` (a decoded UNet model.onnx) and the Control-LoRA's layout. */
export function buildControlNetGraph(base: ModelProto, file: ControlLoraFile, baseLabel: string): ControlNetGraph {
  const wrong = (message: string) => new ControlLoraError('wrong-architecture', file.source.path, message);
  const graph = base.graph ?? {};
  const baseInputs = new Map((graph.input ?? []).map((i) => [i.name ?? '', i]));
  const absent = UNET_INPUTS.filter((name) => !baseInputs.has(name));
  if (absent.length > 0)
    throw wrong(
      `the base ${baseLabel} is not an SDXL UNet export: it lacks the inputs ${absent.join(', ')} (it has ${[...baseInputs.keys()].join(', ')})`,
    );
  const floatType = baseInputs.get('sample')?.type?.tensorType?.elemType ?? 0;
  if (!FLOAT_TYPES.has(floatType))
    throw wrong(`the base ${baseLabel} takes sample as element type ${floatType}; float32 or float16 is needed`);
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const convIn = (graph.node ?? []).find((n) => n.name === CONV_IN_NODE && n.opType === 'Conv');
  const convInWeight = initializers.get(convIn?.input?.[1] ?? '');
  const sites = residualSites(base);
  if (!convIn || !convInWeight || sites.length === 0)
    throw wrong(
      `the base ${baseLabel} has no ${convIn ? 'up-block skip Concats' : CONV_IN_NODE + ' with a weight'}; it is not a UNet export whose encoder a ControlNet can be cut from`,
    );
  const width = dimsOf(convInWeight)[0];
  const skips = sites.map((s) => s.skip).reverse();
  const mid = sites[0].hidden;
  const convInOut = convIn.output![0];
  if (skips[0] !== convInOut)
    throw wrong(`the base ${baseLabel}'s first skip is ${skips[0]}, not conv_in's output ${convInOut}`);
  if (file.zeroConvs.length !== skips.length)
    throw wrong(
      `the Control-LoRA has ${file.zeroConvs.length} zero convs but the base ${baseLabel} pushes ${skips.length} skips (SDXL: 9): it was made for another architecture`,
    );

  const added: AddedInitializer[] = [];
  // The hint nodes go right after conv_in (their sum feeds the encoder); the residual heads at the end.
  const hintNodes: NodeProto[] = [];
  const headNodes: NodeProto[] = [];
  let newNodes = hintNodes;
  const addConv = (scope: string, x: string, conv: ConvTensors, key: string, stride: number, kernel: number) => {
    const [w, b] = [`${key}.weight`, `${key}.bias`];
    added.push({ name: w, source: conv.weight }, { name: b, source: conv.bias });
    const output = `${scope}/Conv_output_0`;
    const pad = kernel >> 1;
    newNodes.push(
      onnx.NodeProto.create({
        name: `${scope}/Conv`,
        opType: 'Conv',
        input: [x, w, b],
        output: [output],
        attribute: [
          ints('kernel_shape', [kernel, kernel]),
          ints('pads', [pad, pad, pad, pad]),
          ints('strides', [stride, stride]),
          ints('dilations', [1, 1]),
        ],
      }),
    );
    return output;
  };
  const node = (name: string, opType: string, input: string[]) => {
    const output = `${name}_output_0`;
    newNodes.push(onnx.NodeProto.create({ name, opType, input, output: [output] }));
    return output;
  };

  // Hint block: shapes chain from the image's channels to conv_in's width.
  const hintChannels = file.hint[0].weight.shape[1];
  let hint = 'controlnet_cond';
  let channels = hintChannels;
  file.hint.forEach((conv, j) => {
    const index = 2 * j;
    const shape = conv.weight.shape;
    if (
      shape.length !== 4 ||
      shape[1] !== channels ||
      shape[2] !== 3 ||
      shape[3] !== 3 ||
      conv.bias.shape[0] !== shape[0]
    )
      throw new ControlLoraError(
        'wrong-architecture',
        file.source.path,
        `input_hint_block.${index}.weight is [${shape.join(',')}]; a 3×3 conv from ${channels} channels is expected`,
      );
    channels = shape[0];
    const scope = `/input_hint_block.${index}`;
    hint = addConv(scope, hint, conv, `input_hint_block.${index}`, conv.stride, 3);
    if (j < file.hint.length - 1)
      hint = node(`${scope}/Mul`, 'Mul', [hint, node(`${scope}/Sigmoid`, 'Sigmoid', [hint])]);
  });
  if (channels !== width)
    throw wrong(`the hint block ends at ${channels} channels but the base ${baseLabel}'s conv_in has ${width}`);
  const hinted = node('/controlnet/AddHint', 'Add', [convInOut, hint]);
  newNodes = headNodes;

  // Residual outputs, each scaled by conditioning_scale (what the session feeds as the weight).
  const scale = 'conditioning_scale';
  const outputs: ValueInfo[] = [];
  const residuals: { name: string; channels: number }[] = [];
  const residual = (value: string, conv: ConvTensors, key: string, name: string, expected?: number) => {
    const shape = conv.weight.shape;
    if (
      shape.length !== 4 ||
      shape[0] !== shape[1] ||
      shape[2] !== 1 ||
      shape[3] !== 1 ||
      (expected !== undefined && shape[0] !== expected)
    )
      throw wrong(
        `${key}.weight is [${shape.join(',')}]; a square 1×1 conv${expected === undefined ? '' : ` over ${expected} channels`} is expected`,
      );
    const zero = addConv(`/${key}`, value === convInOut ? hinted : value, conv, key, 1, 1);
    newNodes.push(onnx.NodeProto.create({ name: `/${name}/Mul`, opType: 'Mul', input: [zero, scale], output: [name] }));
    outputs.push(floatInput(name, floatType, ['batch', shape[0], `${name}_height`, `${name}_width`]));
    residuals.push({ name, channels: shape[0] });
  };
  skips.forEach((skip, k) =>
    residual(skip, file.zeroConvs[k], `zero_convs.${k}.0`, downResidualName(k), k === 0 ? width : undefined),
  );
  residual(mid, file.middleOut, 'middle_block_out.0', MID_RESIDUAL);

  const kept = prune(graph.node ?? [], [...skips, mid]);
  const rewired = kept.flatMap((n) => {
    const copy = onnx.NodeProto.create({ ...n, input: (n.input ?? []).map((i) => (i === convInOut ? hinted : i)) });
    return n === convIn ? [copy, ...hintNodes] : [copy];
  });
  const nodes = [...rewired, ...headNodes];
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  const keptInitializers: TensorProto[] = (graph.initializer ?? []).filter((t) => used.has(t.name ?? ''));
  const newInitializers = added.map((a) =>
    onnx.TensorProto.create({ name: a.name, dims: a.source.shape, dataType: floatType }),
  );
  const inputs = [
    ...UNET_INPUTS.map((name) => baseInputs.get(name)!),
    floatInput('controlnet_cond', floatType, ['batch', hintChannels, 'image_height', 'image_width']),
    floatInput(scale, floatType, []),
  ];
  const model = onnx.ModelProto.create({
    ...base,
    producerName: 'fooocus-gateway control-lora import',
    graph: onnx.GraphProto.create({
      name: 'controlnet',
      node: nodes,
      initializer: [...keptInitializers, ...newInitializers],
      input: inputs,
      output: outputs,
      valueInfo: (graph.valueInfo ?? []).filter((v) => used.has(v.name ?? '')),
    }),
  });
  return { model, added, residuals, floatType };
}

/** The nodes `targets` depend on, in their original (topological) order. */
function prune(nodes: readonly NodeProto[], targets: readonly string[]): NodeProto[] {
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const keep = new Set<number>();
  const stack = [...targets];
  while (stack.length > 0) {
    const i = producer.get(stack.pop()!);
    if (i === undefined || keep.has(i)) continue;
    keep.add(i);
    for (const input of nodes[i].input ?? []) if (input) stack.push(input);
  }
  return nodes.filter((_, i) => keep.has(i));
}
