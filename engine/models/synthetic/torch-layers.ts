/**
 * torch.nn layers as torch.onnx exports them at opset 17, on a StreamingGraph: the same op
 * sequences, the same scopes and the same initializer names as optimum's diffusers and
 * transformers exports (the LoRA mapper, engine/lora/onnx-targets.ts, and FreeU,
 * engine/unet/freeu-graph.ts, find their targets by these names).
 * Weight scales keep activations near unit variance: Linear/Conv weights have std
 * `gain/√fan_in`, biases are small, norms start at identity, so random weights give finite
 * outputs at any depth.
 */
import { Float, type StreamingGraph } from './streaming-graph.ts';

const BIAS_STD = 0.02;

/** `x @ Wᵀ (+ b)`: W stored transposed, [in,out], as anonymous `onnx::MatMul_<n>`; bias named `<module>.bias`. */
export function linear(
  g: StreamingGraph,
  module: string,
  x: string,
  inFeatures: number,
  outFeatures: number,
  options: { bias?: boolean; gain?: number } = {},
): string {
  const weight = g.parameter(
    g.anonymousMatMul(),
    `${module}.weight`,
    [outFeatures, inFeatures],
    { kind: 'random', std: (options.gain ?? 1) / Math.sqrt(inFeatures) },
    { isTransposed: true },
  );
  const product = g.node(module, 'MatMul', [x, weight]);
  if (options.bias === false) return product;
  const bias = g.parameter(`${module}.bias`, `${module}.bias`, [outFeatures], { kind: 'random', std: BIAS_STD });
  return g.node(module, 'Add', [bias, product]);
}

export interface ConvOptions {
  kernel?: 1 | 3;
  stride?: number;
  /** [top, left, bottom, right]; default symmetric `kernel >> 1`. */
  pads?: number[];
  gain?: number;
}

export function conv(
  g: StreamingGraph,
  module: string,
  x: string,
  inChannels: number,
  outChannels: number,
  options: ConvOptions = {},
): string {
  const k = options.kernel ?? 3;
  const p = k >> 1;
  const weight = g.parameter(`${module}.weight`, `${module}.weight`, [outChannels, inChannels, k, k], {
    kind: 'random',
    std: (options.gain ?? 1) / Math.sqrt(inChannels * k * k),
  });
  const bias = g.parameter(`${module}.bias`, `${module}.bias`, [outChannels], { kind: 'random', std: BIAS_STD });
  return g.node(module, 'Conv', [x, weight, bias], {
    dilations: [1, 1],
    group: 1,
    kernel_shape: [k, k],
    pads: options.pads ?? [p, p, p, p],
    strides: [options.stride ?? 1, options.stride ?? 1],
  });
}

/**
 * GroupNorm as torch exports it at opset 17: Reshape to [B, groups, -1], InstanceNormalization
 * with unit scale, Reshape back, then the affine `<module>.weight`/`.bias` ([C,1,1]).
 */
export function groupNorm(
  g: StreamingGraph,
  module: string,
  x: string,
  channels: number,
  groups: number,
  epsilon: number,
): string {
  const grouped = g.node(module, 'Reshape', [x, g.ints([0, groups, -1])]);
  const normed = g.node(
    module,
    'InstanceNormalization',
    [
      grouped,
      g.weight(`${module}.instance_scale`, [groups], { kind: 'fill', value: 1 }),
      g.weight(`${module}.instance_bias`, [groups], { kind: 'fill', value: 0 }),
    ],
    { epsilon: new Float(epsilon) },
  );
  const back = g.node(module, 'Reshape', [normed, g.node(module, 'Shape', [x])]);
  const scaled = g.node(module, 'Mul', [
    back,
    g.parameter(
      `${module}.weight`,
      `${module}.weight`,
      [channels],
      { kind: 'random', std: 0.02, mean: 1 },
      { dims: [channels, 1, 1] },
    ),
  ]);
  return g.node(module, 'Add', [
    scaled,
    g.parameter(
      `${module}.bias`,
      `${module}.bias`,
      [channels],
      { kind: 'random', std: BIAS_STD },
      { dims: [channels, 1, 1] },
    ),
  ]);
}

export function layerNorm(g: StreamingGraph, module: string, x: string, width: number, epsilon = 1e-5): string {
  const weight = g.parameter(`${module}.weight`, `${module}.weight`, [width], { kind: 'random', std: 0.02, mean: 1 });
  const bias = g.parameter(`${module}.bias`, `${module}.bias`, [width], { kind: 'random', std: BIAS_STD });
  return g.node(module, 'LayerNormalization', [x, weight, bias], { axis: -1, epsilon: new Float(epsilon) });
}

/** x·sigmoid(x), as torch exports F.silu. */
export function silu(g: StreamingGraph, scope: string, x: string): string {
  return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [x])]);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)), the pattern ORT fuses into Gelu. */
export function gelu(g: StreamingGraph, scope: string, x: string): string {
  const erf = g.node(scope, 'Erf', [g.node(scope, 'Div', [x, g.scalar(Math.SQRT2)])]);
  return g.node(scope, 'Mul', [g.node(scope, 'Mul', [x, g.node(scope, 'Add', [erf, g.scalar(1)])]), g.scalar(0.5)]);
}

/** CLIP's quick_gelu: x·sigmoid(1.702·x). */
export function quickGelu(g: StreamingGraph, scope: string, x: string): string {
  return g.node(scope, 'Mul', [x, g.node(scope, 'Sigmoid', [g.node(scope, 'Mul', [x, g.scalar(1.702)])])]);
}

/** [B,N,H·d] → [B,H,N,d]. */
function heads(g: StreamingGraph, scope: string, x: string, count: number, dim: number): string {
  return g.node(scope, 'Transpose', [g.node(scope, 'Reshape', [x, g.ints([0, -1, count, dim])])], {
    perm: [0, 2, 1, 3],
  });
}

/**
 * Multi-head attention core (scaled dot product) on projected q [B,N,C], k/v [B,M,C] → [B,N,C];
 * `mask` (broadcast to [B,H,N,M]) is added to the scores.
 */
export function attend(
  g: StreamingGraph,
  scope: string,
  q: string,
  k: string,
  v: string,
  count: number,
  dim: number,
  mask?: string,
): string {
  const qh = heads(g, scope, q, count, dim);
  const kt = g.node(scope, 'Transpose', [g.node(scope, 'Reshape', [k, g.ints([0, -1, count, dim])])], {
    perm: [0, 2, 3, 1],
  });
  const vh = heads(g, scope, v, count, dim);
  let scores = g.node(scope, 'Mul', [g.node(scope, 'MatMul', [qh, kt]), g.scalar(1 / Math.sqrt(dim))]);
  if (mask) scores = g.node(scope, 'Add', [scores, mask]);
  const out = g.node(scope, 'MatMul', [g.node(scope, 'Softmax', [scores], { axis: -1 }), vh]);
  return g.node(scope, 'Reshape', [
    g.node(scope, 'Transpose', [out], { perm: [0, 2, 1, 3] }),
    g.ints([0, -1, count * dim]),
  ]);
}

/** Sinusoidal embedding of a column of values [N,1] → [N, width] (diffusers Timesteps, flip_sin_to_cos). */
export function timestepEmbedding(g: StreamingGraph, scope: string, column: string, width: number): string {
  const half = width / 2;
  const frequencies = Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
  const angles = g.node(scope, 'Mul', [column, g.constant(frequencies, [1, half])]);
  return g.node(scope, 'Concat', [g.node(scope, 'Cos', [angles]), g.node(scope, 'Sin', [angles])], { axis: -1 });
}
