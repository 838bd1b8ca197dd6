/**
 * Fooocus's sharpness filter (engine/sharpness/anisotropic.ts: joint bilateral blur, 13×13 window,
 * reflect padding 6, space σ 3, range σ 3 on the L1 distance of the standardised guide) as ONNX
 * nodes, so it runs on the session's execution provider. Vectorised over the 169 window offsets:
 * the reflect-padded guide and input are unfolded into [169, 2C, h, w] by 13 row slices and 13
 * column slices (data movement only), then every offset's range weight, and the weighted sums,
 * are elementwise ops and reductions over that axis. Float32 throughout (the JavaScript form sums
 * in float64; the difference is in the last bits: test/unit/engine-step-kernels.test.ts).
 * Needs h, w ≥ 7 (a reflect pad of 6 needs 7 values, as in torch; Fooocus fails below that too).
 */
import type { GraphBuilder } from '../models/onnx-graph-builder.ts';
import {
  FILTER_RADIUS,
  FILTER_WINDOW,
  SIGMA_COLOR,
  SIGMA_SPACE,
  STD_EPSILON,
  gaussianKernel1d,
} from '../sharpness/anisotropic.ts';

/** Smallest latent side the graph form handles (reflect padding by the radius). */
export const MIN_GRAPH_FILTER_SIDE = FILTER_RADIUS + 1;

const INT64_MAX = Number.MAX_SAFE_INTEGER;
/** Window offsets: 13 × 13. */
const OFFSETS = FILTER_WINDOW * FILTER_WINDOW;

/** (g − mean)/(std + 1e-5) over every element, std unbiased: standardiseGuide. [1,C,h,w] → same. */
function standardise(g: GraphBuilder, guide: string): string {
  const mean = g.node('ReduceMean', [guide], { keepdims: 1 });
  const centred = g.node('Sub', [guide, mean]);
  const squares = g.node('ReduceSum', [g.node('Mul', [centred, centred])], { keepdims: 1 });
  const count = g.node('Cast', [g.node('Size', [guide])], { to: 1 });
  const variance = g.node('Div', [squares, g.node('Sub', [count, g.scalar(1)])]);
  const std = g.node('Add', [g.node('Sqrt', [variance]), g.scalar(STD_EPSILON)]);
  return g.node('Div', [centred, std]);
}

/** The 13 shifted windows of `value` along `axis`, stacked on a new leading axis. */
function unfoldAxis(g: GraphBuilder, value: string, axis: number): string {
  const slices: string[] = [];
  for (let k = 0; k < FILTER_WINDOW; k++) {
    // Window k covers padded positions k … k + n − 1, i.e. up to FILTER_WINDOW − 1 − k from the end.
    const end = k === FILTER_WINDOW - 1 ? INT64_MAX : k - (FILTER_WINDOW - 1);
    const slice = g.node('Slice', [value, g.ints([k]), g.ints([end]), g.ints([axis])]);
    slices.push(g.node('Unsqueeze', [slice, g.ints([0])]));
  }
  return g.node('Concat', slices, { axis: 0 });
}

/**
 * filter(input, guide) for input and guide float32 [1,C,h,w] (guide not yet standardised):
 * Σ_o w_o·input(p+o) / Σ_o w_o with w_o = space(o)·exp(−½·d²/σc²), d = Σ_c |ĝ(p+o) − ĝ(p)|.
 * Returns the value name of the float32 [1,C,h,w] result.
 */
export function addSharpnessFilter(g: GraphBuilder, input: string, guide: string): string {
  const standard = standardise(g, guide);
  const both = g.node('Squeeze', [g.node('Concat', [standard, input], { axis: 1 }), g.ints([0])]); // [2C,h,w]
  const r = FILTER_RADIUS;
  const padded = g.node('Pad', [both, g.ints([0, r, r, 0, r, r])], { mode: 'reflect' }); // [2C,h+12,w+12]
  const rows = unfoldAxis(g, padded, 1); // [13(ky),2C,h,w+12]
  const windows = unfoldAxis(g, rows, 3); // [13(kx),13(ky),2C,h,w]
  const tail = g.node('Shape', [windows], { start: 2 }); // [2C,h,w]
  const offsetsShape = g.node('Concat', [g.ints([OFFSETS]), tail], { axis: 0 });
  const offsets = g.node('Reshape', [windows, offsetsShape]); // [169,2C,h,w]
  // Split the 2C axis back into guide and input windows: [169,C,h,w] each.
  const channels = g.node('Shape', [standard], { start: 1, end: 2 });
  const guideWindows = g.node('Slice', [offsets, g.ints([0]), channels, g.ints([1])]);
  const inputWindows = g.node('Slice', [offsets, channels, g.ints([INT64_MAX]), g.ints([1])]);
  const centre = g.node('Squeeze', [standard, g.ints([0])]); // [C,h,w]
  const differences = g.node('Abs', [g.node('Sub', [guideWindows, centre])]);
  const distance = g.node('ReduceSum', [differences, g.ints([1])], { keepdims: 1 }); // [169,1,h,w]
  const rangeScale = g.scalar(-0.5 / (SIGMA_COLOR * SIGMA_COLOR));
  const range = g.node('Exp', [g.node('Mul', [g.node('Mul', [distance, distance]), rangeScale])]);
  // Offset index kx·13 + ky, as the windows were stacked; the space weight is g1[ky]·g1[kx] either way.
  const g1 = gaussianKernel1d(FILTER_WINDOW, SIGMA_SPACE);
  const space = Float32Array.from(
    { length: OFFSETS },
    (_, o) => g1[o % FILTER_WINDOW] * g1[Math.floor(o / FILTER_WINDOW)],
  );
  const weights = g.node('Mul', [range, g.weight('sharpness_space_weights', [OFFSETS, 1, 1, 1], space)]);
  const weighted = g.node('Mul', [weights, inputWindows]);
  const numerator = g.node('ReduceSum', [weighted, g.ints([0])], { keepdims: 0 }); // [C,h,w]
  const denominator = g.node('ReduceSum', [weights, g.ints([0])], { keepdims: 0 }); // [1,h,w]
  return g.node('Unsqueeze', [g.node('Div', [numerator, denominator]), g.ints([0])]);
}
