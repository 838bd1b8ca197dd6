/**
 * The ONNX graphs of the step loop's own arithmetic (everything per step but the UNet), built with
 * the tiny-checkpoint GraphBuilder; dims are symbolic, so one session serves every image size.
 *  - unet-sample: the UNet's `sample` feed, x·c_in repeated for the batch (uncond, cond rows);
 *  - guidance: D(x, σ) from the UNet output: per row x0 = a·x + b·out (model-sampling.ts
 *    denoisedCoefficients), then with CFG the sharpness blend of ε_c = x − x0_c and Fooocus's
 *    adaptive CFG, D = x − ε; without CFG (batch 1) D = x0;
 *  - combine: Σ c_k·v_k over K latents (the samplers' updates, run.combine).
 * The same maths as the JavaScript kernels (step-kernels.ts), in float32.
 */
import { GraphBuilder } from '../models/onnx-graph-builder.ts';
import { addSharpnessFilter } from './sharpness-graph.ts';

const LATENT = ['batch', 'channels', 'height', 'width'] as const;
const ONE_LATENT = [1, 'channels', 'height', 'width'] as const;

/** Input names and the coefficient layout the kernels feed. */
export const GUIDANCE_COEFFICIENTS = [
  'xScale',
  'outputScale',
  'alpha',
  'oneMinusAlpha',
  'scale',
  'adaptiveCfg',
  'progress',
  'oneMinusProgress',
] as const;

/** `sample` [batch,C,h,w] = x·c_in, the row repeated `batch` times. Inputs x [1,C,h,w], c_in [1]. */
export function buildUnetSampleGraph(batch: 1 | 2): Uint8Array {
  const g = new GraphBuilder(`unet_sample_b${batch}`);
  const x = g.input('x', 'float', ONE_LATENT);
  const scaled = g.node('Mul', [x, g.input('c_in', 'float', [1])]);
  const sample = batch === 2 ? g.node('Concat', [scaled, scaled], { axis: 0 }) : scaled;
  g.output(sample, 'sample', [batch, 'channels', 'height', 'width']);
  return g.build().model;
}

/**
 * Inputs x [1,C,h,w], unet_out [batch,C,h,w], coefficients [8] (GUIDANCE_COEFFICIENTS); output
 * denoised [1,C,h,w]. `isSharpening`: whether the graph holds the filter (α > 0); without it the
 * conditional ε is used as it is, exactly as sharpenConditionalEps does at α = 0.
 */
export function buildGuidanceGraph(batch: 1 | 2, isSharpening: boolean): Uint8Array {
  const g = new GraphBuilder(`guidance_b${batch}${isSharpening ? '_sharpness' : ''}`);
  const x = g.input('x', 'float', ONE_LATENT);
  const out = g.input('unet_out', 'float', LATENT);
  const coefficients = g.input('coefficients', 'float', [GUIDANCE_COEFFICIENTS.length]);
  const coefficient = (name: (typeof GUIDANCE_COEFFICIENTS)[number]): string => {
    const at = GUIDANCE_COEFFICIENTS.indexOf(name);
    return g.node('Slice', [coefficients, g.ints([at]), g.ints([at + 1]), g.ints([0])]);
  };
  const xTerm = g.node('Mul', [x, coefficient('xScale')]);
  const outputScale = coefficient('outputScale');
  const row = (index: number): string => g.node('Slice', [out, g.ints([index]), g.ints([index + 1]), g.ints([0])]);
  const x0 = (index: number): string => g.node('Add', [xTerm, g.node('Mul', [row(index), outputScale])]);
  const x0Cond = x0(batch - 1);
  if (batch === 1) {
    g.output(x0Cond, 'denoised', ONE_LATENT);
    return g.build().model;
  }
  let epsCond = g.node('Sub', [x, x0Cond]);
  if (isSharpening) {
    const degraded = addSharpnessFilter(g, epsCond, x0Cond);
    const kept = g.node('Mul', [epsCond, coefficient('oneMinusAlpha')]);
    epsCond = g.node('Add', [g.node('Mul', [degraded, coefficient('alpha')]), kept]);
  }
  const epsUncond = g.node('Sub', [x, x0(0)]);
  // compute_cfg term by term: real = u + s·(c − u); mimic = u + a·(c − u); real·p + mimic·(1 − p).
  const difference = g.node('Sub', [epsCond, epsUncond]);
  const real = g.node('Add', [epsUncond, g.node('Mul', [difference, coefficient('scale')])]);
  const mimic = g.node('Add', [epsUncond, g.node('Mul', [difference, coefficient('adaptiveCfg')])]);
  const mimicPart = g.node('Mul', [mimic, coefficient('oneMinusProgress')]);
  const eps = g.node('Add', [g.node('Mul', [real, coefficient('progress')]), mimicPart]);
  g.output(g.node('Sub', [x, eps]), 'denoised', ONE_LATENT);
  return g.build().model;
}

/** Inputs v0 … v{K−1} [n] and coefficients [K]; output out [n] = Σ coefficients[k]·v_k. */
export function buildCombineGraph(terms: number): Uint8Array {
  const g = new GraphBuilder(`combine_${terms}`);
  const coefficients = g.input('coefficients', 'float', [terms]);
  const products: string[] = [];
  for (let k = 0; k < terms; k++) {
    const v = g.input(`v${k}`, 'float', ['n']);
    products.push(g.node('Mul', [v, g.node('Slice', [coefficients, g.ints([k]), g.ints([k + 1]), g.ints([0])])]));
  }
  g.output(products.length === 1 ? products[0] : g.node('Sum', products), 'out', ['n']);
  return g.build().model;
}
