/**
 * The ONNX element type of a value in a graph without running shape inference: what the graph
 * declares for it (inputs, outputs, value_info, initializers), else what its producer makes —
 * Cast's `to`, Constant's tensor, Where's branches, and for every other op the type of its first
 * input, which holds for the float-preserving ops a UNet builds its activations with (Conv, Add,
 * Mul, Reshape, Transpose, Resize, Concat, MatMul, normalisations, ORT's fused com.microsoft ops).
 * FreeU needs it to cast its float32 results back to the UNet's own dtype: CastLike would do it
 * at run time but needs opset 15, and optimum exports UNets at opset 14.
 */
import onnxProto from 'onnx-proto';
import { toNumber } from '../lora/initializer-data.ts';

type GraphProto = onnxProto.onnx.IGraphProto;
type NodeProto = onnxProto.onnx.INodeProto;

function attribute(node: NodeProto, name: string): onnxProto.onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

export class ValueTypes {
  private readonly declared = new Map<string, number>();
  private readonly producers = new Map<string, NodeProto>();

  constructor(graph: GraphProto) {
    for (const info of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])]) {
      const elemType = info.type?.tensorType?.elemType;
      if (info.name && elemType) this.declared.set(info.name, elemType);
    }
    for (const tensor of graph.initializer ?? [])
      if (tensor.name && tensor.dataType) this.declared.set(tensor.name, tensor.dataType);
    for (const node of graph.node ?? []) for (const output of node.output ?? []) this.producers.set(output, node);
  }

  /** TensorProto.DataType code of `name`, or undefined when the walk meets an op it cannot read. */
  elemType(name: string): number | undefined {
    const seen = new Set<string>();
    let current = name;
    while (!seen.has(current)) {
      seen.add(current);
      const declared = this.declared.get(current);
      if (declared !== undefined) return declared;
      const node = this.producers.get(current);
      if (!node) return undefined;
      switch (node.opType) {
        case 'Cast': {
          const to = attribute(node, 'to')?.i;
          return to === undefined || to === null ? undefined : toNumber(to);
        }
        case 'Constant': {
          const value = attribute(node, 'value');
          if (value?.t?.dataType) return value.t.dataType;
          return value === undefined && attribute(node, 'value_float')
            ? onnxProto.onnx.TensorProto.DataType.FLOAT
            : undefined;
        }
        case 'Where':
          current = node.input?.[1] ?? '';
          break;
        case 'If':
        case 'Loop':
        case 'Scan':
          return undefined;
        default:
          current = node.input?.[0] ?? '';
      }
    }
    return undefined;
  }
}
