/**
 * The per-image half of a job: one CFG denoiser per image (and one for the refiner), the inpaint
 * blend around both, the image's metadata, then generateImage, image after image. Everything it
 * needs was prepared once per job by SdxlPipeline.run (models, conditioning, sampling plan, encoded
 * input, ControlNet residuals, image-prompt feeds).
 */
import type { ImageMetadataExtras } from '../metadata/image-metadata.ts';
import type { EngineJob } from '../protocol.ts';
import { inpaintBlender } from '../inpaint/inpaint-denoiser.ts';
import type { ImagePromptFeedFn } from '../ip-adapter/image-prompt-feeds.ts';
import type { StepKernels } from '../step-kernels/step-kernels.ts';
import { createCfgDenoiser, type DenoiseFn, type UnetCallObserver } from '../unet/cfg-denoiser.ts';
import { generateImage, type ImageRefiner, type ImageTask } from './generate-image.ts';
import type { ImageConditioning } from './image-prompts.ts';
import type { LatentInput } from './image-latents.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import type { LoadedCheckpoint } from './loaded-checkpoint.ts';
import { ProgressPlan } from './progress-plan.ts';
import { refinerEmbedding, refinerTimeIds, type RefinerUnet } from './refiner.ts';
import type { SamplingPlan } from './sampling-plan.ts';
import { imageSeed } from './seeds.ts';

type CfgDenoiserOptions = Parameters<typeof createCfgDenoiser>[0];

export interface PreparedImages {
  /** The job as sent (prompts, guidance, seeds, image count). */
  job: EngineJob;
  /** The job at the generation size: image modes take it from the encoded input. */
  sized: EngineJob;
  model: LoadedCheckpoint;
  plan: SamplingPlan;
  latent: ImageTask['latent'];
  /** Per image: the encoded prompts and the prompt items for its metadata. */
  conditioning: ImageConditioning[];
  /** The base UNet runner, with the inpaint head's feed bound when the inpaint engine runs. */
  baseUnet: CfgDenoiserOptions['unet'];
  refiner: { unet: RefinerUnet; switchAt: number; swapMethod: ImageRefiner['swapMethod'] } | null;
  /** The inpaint engine's refiner is the plain base UNet, which Fooocus records as no refiner. */
  isSyntheticRefiner: boolean;
  /** The encoded image input of image modes; null for text to image. */
  input: LatentInput | null;
  /** Image-prompt tokens for the base UNet (Fooocus never patches the refiner). */
  ipFeeds?: ImagePromptFeedFn;
  residualFeeds?: CfgDenoiserOptions['residualFeeds'];
  loras: ImageMetadataExtras['loras'];
  kernels: StepKernels;
  hasExpansion: boolean;
  onUnetCall?: UnetCallObserver;
}

export async function generateImages(
  prepared: PreparedImages,
  ctx: JobContext,
  warnings: string[],
): Promise<JobOutcome> {
  const { job, sized, model, plan, latent, input, refiner, kernels } = prepared;
  const n = job.imageNumber;
  const denoiseFor = ({ positive, negative }: ImageConditioning, refinerUnet?: RefinerUnet): DenoiseFn =>
    createCfgDenoiser({
      unet: refinerUnet ? refinerUnet.runner : prepared.baseUnet,
      positive: refinerUnet ? refinerEmbedding(positive, refinerUnet.layout, refinerUnet.session.label) : positive,
      negative:
        refinerUnet && negative ? refinerEmbedding(negative, refinerUnet.layout, refinerUnet.session.label) : negative,
      fixedTimeIds: refinerUnet ? refinerTimeIds(refinerUnet.layout, sized.width, sized.height) : undefined,
      guidanceScale: job.guidanceScale,
      adaptiveCfg: job.adaptiveCfg,
      sharpness: job.sharpness,
      admScalerPositive: job.admScalerPositive,
      admScalerNegative: job.admScalerNegative,
      admScalerEnd: job.admScalerEnd,
      width: sized.width,
      height: sized.height,
      latentWidth: latent.width,
      latentHeight: latent.height,
      modelSampling: plan.modelSampling,
      freeuScales: !refinerUnet && job.freeu ? [job.freeu.b1, job.freeu.b2, job.freeu.s1, job.freeu.s2] : undefined,
      onUnetCall: prepared.onUnetCall,
      imagePromptFeeds: refinerUnet ? undefined : prepared.ipFeeds,
      kernels,
      // Dropped when the refiner takes over (fooocus-semantics.md §8.3).
      residualFeeds: refinerUnet ? undefined : prepared.residualFeeds,
    });
  const progress = new ProgressPlan(job.steps, n, prepared.hasExpansion);
  for (let index = 0; index < n; index++) {
    if (ctx.controlRequested() === 'stop') return { outcome: 'stopped', warnings };
    await ctx.reportProgress(progress.preparing(index), `Preparing task ${index + 1}/${n} ...`);
    const seed = imageSeed(job.seed, index, job.disableSeedIncrement);
    // Inpaint: one blending wrapper (one seed+1 noise stream) around whichever model runs.
    const blend = input?.inpaint
      ? inpaintBlender(input.inpaint.fill, input.inpaint.mask, seed)
      : (denoise: DenoiseFn) => denoise;
    const imageRefiner: ImageRefiner | undefined = refiner
      ? {
          denoise: blend(denoiseFor(prepared.conditioning[index], refiner.unet)),
          switchAt: refiner.switchAt,
          swapMethod: refiner.swapMethod,
        }
      : undefined;
    const metadata = {
      ...prepared.conditioning[index].metadata,
      loras: prepared.loras,
      ...(refiner && !prepared.isSyntheticRefiner
        ? { refiner: { name: refiner.unet.name, dir: refiner.unet.dir } }
        : {}),
    };
    const result = await generateImage({
      job: sized,
      index,
      refiner: imageRefiner,
      seed,
      model,
      plan,
      denoise: blend(denoiseFor(prepared.conditioning[index])),
      latent,
      progress,
      ctx,
      metadata,
      initialLatent: input?.initial,
      toImage: input?.toImage,
      combine: kernels.combine,
    });
    if (result === 'stop') return { outcome: 'stopped', warnings };
  }
  return { outcome: 'finished', warnings };
}
