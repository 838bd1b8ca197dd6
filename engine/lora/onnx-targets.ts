/**
 * Finds the initializer a diffusers module path (`down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`)
 * patches in an un-fused torch/optimum ONNX export (onnx-sdxl-engine.md §5.3):
 *  - by name `<path>.weight` (Conv weights [out,in,kh,kw]; Linear weights some exporters keep named),
 *  - or through the node torch named after the module scope, `/<path with / between modules>/MatMul`
 *    (also `/Gemm`, `/Conv`), whose second input is the (often anonymous, `onnx::MatMul_1234`) weight.
 * The layout comes from how the graph consumes the weight: MatMul(x, W) means W is stored
 * transposed, [in,out]; Gemm follows transB; Conv and Transpose(W) mean [out,in,…]. One Cast
 * between weight and op (fp16 weights computed in fp32) is looked through.
 */
import onnxProto from 'onnx-proto';
import { dimsOf, toNumber, type TensorProto } from './initializer-data.ts';

type ModelProto = onnxProto.onnx.IModelProto;
type NodeProto = onnxProto.onnx.INodeProto;

/** `out-in`: [out,in] or [out,in,kh,kw] (torch order); `in-out`: [in,out] (a Linear exported as MatMul). */
export type WeightLayout = 'out-in' | 'in-out';

export interface LoraTarget {
  /** The initializer itself (mutated by the merge to point at the side file). */
  tensor: TensorProto;
  name: string;
  layout: WeightLayout;
  dims: number[];
}

const SCOPED_OP = /^\/(.+)\/(MatMul|Gemm|Conv)(_\d+)?$/;

function transB(node: NodeProto): number {
  const attr = (node.attribute ?? []).find((a) => a.name === 'transB');
  return attr?.i === undefined || attr.i === null ? 0 : toNumber(attr.i);
}

function layoutFor(node: NodeProto, inputIndex: number): WeightLayout | undefined {
  switch (node.opType) {
    case 'MatMul':
      return inputIndex === 1 ? 'in-out' : undefined;
    case 'Gemm':
      return inputIndex === 1 ? (transB(node) === 1 ? 'out-in' : 'in-out') : undefined;
    case 'Conv':
    case 'Transpose':
      return 'out-in';
    default:
      return undefined;
  }
}

export class LoraTargetIndex {
  private readonly initializers = new Map<string, TensorProto>();
  private readonly consumers = new Map<string, { node: NodeProto; index: number }[]>();
  private readonly producers = new Map<string, NodeProto>();
  /** module path → the weight-bearing node torch named after it. */
  private readonly scoped = new Map<string, NodeProto>();

  constructor(model: ModelProto) {
    const graph = model.graph ?? {};
    for (const tensor of graph.initializer ?? []) if (tensor.name) this.initializers.set(tensor.name, tensor);
    for (const node of graph.node ?? []) {
      (node.input ?? []).forEach((name, index) => {
        const list = this.consumers.get(name) ?? [];
        list.push({ node, index });
        this.consumers.set(name, list);
      });
      for (const name of node.output ?? []) this.producers.set(name, node);
      const m = SCOPED_OP.exec(node.name ?? '');
      // `/x/MatMul` wins over `/x/MatMul_1` (a second product inside the same module).
      if (m && (!this.scoped.has(m[1].replaceAll('/', '.')) || m[3] === undefined))
        this.scoped.set(m[1].replaceAll('/', '.'), node);
    }
  }

  find(modulePath: string): LoraTarget | undefined {
    const named = this.initializers.get(`${modulePath}.weight`);
    if (named) return this.target(named, this.layoutFromConsumers(named.name ?? ''));
    const node = this.scoped.get(modulePath);
    const input = node?.input?.[1];
    if (!node || !input) return undefined;
    const weight = this.initializerBehindCast(input);
    return weight ? this.target(weight, layoutFor(node, 1) ?? 'out-in') : undefined;
  }

  private target(tensor: TensorProto, layout: WeightLayout): LoraTarget {
    return { tensor, name: tensor.name ?? '', layout, dims: dimsOf(tensor) };
  }

  private initializerBehindCast(value: string): TensorProto | undefined {
    const direct = this.initializers.get(value);
    if (direct) return direct;
    const producer = this.producers.get(value);
    return producer?.opType === 'Cast' && producer.input?.[0] ? this.initializers.get(producer.input[0]) : undefined;
  }

  /** torch stores Linear weights [out,in]; only a consumer that says otherwise changes that. */
  private layoutFromConsumers(name: string): WeightLayout {
    for (const { node, index } of this.consumers.get(name) ?? []) {
      const uses = node.opType === 'Cast' ? (this.consumers.get(node.output?.[0] ?? '') ?? []) : [{ node, index }];
      for (const use of uses) {
        const layout = layoutFor(use.node, use.index);
        if (layout) return layout;
      }
    }
    return 'out-in';
  }
}
