/**
 * The k-diffusion model wrapper for an ε-prediction SDXL UNet (onnx-sdxl-engine.md §4.2):
 * D(x, σ) = x − σ·ε̂(x/√(σ²+1), t(σ)), with CFG over a batch of 2 (uncond, cond) and the
 * uncond pass skipped when guidance_scale == 1 (Fooocus's cfg-1 optimisation).
 */
import type { PromptEmbedding } from '../text-encoders/prompt-encoder.ts';
import { sigmaToTimestep } from '../schedulers/sigma-table.ts';
import { consistentTimeIds, emphasizedTimeIds, isAdmEmphasized } from './adm.ts';
import { applyGuidance, progressOf } from './guidance.ts';
import type { UnetRunner } from './unet-runner.ts';

export interface DenoiserSettings {
  unet: UnetRunner;
  positive: PromptEmbedding;
  /** null when guidanceScale == 1 (no uncond pass). */
  negative: PromptEmbedding | null;
  guidanceScale: number;
  adaptiveCfg: number;
  admScalerPositive: number;
  admScalerNegative: number;
  admScalerEnd: number;
  width: number;
  height: number;
  latentWidth: number;
  latentHeight: number;
  sigmaTable: Float64Array;
  /** σ → UNet timestep; default: fractional ln-σ interpolation in the table. LCM/TCD pass the distilled grid. */
  timestepOf?: (sigma: number) => number;
}

/** x: float32 [1,C,h,w] → denoised float32 [1,C,h,w]. */
export type DenoiseFn = (x: Float32Array, sigma: number) => Promise<Float32Array>;

export function createCfgDenoiser(s: DenoiserSettings): DenoiseFn {
  const { positive, negative } = s;
  const batch = negative ? 2 : 1;
  // Conditioning is constant across steps: build the batched tensors once.
  const context = new Float32Array(batch * positive.context.length);
  const textEmbeds = new Float32Array(batch * positive.pooled.length);
  if (negative) {
    context.set(negative.context, 0);
    textEmbeds.set(negative.pooled, 0);
  }
  context.set(positive.context, (batch - 1) * positive.context.length);
  textEmbeds.set(positive.pooled, (batch - 1) * positive.pooled.length);
  const emphasized = [...(negative ? [emphasizedTimeIds(s.width, s.height, s.admScalerNegative)] : []), emphasizedTimeIds(s.width, s.height, s.admScalerPositive)];
  const consistent = new Array(batch).fill(consistentTimeIds(s.width, s.height));
  const timestepOf = s.timestepOf ?? ((sigma: number) => sigmaToTimestep(sigma, s.sigmaTable));

  return async (x, sigma) => {
    const t = s.unet.fedTimestep(timestepOf(sigma));
    const cIn = 1 / Math.sqrt(sigma * sigma + 1);
    const sample = new Float32Array(batch * x.length);
    for (let i = 0; i < x.length; i++) sample[i] = x[i] * cIn;
    if (batch === 2) sample.copyWithin(x.length, 0, x.length);
    const timeIds = Float32Array.from((isAdmEmphasized(t, s.admScalerEnd) ? emphasized : consistent).flat());
    const eps = await s.unet.predict({
      sample,
      batch,
      latentHeight: s.latentHeight,
      latentWidth: s.latentWidth,
      timestep: t,
      context,
      tokens: positive.tokens,
      contextWidth: positive.width,
      textEmbeds,
      timeIds,
    });
    const guided = batch === 2 ? applyGuidance(eps.subarray(0, x.length), eps.subarray(x.length), s.guidanceScale, s.adaptiveCfg, progressOf(t)) : eps;
    const denoised = new Float32Array(x.length);
    for (let i = 0; i < x.length; i++) denoised[i] = x[i] - sigma * guided[i];
    return denoised;
  };
}
