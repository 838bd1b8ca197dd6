/**
 * The k-diffusion model wrapper for an SDXL UNet (onnx-sdxl-engine.md §4.2) with Fooocus's
 * guidance (fooocus-semantics.md §4.4, §4.5, §4.7): D(x, σ) from the UNet's output on x·c_in at
 * t(σ) (the model sampling: ε-prediction, or EDM for `edm_playground_v2.5`) over a batch of 2
 * (uncond, cond), sharpness on the conditional, adaptive CFG, ADM ids switched on t.
 * When guidance_scale is 1 the uncond pass, sharpness and CFG are skipped (batch 1), as in Fooocus.
 */
import type { FeedTensor } from '../onnx/session.ts';
import type { PromptEmbedding } from '../text-encoders/prompt-encoder.ts';
import { sharpnessWeight } from '../sharpness/sharpness.ts';
import { javascriptStepKernels, type StepKernels } from '../step-kernels/step-kernels.ts';
import { consistentTimeIds, emphasizedTimeIds, isAdmEmphasized } from './adm.ts';
import { progressOf } from './guidance.ts';
import type { ModelSampling } from './model-sampling.ts';
import type { UnetRunner } from './unet-runner.ts';

/**
 * One UNet evaluation as the denoiser made it: for tests and diagnostics, never for control flow.
 * The arrays are the live ones (the sampler may reuse `x`): copy what must outlive the callback.
 */
export interface UnetCallRecord {
  sigma: number;
  /**
   * The timestep Fooocus's UNet forward sees (discrete: nearest ln-σ index; EDM: ¼·ln σ): drives progress and the ADM
   * switch.
   */
  timestep: number;
  /** 1 − t/999. */
  progress: number;
  isAdmEmphasized: boolean;
  /** α of the sharpness blend; 0 when cfg = 1 (no blend at all). */
  sharpnessWeight: number;
  /** The noisy latent the sampler passed, float32 [1,C,h,w]. */
  x: Float32Array;
  /** Exactly what the UNet session was given (uncond row first when batch = 2). */
  feeds: Record<string, FeedTensor>;
  /** The UNet output float32 [B,C,h,w] as returned (ε̂, or F for EDM). */
  output: Float32Array;
  /** D(x, σ) float32 [1,C,h,w] handed back to the sampler. */
  denoised: Float32Array;
}

export type UnetCallObserver = (call: UnetCallRecord) => void;

export interface DenoiserSettings {
  unet: UnetRunner;
  positive: PromptEmbedding;
  /** null when guidanceScale == 1 (no uncond pass). */
  negative: PromptEmbedding | null;
  guidanceScale: number;
  adaptiveCfg: number;
  /** Fooocus sharpness (UI 0–30); 0 turns the filter off. */
  sharpness?: number;
  admScalerPositive: number;
  admScalerNegative: number;
  admScalerEnd: number;
  width: number;
  height: number;
  latentWidth: number;
  latentHeight: number;
  /** c_in, timestep and D(x, σ) for this scheduler (engine/unet/model-sampling.ts). */
  modelSampling: ModelSampling;
  /** b1, b2, s1, s2 for a FreeU-rewritten UNet (fed only when the session takes them). */
  freeuScales?: readonly [number, number, number, number];
  /**
   * Fixed time_ids per row instead of Fooocus's timed ADM ids: an SDXL refiner's 5 values
   * [h, w, crop_top, crop_left, aesthetic_score] (no ADM switch: §4.2).
   */
  fixedTimeIds?: { positive: readonly number[]; negative: readonly number[] };
  onUnetCall?: UnetCallObserver;
  /**
   * ControlNet residuals for a residual-taking UNet (engine/controlnet/control-residuals.ts), added to every call's
   * feeds.
   */
  residualFeeds?: (feeds: Readonly<Record<string, FeedTensor>>, sigma: number) => Promise<Record<string, FeedTensor>>;
  /** The image-token feeds of an IP-rewritten UNet for this call (engine/ip-adapter/image-prompt-feeds.ts). */
  imagePromptFeeds?: (progress: number, batch: 1 | 2) => Record<string, FeedTensor>;
  /** Where the per-step arithmetic runs (engine/step-kernels); default JavaScript. */
  kernels?: StepKernels;
}

/** x: float32 [1,C,h,w] → denoised float32 [1,C,h,w]. */
export type DenoiseFn = (x: Float32Array, sigma: number) => Promise<Float32Array>;

export function createCfgDenoiser(s: DenoiserSettings): DenoiseFn {
  const { positive, negative } = s;
  const batch: 1 | 2 = negative ? 2 : 1;
  const sharpness = s.sharpness ?? 0;
  // Conditioning is constant across steps: build the batched tensors once.
  const context = new Float32Array(batch * positive.context.length);
  const textEmbeds = new Float32Array(batch * positive.pooled.length);
  if (negative) {
    context.set(negative.context, 0);
    textEmbeds.set(negative.pooled, 0);
  }
  context.set(positive.context, (batch - 1) * positive.context.length);
  textEmbeds.set(positive.pooled, (batch - 1) * positive.pooled.length);
  const emphasized = Float32Array.from(
    [
      ...(negative ? [emphasizedTimeIds(s.width, s.height, s.admScalerNegative)] : []),
      emphasizedTimeIds(s.width, s.height, s.admScalerPositive),
    ].flat(),
  );
  const consistent = Float32Array.from(new Array(batch).fill(consistentTimeIds(s.width, s.height)).flat());
  const fixed = s.fixedTimeIds
    ? Float32Array.from([...(negative ? s.fixedTimeIds.negative : []), ...s.fixedTimeIds.positive])
    : null;
  const sampling = s.modelSampling;
  const kernels = s.kernels ?? javascriptStepKernels;

  return async (x, sigma) => {
    // Progress and ADM follow the timestep Fooocus's patched forward sees (for a discrete model the
    // nearest table index, even where a float export is fed the fractional value).
    const t = sampling.fooocusTimestep(sigma);
    const progress = progressOf(t);
    const isEmphasized = !fixed && isAdmEmphasized(t, s.admScalerEnd);
    const n = x.length;
    const shape = { channels: n / (s.latentHeight * s.latentWidth), height: s.latentHeight, width: s.latentWidth };
    const sample = await kernels.unetSample(x, shape, sampling.inputScale(sigma), batch);
    const feeds = s.unet.feedsFor({
      sample,
      batch,
      latentHeight: s.latentHeight,
      latentWidth: s.latentWidth,
      timestep: sampling.timestep(sigma),
      context,
      tokens: positive.tokens,
      contextWidth: positive.width,
      textEmbeds,
      timeIds: fixed ?? (isEmphasized ? emphasized : consistent),
      freeuScales: s.freeuScales,
    });
    if (s.residualFeeds) Object.assign(feeds, await s.residualFeeds(feeds, sigma));
    if (s.imagePromptFeeds) Object.assign(feeds, s.imagePromptFeeds(progress, batch));
    const output = await s.unet.run(feeds);
    const alpha = batch === 2 ? sharpnessWeight(sharpness, progress) : 0;
    const denoised = await kernels.guide({
      x,
      output,
      batch,
      shape,
      coefficients: sampling.denoisedCoefficients(sigma),
      sharpnessWeight: alpha,
      guidanceScale: s.guidanceScale,
      adaptiveCfg: s.adaptiveCfg,
      progress,
    });
    s.onUnetCall?.({
      sigma,
      timestep: t,
      progress,
      isAdmEmphasized: isEmphasized,
      sharpnessWeight: alpha,
      x,
      feeds,
      output,
      denoised,
    });
    return denoised;
  };
}
