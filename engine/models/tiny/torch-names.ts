/**
 * How torch.onnx (and so optimum's SDXL export) names what the tiny checkpoint's graphs hold, so
 * LoRAs find their targets in it exactly as in a real export (onnx-sdxl-engine.md §5.3):
 *  - Conv weights and biases, and biases generally, keep their module names
 *    (`down_blocks.0.resnets.0.conv1.weight`);
 *  - a Linear becomes MatMul(x, Wᵀ): its weight is stored transposed, [in,out], under an anonymous
 *    `onnx::MatMul_<n>` name, and only the node's scoped name
 *    (`/down_blocks.1/attentions.0/transformer_blocks.0/attn2/to_q/MatMul`) says which module it is.
 */
import type { AttrValue, GraphBuilder } from '../onnx-graph-builder.ts';

/**
 * `down_blocks.1.attentions.0.proj_in` + `Conv` → `/down_blocks.1/attentions.0/proj_in/Conv` (list indices stay
 * dotted).
 */
export function scopedNodeName(modulePath: string, op: string): string {
  return `/${modulePath.replace(/\.(?!\d)/g, '/')}/${op}`;
}

/** A node named after the module that runs it. */
export function scopedNode(
  g: GraphBuilder,
  modulePath: string,
  op: string,
  inputs: string[],
  attrs: Record<string, AttrValue> = {},
): string {
  return g.node(op, inputs, attrs, undefined, scopedNodeName(modulePath, op));
}

/**
 * Numbers anonymous weights in the order the graph creates them, as torch does; a start per model
 * keeps the numbers export-like and distinct between components.
 */
export class AnonymousWeights {
  private next: number;
  constructor(start: number) {
    this.next = start;
  }

  /** x [.., in] @ W [in,out] (+ bias `<modulePath>.bias` when given): a torch Linear as exported. */
  linear(
    g: GraphBuilder,
    modulePath: string,
    x: string,
    dims: [number, number],
    values: ArrayLike<number>,
    bias?: ArrayLike<number>,
  ): string {
    const product = scopedNode(g, modulePath, 'MatMul', [x, g.weight(`onnx::MatMul_${this.next++}`, dims, values)]);
    return bias === undefined
      ? product
      : scopedNode(g, modulePath, 'Add', [product, g.weight(`${modulePath}.bias`, [dims[1]], bias)]);
  }
}
