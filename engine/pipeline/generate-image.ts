/**
 * One image of a job: seeded noise → sampler (checking stop/skip between steps) → VAE decode →
 * file bytes → ctx.emitImage. Returns what ended it.
 */
import { createNormalRng } from '../random/normal-rng.ts';
import { combineInJs, sample, type LatentCombine } from '../samplers/index.ts';
import type { EngineJob } from '../protocol.ts';
import { encodeImage } from '../image/encode-image.ts';
import { latentPreviewPng } from '../image/latent-preview.ts';
import { imageMetadataFor, type ImageMetadataExtras } from '../metadata/image-metadata.ts';
import type { DenoiseFn } from '../unet/cfg-denoiser.ts';
import { decodeLatents, type RgbaImage } from '../vae/vae-decoder.ts';
import { Interrupted, type JobContext } from './job-context.ts';
import type { LoadedCheckpoint } from './loaded-checkpoint.ts';
import type { ProgressPlan } from './progress-plan.ts';
import { noiseScaleAt, type SamplingPlan } from './sampling-plan.ts';
import { samplerNoiseSeed } from './seeds.ts';

/**
 * The refiner's denoiser and where it takes over (fooocus-semantics.md §4.2). `joint`: one sampler
 * run; the model is swapped in the step callback of index `switchAt` (as Fooocus's
 * `callback_wrap`), so the base evaluates step indices 0..switchAt and the refiner the rest, with
 * the sampler's history kept. `separate`: the base samples σ[0..switchAt] (not down to 0), then a
 * second run of the refiner over σ[switchAt..] continues the same latent, no fresh noise. `vae`:
 * the base samples σ[0..switchAt] recording its last ε; the refiner re-samples over
 * σ[switchAt..]×1.4 from that latent plus fresh noise seeded seed+1 whose per-pixel channel mean
 * is replaced by the recorded ε's. (Fooocus's latent interposer only applies to SD1.5 refiners,
 * which this engine does not run: SDXL refiners share the base's latent space and VAE.)
 */
export interface ImageRefiner {
  denoise: DenoiseFn;
  switchAt: number;
  swapMethod: 'joint' | 'separate' | 'vae';
}

/** Fooocus's σ multiplier for the refiner's re-noised run in the `vae` swap. */
export const VAE_SWAP_SIGMA_FACTOR = 1.4;

/** noise − mean_c(noise) + mean_c(eps) per pixel (Fooocus ksampler's `noise_mean`). */
export function withChannelMean(noise: Float32Array, eps: Float32Array, channels: number): Float32Array {
  const plane = noise.length / channels;
  const out = new Float32Array(noise.length);
  for (let p = 0; p < plane; p++) {
    let noiseMean = 0;
    let epsMean = 0;
    for (let c = 0; c < channels; c++) {
      noiseMean += noise[c * plane + p];
      epsMean += eps[c * plane + p];
    }
    const shift = (epsMean - noiseMean) / channels;
    for (let c = 0; c < channels; c++) out[c * plane + p] = noise[c * plane + p] + shift;
  }
  return out;
}

export interface ImageTask {
  job: EngineJob;
  index: number;
  seed: bigint;
  model: LoadedCheckpoint;
  plan: SamplingPlan;
  denoise: DenoiseFn;
  latent: { width: number; height: number; channels: number };
  progress: ProgressPlan;
  ctx: JobContext;
  refiner?: ImageRefiner;
  /** Prompt items, styles and LoRAs actually used, for the image's metadata (job.saveMetadata). */
  metadata?: ImageMetadataExtras;
  /**
   * img2img: the encoded input, float32 [1,C,h,w] in the sampler's space, noised to σ0 instead of
   * starting from the empty latent (ComfyUI: latent + noise·σ0).
   */
  initialLatent?: Float32Array | null;
  /** Latents → image; default: the whole-image VAE decode. */
  toImage?: (latents: Float32Array) => Promise<RgbaImage>;
  /** Where the samplers' latent arithmetic runs (engine/step-kernels); default JavaScript. */
  combine?: LatentCombine;
}

