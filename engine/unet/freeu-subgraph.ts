/**
 * The ONNX nodes FreeU_V2 (Fooocus's FreeU: ComfyUI's `output_block_patch`) adds in front of one
 * up-block skip Concat, transforming its inputs (h, hsp) before `cat([h, hsp], dim=1)`:
 *  - (b, s) = scale_dict[C] with C = h.shape[1] read at run time: (b1, s1) for C = 4·mc,
 *    (b2, s2) for C = 2·mc, else (1, 1) — mc is the UNet's base channel count;
 *  - h[:, :C/2] *= (b − 1)·m' + 1, m' the channel mean of h min-max normalised per batch row;
 *  - hsp = Fourier_filter(hsp, threshold 1, s): the shifted-spectrum rows crow−1..crow and columns
 *    ccol−1..ccol, i.e. frequencies ky, kx ∈ {−1, 0}, are scaled by s. Projecting onto those
 *    frequencies is P = R_H·x·R_W + I_H·x·I_W per (batch, channel) plane, with
 *    R_N[a,c] = (1 + cos θ)/N, I_N[a,c] = −sin θ/N, θ = 2π(a−c)/N (the real part of
 *    (R + iI)·x·(R + iI)ᵀ; R is symmetric, I antisymmetric). At N = 1 the two frequencies are one
 *    and torch's mask slice covers it once, so R_1 = 1: dividing by max(N, 2) gives exactly that.
 *    Filtered hsp = x + (s − 1)·P.
 * With b = s = 1 both are exact identities (h·1, x + 0·P), so one rewritten graph serves every
 * setting. The math runs in float32 whatever the UNet's dtype (fp16 exports: Cast in and out).
 * Every op used has had the same signature from opset 13 to 21 (ReduceSum/Unsqueeze/Slice take
 * axes as inputs; no ReduceMean/ReduceMin/ReduceMax, whose signature changed in opset 18; no
 * CastLike or Shape start/end, which need 15), so the export's own opset is kept.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Nodes and initializers to splice into a graph; every name starts with `prefix`. */
export class NodeEmitter {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  constructor(readonly prefix: string) {}

  /** Adds a node (int attributes only); returns its output names (torch-style `<node>_output_<i>`). */
  ops(op: string, inputs: string[], attrs: Record<string, number> = {}, outputs = 1): string[] {
    const name = `${this.prefix}${op}_${this.count++}`;
    const output = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    const attribute = Object.entries(attrs).map(([key, i]) => ({
      name: key,
      type: onnx.AttributeProto.AttributeType.INT,
      i,
    }));
    this.nodes.push(onnx.NodeProto.create({ name, opType: op, input: inputs, output, attribute }));
    return output;
  }

  op(op: string, inputs: string[], attrs: Record<string, number> = {}): string {
    return this.ops(op, inputs, attrs)[0];
  }

  /** An int64 initializer; `dims` [] for a scalar. */
  int64(name: string, values: number[], dims: number[] = [values.length]): string {
    this.initializers.push(
      onnx.TensorProto.create({ name: this.prefix + name, dims, dataType: INT64, int64Data: values }),
    );
    return this.prefix + name;
  }

  /** A float32 scalar initializer. */
  float(name: string, value: number): string {
    this.initializers.push(
      onnx.TensorProto.create({ name: this.prefix + name, dims: [], dataType: FLOAT, floatData: [value] }),
    );
    return this.prefix + name;
  }
}

/** Constants and the four scale scalars every site shares. */
export interface FreeuShared {
  /** float32 scalars (shape []) gathered from `freeu_scales` [4]. */
  b1: string;
  b2: string;
  s1: string;
  s2: string;
  /** int64 [1]: 4·mc and 2·mc, the channel counts scale_dict knows. */
  outerChannels: string;
  innerChannels: string;
  one: string;
  zero: string;
  two: string;
  twoPi: string;
  axis1: string;
  axis0: string;
  zeroIndex: string;
  twoIndex: string;
  scalarZero: string;
  scalarOne: string;
  channelIndex: string;
  heightIndex: string;
  widthIndex: string;
  flatShape: string;
  columnShape: string;
  topK: string;
}

export function emitShared(e: NodeEmitter, scalesInput: string, modelChannels: number): FreeuShared {
  const pick = (i: number) => e.op('Gather', [scalesInput, e.int64(`scale_index_${i}`, [i], [])]);
  return {
    b1: pick(0),
    b2: pick(1),
    s1: pick(2),
    s2: pick(3),
    outerChannels: e.int64('outer_channels', [4 * modelChannels]),
    innerChannels: e.int64('inner_channels', [2 * modelChannels]),
    one: e.float('one', 1),
    zero: e.float('zero', 0),
    two: e.float('two', 2),
    twoPi: e.float('two_pi', 2 * Math.PI),
    axis1: e.int64('axis_1', [1]),
    axis0: e.int64('axis_0', [0]),
    zeroIndex: e.int64('zero_index', [0]),
    twoIndex: e.int64('two_index', [2]),
    scalarZero: e.int64('scalar_zero', [0], []),
    scalarOne: e.int64('scalar_one', [1], []),
    channelIndex: e.int64('channel_index', [1]),
    heightIndex: e.int64('height_index', [2], []),
    widthIndex: e.int64('width_index', [3], []),
    flatShape: e.int64('flat_shape', [0, -1]),
    columnShape: e.int64('column_shape', [0, 1, 1, 1]),
    topK: e.int64('top_k', [1]),
  };
}

