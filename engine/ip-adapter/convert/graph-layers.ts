/**
 * The torch modules the IP-Adapter and CLIP-vision conversions are made of, as GraphBuilder nodes
 * (float32, opset 17): Linear (torch stores W as [out, in]; the graph multiplies by Wᵀ), LayerNorm,
 * exact GELU (opset 17 has no Gelu op: x·½·(1 + erf(x/√2)), torch's default) and quick GELU.
 */
import type { GraphBuilder } from '../../models/onnx-graph-builder.ts';
import { FloatAttr } from '../../models/onnx-graph-builder.ts';

export interface WeightTensor {
  data: Float32Array;
  shape: number[];
}

/** Reads a named tensor of the source file (safetensors, or an in-memory map in tests). */
export type WeightSource = (name: string) => Promise<WeightTensor>;

/** [out, in] → [in, out] (row-major). */
export function transpose2d(w: WeightTensor): Float32Array {
  const [rows, cols] = w.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w.data[r * cols + c];
  return out;
}

/** y = x Wᵀ (+ b), W [out, in] as torch stores it. */
export function linear(g: GraphBuilder, x: string, name: string, weight: WeightTensor, bias?: WeightTensor): string {
  if (weight.shape.length !== 2)
    throw new Error(`${name}: a Linear weight must be 2-D, got [${weight.shape.join(',')}]`);
  const [out, inDim] = weight.shape;
  const product = g.node('MatMul', [x, g.weight(`${name}.weight`, [inDim, out], transpose2d(weight))]);
  return bias ? g.node('Add', [product, g.weight(`${name}.bias`, [out], bias.data)]) : product;
}

export function layerNorm(
  g: GraphBuilder,
  x: string,
  name: string,
  weight: WeightTensor,
  bias: WeightTensor,
  epsilon = 1e-5,
): string {
  const scale = g.weight(`${name}.weight`, [weight.data.length], weight.data);
  const shift = g.weight(`${name}.bias`, [bias.data.length], bias.data);
  return g.node('LayerNormalization', [x, scale, shift], { axis: -1, epsilon: new FloatAttr(epsilon) });
}

export function gelu(g: GraphBuilder, x: string): string {
  const erf = g.node('Erf', [g.node('Mul', [x, g.scalar(Math.SQRT1_2)])]);
  return g.node('Mul', [g.node('Mul', [x, g.scalar(0.5)]), g.node('Add', [erf, g.scalar(1)])]);
}

/** x·σ(1.702x): OpenAI CLIP's activation. */
export function quickGelu(g: GraphBuilder, x: string): string {
  return g.node('Mul', [x, g.node('Sigmoid', [g.node('Mul', [x, g.scalar(1.702)])])]);
}

/** [B, S, heads·d] → [B, heads, S, d]. */
export function splitHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.node('Transpose', [g.node('Reshape', [x, g.ints([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
}

/** [B, heads, S, d] → [B, S, heads·d]. */
export function mergeHeads(g: GraphBuilder, x: string, heads: number, headDim: number): string {
  return g.node('Reshape', [g.node('Transpose', [x], { perm: [0, 2, 1, 3] }), g.ints([0, 0, heads * headDim])]);
}

/** softmax(q kᵀ) v with q, k already scaled; all [B, heads, S, d]. */
export function attention(g: GraphBuilder, q: string, k: string, v: string): string {
  const scores = g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]);
  return g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]);
}

/** `param` [1, …] repeated over the batch of `like` (dim 0) by broadcasting Expand. */
export function expandToBatch(g: GraphBuilder, param: string, like: string, rank: number): string {
  const batch = g.node('Slice', [g.node('Shape', [like]), g.ints([0]), g.ints([1])]);
  const shape = g.node('Concat', [batch, g.ints(new Array<number>(rank - 1).fill(1))], { axis: 0 });
  return g.node('Expand', [param, shape]);
}
