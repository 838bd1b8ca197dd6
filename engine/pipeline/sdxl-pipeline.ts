/**
 * Text-to-image on an SDXL diffusers-ONNX checkpoint: prepare (model, prompts) → for each image
 * (noise → sampler over the CFG denoiser → VAE → encode). Progress texts and values follow
 * Fooocus without V2 (fooocus-semantics.md §13). Knows nothing of IPC: it gets a JobContext.
 */
import { modelMissing } from '../errors.ts';
import { checkpointDir, listCheckpoints, resolveCheckpointName } from '../models/registry.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { EngineJob } from '../protocol.ts';
import { zerosLike, type PromptEmbedding } from '../text-encoders/prompt-encoder.ts';
import { createCfgDenoiser } from '../unet/cfg-denoiser.ts';
import { generateImage } from './generate-image.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import { LoadedCheckpoint } from './loaded-checkpoint.ts';
import { ProgressPlan } from './progress-plan.ts';
import { planSampling } from './sampling-plan.ts';
import { imageSeed } from './seeds.ts';
import { validateJob } from './validate-job.ts';

export interface SdxlPipelineOptions {
  modelsDir: string;
  providers: ProviderSelector;
  log?: (line: string) => void;
}

export class SdxlPipeline {
  /** One resident checkpoint: a real SDXL needs ~7–14 GB, two would not fit most hosts. */
  private loaded: LoadedCheckpoint | null = null;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SdxlPipelineOptions) {
    this.log = options.log ?? (() => {});
  }

  async checkpoint(requested: string): Promise<LoadedCheckpoint> {
    const installed = await listCheckpoints(this.options.modelsDir);
    const name = resolveCheckpointName(installed, requested);
    if (name === null) {
      throw modelMissing(`checkpoint '${requested}' is not installed; available: ${installed.length > 0 ? installed.join(', ') : '(none)'}`);
    }
    if (this.loaded?.name === name) return this.loaded;
    await this.release();
    this.loaded = await LoadedCheckpoint.load(name, checkpointDir(this.options.modelsDir, name), this.options.providers, this.log);
    return this.loaded;
  }

  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await loaded?.release();
  }

  async run(job: EngineJob, ctx: JobContext): Promise<JobOutcome> {
    validateJob(job);
    const n = job.imageNumber;
    const isCfg = job.guidanceScale !== 1;
    await ctx.reportProgress(1, 'Initializing ...');
    await ctx.reportProgress(2, 'Loading models ...');
    const model = await this.checkpoint(job.model);
    validateJob(job, model.config.vaeScaleFactor);
    const warnings = [...model.config.warnings];
    await ctx.reportProgress(3, 'Processing prompts ...');

    // One prompt for every image (no wildcards/expansion yet), so encode once, report per image.
    const encoder = model.promptEncoder;
    let positiveTokens = encoder.tokenize(job.prompt);
    let negativeTokens = isCfg ? encoder.tokenize(job.negativePrompt) : null;
    if (negativeTokens) {
      const chunks = Math.max(positiveTokens.first.length, negativeTokens.first.length);
      positiveTokens = encoder.padTo(positiveTokens, chunks);
      negativeTokens = encoder.padTo(negativeTokens, chunks);
    }
    let positive: PromptEmbedding | null = null;
    for (let i = 1; i <= n; i++) {
      await ctx.reportProgress(4, `Encoding positive #${i} ...`);
      positive ??= await encoder.encode(positiveTokens, job.clipSkip);
    }
    let negative: PromptEmbedding | null = null;
    if (negativeTokens && positive) {
      for (let i = 1; i <= n; i++) {
        await ctx.reportProgress(5, `Encoding negative #${i} ...`);
        if (negative) continue;
        negative = job.negativePrompt.trim() === '' && model.config.forceZerosForEmptyPrompt ? zerosLike(positive) : await encoder.encode(negativeTokens, job.clipSkip);
      }
    }
    if (!positive) throw new Error('positive prompt was not encoded');
    await ctx.reportProgress(5, 'Moving model to GPU ...');

    const plan = planSampling(job.sampler, job.scheduler, job.steps, model.config);
    warnings.push(...plan.warnings);
    for (const warning of plan.warnings) this.log(`job ${job.jobId}: ${warning}`);
    const scale = model.config.vaeScaleFactor;
    const latent = { width: job.width / scale, height: job.height / scale, channels: model.config.latentChannels };
    const denoise = createCfgDenoiser({
      unet: model.unet,
      positive,
      negative,
      guidanceScale: job.guidanceScale,
      adaptiveCfg: job.adaptiveCfg,
      admScalerPositive: job.admScalerPositive,
      admScalerNegative: job.admScalerNegative,
      admScalerEnd: job.admScalerEnd,
      width: job.width,
      height: job.height,
      latentWidth: latent.width,
      latentHeight: latent.height,
      sigmaTable: plan.table,
      timestepOf: plan.timestepOf,
    });
    const progress = new ProgressPlan(job.steps, n);
    for (let index = 0; index < n; index++) {
      if (ctx.controlRequested() === 'stop') return { outcome: 'stopped', warnings };
      await ctx.reportProgress(progress.preparing(index), `Preparing task ${index + 1}/${n} ...`);
      const result = await generateImage({ job, index, seed: imageSeed(job.seed, index, job.disableSeedIncrement), model, plan, denoise, latent, progress, ctx });
      if (result === 'stop') return { outcome: 'stopped', warnings };
    }
    return { outcome: 'finished', warnings };
  }
}