/** float32 [N,N] R_N and I_N for a runtime length N (int64 scalar). */
function fourierBasis(e: NodeEmitter, c: FreeuShared, length: string): { real: string; imag: string } {
  const index = e.op('Cast', [e.op('Range', [c.scalarZero, length, c.scalarOne])], { to: FLOAT });
  const difference = e.op('Sub', [e.op('Unsqueeze', [index, c.axis1]), e.op('Unsqueeze', [index, c.axis0])]);
  const n = e.op('Cast', [length], { to: FLOAT });
  const theta = e.op('Div', [e.op('Mul', [difference, c.twoPi]), n]);
  const denominator = e.op('Max', [n, c.two]);
  return {
    real: e.op('Div', [e.op('Add', [e.op('Cos', [theta]), c.one]), denominator]),
    imag: e.op('Div', [e.op('Neg', [e.op('Sin', [theta])]), denominator]),
  };
}

/** h [B,C,H,W] float32 → h with its first C/2 channels scaled by (b − 1)·m' + 1. */
function scaleBackbone(e: NodeEmitter, c: FreeuShared, h: string, channels: string, b: string): string {
  const mean = e.op('Div', [e.op('ReduceSum', [h, c.axis1], { keepdims: 1 }), e.op('Cast', [channels], { to: FLOAT })]);
  const flat = e.op('Reshape', [mean, c.flatShape]);
  const max = e.op('Reshape', [e.ops('TopK', [flat, c.topK], { axis: -1, largest: 1 }, 2)[0], c.columnShape]);
  const min = e.op('Reshape', [e.ops('TopK', [flat, c.topK], { axis: -1, largest: 0 }, 2)[0], c.columnShape]);
  const spread = e.op('Sub', [max, min]);
  // torch divides 0/0 into NaN when a row's mean map is flat (e.g. 1×1); 0 keeps h unchanged instead.
  const divisor = e.op('Where', [e.op('Equal', [spread, c.zero]), c.one, spread]);
  const normalised = e.op('Div', [e.op('Sub', [mean, min]), divisor]);
  const factor = e.op('Add', [e.op('Mul', [e.op('Sub', [b, c.one]), normalised]), c.one]);
  const half = e.op('Div', [channels, c.twoIndex]);
  const first = e.op('Slice', [h, c.zeroIndex, half, c.axis1]);
  const second = e.op('Slice', [h, half, channels, c.axis1]);
  return e.op('Concat', [e.op('Mul', [first, factor]), second], { axis: 1 });
}

/** hsp [B,C,H,W] float32 → x + (s − 1)·P(x). */
function filterSkip(e: NodeEmitter, c: FreeuShared, x: string, s: string): string {
  const shape = e.op('Shape', [x]);
  const rows = fourierBasis(e, c, e.op('Gather', [shape, c.heightIndex]));
  const columns = fourierBasis(e, c, e.op('Gather', [shape, c.widthIndex]));
  const real = e.op('MatMul', [e.op('MatMul', [rows.real, x]), columns.real]);
  const imag = e.op('MatMul', [e.op('MatMul', [rows.imag, x]), columns.imag]);
  return e.op('Add', [x, e.op('Mul', [e.op('Sub', [s, c.one]), e.op('Add', [real, imag])])]);
}

/**
 * Emits FreeU for one Concat(h, hsp) whose inputs have ONNX element type `elemType`; returns the
 * names to feed the Concat instead, in the same dtype.
 */
export function emitSite(
  e: NodeEmitter,
  c: FreeuShared,
  hidden: string,
  skip: string,
  elemType: number,
): { hidden: string; skip: string } {
  const toFloat = (v: string) => (elemType === FLOAT ? v : e.op('Cast', [v], { to: FLOAT }));
  const back = (v: string) => (elemType === FLOAT ? v : e.op('Cast', [v], { to: elemType }));
  const channels = e.op('Gather', [e.op('Shape', [hidden]), c.channelIndex]);
  const isOuter = e.op('Equal', [channels, c.outerChannels]);
  const isInner = e.op('Equal', [channels, c.innerChannels]);
  const b = e.op('Where', [isOuter, c.b1, e.op('Where', [isInner, c.b2, c.one])]);
  const s = e.op('Where', [isOuter, c.s1, e.op('Where', [isInner, c.s2, c.one])]);
  return {
    hidden: back(scaleBackbone(e, c, toFloat(hidden), channels, b)),
    skip: back(filterSkip(e, c, toFloat(skip), s)),
  };
}