export async function generateImage(task: ImageTask): Promise<'done' | 'skip' | 'stop'> {
  const { job, index, seed, model, plan, latent, progress, ctx } = task;
  const n = job.imageNumber;
  const metadata = await imageMetadataFor({
    ...task.metadata,
    job,
    seed,
    sampler: plan.sampler,
    scheduler: plan.scheduler,
    modelName: model.name,
    modelDir: model.dir,
  });
  const x = createNormalRng(seed).fill(new Float32Array(latent.channels * latent.height * latent.width));
  const plane = latent.height * latent.width;
  const start = task.initialLatent;
  for (let i = 0; i < x.length; i++)
    x[i] = x[i] * plan.initialNoiseScale + (start ? start[i] : plan.emptyLatent[Math.floor(i / plane)]);
  const refiner = task.refiner && task.refiner.switchAt < plan.sigmas.length - 1 ? task.refiner : undefined;
  const { combine } = task;
  const onStepFrom = (offset: number) => async (step: number, _x: Float32Array, denoised: Float32Array) => {
    const preview = job.isPreviewDisabled
      ? undefined
      : await latentPreviewPng(denoised, latent.height, latent.width, plan.latentFormat);
    await ctx.reportProgress(
      progress.step(index, step + offset),
      `Sampling step ${step + offset + 1}/${job.steps}, image ${index + 1}/${n} ...`,
      preview,
    );
    const control = ctx.controlRequested();
    if (control) throw new Interrupted(control);
  };
  let latents: Float32Array;
  try {
    if (refiner?.swapMethod === 'vae') {
      latents = await vaeSwap(task, refiner, x, onStepFrom);
    } else if (refiner?.swapMethod === 'separate') {
      const switchAt = Math.max(0, refiner.switchAt);
      const base =
        switchAt > 0
          ? await sample(plan.sampler, (xs, sigma) => task.denoise(xs, sigma), x, plan.sigmas.slice(0, switchAt + 1), {
              seed: samplerNoiseSeed(seed),
              onStep: onStepFrom(0),
              combine,
            })
          : x;
      latents = await sample(
        plan.sampler,
        (xs, sigma) => refiner.denoise(xs, sigma),
        base,
        plan.sigmas.slice(switchAt),
        { seed: samplerNoiseSeed(seed), onStep: onStepFrom(switchAt), combine },
      );
    } else {
      // joint: the step callback of index switchAt swaps the model for every later evaluation.
      let isRefining = false;
      const stepDone = onStepFrom(0);
      latents = await sample(
        plan.sampler,
        (xs, sigma) => (isRefining && refiner ? refiner.denoise(xs, sigma) : task.denoise(xs, sigma)),
        x,
        plan.sigmas,
        {
          seed: samplerNoiseSeed(seed),
          combine,
          onStep: async (step, xs, denoised) => {
            if (refiner && step === refiner.switchAt) isRefining = true;
            await stepDone(step, xs, denoised);
          },
        },
      );
    }
  } catch (error) {
    if (error instanceof Interrupted) return error.request;
    throw error;
  }
  const image = task.toImage
    ? await task.toImage(latents)
    : await decodeLatents(model.vaeDecoder, latents, latent.height, latent.width, plan.latentFormat);
  const bytes = await encodeImage(image, job.outputFormat, metadata);
  await ctx.reportProgress(progress.saving(index), `Saving image ${index + 1}/${n} to system ...`);
  await ctx.emitImage({ index, seed, format: job.outputFormat, width: image.width, height: image.height, bytes });
  return 'done';
}

type StepCallbackFrom = (offset: number) => (step: number, x: Float32Array, denoised: Float32Array) => Promise<void>;

async function vaeSwap(
  task: ImageTask,
  refiner: ImageRefiner,
  x: Float32Array,
  onStepFrom: StepCallbackFrom,
): Promise<Float32Array> {
  const { plan, seed, latent } = task;
  const switchAt = Math.max(0, refiner.switchAt);
  // Fooocus's eps_record: (x − D)/σ of the base's last evaluation.
  let lastEps: Float32Array | null = null;
  const recording: DenoiseFn = async (xs, sigma) => {
    const denoised = await task.denoise(xs, sigma);
    lastEps = await (task.combine ?? combineInJs)(lastEps ?? new Float32Array(xs.length), [
      [1 / sigma, xs],
      [-1 / sigma, denoised],
    ]);
    return denoised;
  };
  const base =
    switchAt > 0
      ? await sample(plan.sampler, recording, x, plan.sigmas.slice(0, switchAt + 1), {
          seed: samplerNoiseSeed(seed),
          onStep: onStepFrom(0),
          combine: task.combine,
        })
      : x;
  const sigmas = plan.sigmas.slice(switchAt).map((sigma) => sigma * VAE_SWAP_SIGMA_FACTOR);
  const refinerSeed = seed + 1n;
  const fresh = createNormalRng(refinerSeed).fill(new Float32Array(x.length));
  const noise = lastEps ? withChannelMean(fresh, lastEps, latent.channels) : fresh;
  const scale = noiseScaleAt(sigmas[0], plan.modelSampling.sigmaMax);
  const start = Float32Array.from(base, (v, i) => v + noise[i] * scale);
  return sample(plan.sampler, (xs, sigma) => refiner.denoise(xs, sigma), start, sigmas, {
    seed: samplerNoiseSeed(refinerSeed),
    onStep: onStepFrom(switchAt),
    combine: task.combine,
  });
}
