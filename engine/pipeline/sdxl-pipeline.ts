/**
 * Text-to-image on an SDXL diffusers-ONNX checkpoint: prepare (model, prompts) → for each image
 * (noise → sampler over the CFG denoiser → VAE → encode). Progress texts and values follow
 * Fooocus without V2 (fooocus-semantics.md §13). Knows nothing of IPC: it gets a JobContext.
 */
import { RefinerSlot } from './refiner-slot.ts';
import { emitDirect } from './direct-images.ts';
import { ExpansionSlot } from './expansion-slot.ts';
import { UpscalerSlot } from './upscaler-slot.ts';
import type { FooocusImports } from '../import/fooocus-imports.ts';
import { importForJob } from '../import/job-imports.ts';
import { join } from 'node:path';
import { invalidInput, modelMissing } from '../errors.ts';
import { checkpointDir, listCheckpoints, listLoras, resolveCheckpointName } from '../models/registry.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import type { EngineJob } from '../protocol.ts';
import type { UnetCallObserver } from '../unet/cfg-denoiser.ts';
import { isCfgOne } from '../unet/guidance.ts';
import { GraphStepKernels } from '../step-kernels/graph-step-kernels.ts';
import { resolveStepMath, type StepKernels, type StepMathChoice } from '../step-kernels/step-kernels.ts';
import { ThreadedStepKernels } from '../step-kernels/threaded-step-kernels.ts';
import { generateImages } from './image-loop.ts';
import {
  appendPromptLoras,
  encodeImagePrompts,
  expandJobPrompts,
  loadPromptSources,
  type PromptSources,
} from './image-prompts.ts';
import type { JobContext, JobOutcome } from './job-context.ts';
import { LoadedCheckpoint, vaeDir } from './loaded-checkpoint.ts';
import { mergeJobLoras, type JobLoraModels } from './lora-models.ts';
import { planSampling } from './sampling-plan.ts';
import { validateJob } from './validate-job.ts';
import { encodeStage } from './image-latents.ts';
import type { InpaintEngineFiles } from '../inpaint/inpaint-engine-files.ts';
import { rewriteBaseUnet } from './unet-rewrites.ts';
import { ImagePromptModels } from './image-prompt-models.ts';
import { INPAINT_HEAD_INPUT } from '../inpaint/inpaint-head-graph.ts';
import { inpaintEngineFiles, SYNTHETIC_REFINER_SWITCH, syntheticRefinerSwitch } from './inpaint-engine.ts';
import { inpaintPrompt, preparePixels } from './image-pixels.ts';
import { ipLayersOfInputs } from '../ip-adapter/ip-attention-graph.ts';
import { EMBEDDINGS_FOLDER } from '../embeddings/embedding-files.ts';
import { NO_EMBEDDINGS, resolveJobEmbeddings, type EmbeddingSet } from '../embeddings/job-embeddings.ts';
import { embeddingEncoderModels } from './embedding-encoders.ts';
import { imagePromptFeeds, type ImagePromptFeedFn } from '../ip-adapter/image-prompt-feeds.ts';

export { EMBEDDING_CACHE_FOLDER } from './embedding-encoders.ts';
export {
  CONTROLNET_CACHE_FOLDER,
  FREEU_CACHE_FOLDER,
  INPAINT_CACHE_FOLDER,
  IP_ADAPTER_CACHE_FOLDER,
} from './unet-rewrites.ts';

export interface SdxlPipelineOptions {
  modelsDir: string;
  providers: ProviderSelector;
  log?: (line: string) => void;
  /** Fooocus style files laid over our templates, and wildcard files; read once, on the first job. */
  stylesDir?: string;
  wildcardsDir?: string;
  /** Sees every UNet call (feeds, output, guidance weights): a test and diagnostics seam. */
  onUnetCall?: UnetCallObserver;
  /** Where the gateway stores input images (`<data-dir>/inputs`); image jobs name files in it. */
  inputsDir?: string;
  /**
   * Where the step loop's arithmetic runs (engine/step-kernels): `auto` (default) runs it as ONNX
   * graphs when the UNet runs on CUDA or WebGPU and in JavaScript otherwise; `graph` forces the
   * graphs (on CPU too: tests and the bench).
   */
  stepMath?: StepMathChoice;
  /** Replaces the JavaScript kernels, ThreadedStepKernels by default (a diagnostics seam: the bench times them). */
  javascriptKernels?: StepKernels;
  /** Folders `embedding:<name>` is looked up in; default `<modelsDir>/embeddings` (Fooocus's layout). */
  embeddingsDirs?: readonly string[];
  /**
   * A Fooocus models folder (`--fooocus-models`): what a job names from it is imported (or, for LoRAs and
   * embeddings, linked) into modelsDir before the job runs.
   */
  fooocusImports?: FooocusImports;
}

export interface CheckpointWithLoras {
  model: LoadedCheckpoint;
  loras: JobLoraModels;
  /** The UNet with the job's LoRAs only (no inpaint engine, no FreeU): the synthetic refiner's. */
  plainUnet: string;
  /** Whether the loaded UNet carries the inpaint head and patch. */
  hasInpaintEngine: boolean;
  inpaintWarnings: string[];
}

export class SdxlPipeline {
  /** One resident checkpoint: a real SDXL needs ~7–14 GB, two would not fit most hosts. */
  private loaded: LoadedCheckpoint | null = null;
  /** The last refiner's UNet (only its UNet: refiner.ts), kept while jobs keep asking for it. */
  private readonly refiner: RefinerSlot;
  private readonly log: (line: string) => void;
  private promptSources: Promise<PromptSources> | null = null;
  /** The Fooocus V2 expansion model, loaded on the first job that selects it. */
  private readonly expansion: ExpansionSlot;
  /** The super-resolution model of the last upscale, kept while jobs keep using the same file. */
  private readonly upscaler: UpscalerSlot;
  /** The step graphs' sessions, made on the first job that runs them. */
  private graphKernels: GraphStepKernels | null = null;
  private threadedKernels: ThreadedStepKernels | null = null;
  /** ControlNet sessions (PyraCanny, CPDS), made on the first job with such a slot. */
  /** ControlNets, CLIP vision, the IP-Adapters and the face detector, loaded on the first job that needs each. */
  private readonly imagePromptModels: ImagePromptModels;

  constructor(private readonly options: SdxlPipelineOptions) {
    this.log = options.log ?? (() => {});
    this.imagePromptModels = new ImagePromptModels(options.modelsDir, options.providers);
    this.expansion = new ExpansionSlot(options.modelsDir, options.providers, this.log);
    this.upscaler = new UpscalerSlot(options.modelsDir, options.providers);
    this.refiner = new RefinerSlot(options.modelsDir, options.providers, this.log);
  }

  async checkpoint(requested: string): Promise<LoadedCheckpoint> {
    return (await this.checkpointWithLoras(requested, [])).model;
  }

  /**
   * The checkpoint with `loras` merged into its text encoders and UNet, and the text encoders
   * rewritten for `embeddings` when there are any. Sessions stay as they are while (checkpoint, LoRA
   * files, weights, embeddings) stay the same; a new set reloads only the components it changes.
   */
  async checkpointWithLoras(
    requested: string,
    loras: EngineJob['loras'],
    freeu = false,
    inpaint: InpaintEngineFiles | null = null,
    controlnet = false,
    imagePrompts = false,
    embeddings: EmbeddingSet = NO_EMBEDDINGS,
  ): Promise<CheckpointWithLoras> {
    const installed = await listCheckpoints(this.options.modelsDir);
    const name = resolveCheckpointName(installed, requested);
    if (name === null) {
      throw modelMissing(
        `checkpoint '${requested}' is not installed; available: ${installed.length > 0 ? installed.join(', ') : '(none)'}`,
      );
    }
    const dir = checkpointDir(this.options.modelsDir, name);
    const merged = await mergeJobLoras(this.options.modelsDir, dir, loras, this.log);
    const plainUnet = merged.models.unet;
    const rewritten = await rewriteBaseUnet(
      plainUnet,
      { inpaint, controlnet, freeu, imagePrompts },
      this.options.modelsDir,
      this.log,
    );
    merged.models.unet = rewritten.unet;
    merged.models = await embeddingEncoderModels(merged.models, embeddings, this.options.modelsDir, this.log);
    const { hasInpaintEngine, inpaintWarnings } = rewritten;
    const result = (model: LoadedCheckpoint): CheckpointWithLoras => ({
      model,
      loras: merged,
      plainUnet,
      hasInpaintEngine,
      inpaintWarnings,
    });
    if (this.loaded?.name === name) {
      try {
        await this.loaded.useModels(merged.models);
      } catch (error) {
        await this.release();
        throw error;
      }
      return result(this.loaded);
    }
    await this.release();
    this.loaded = await LoadedCheckpoint.load(name, dir, this.options.providers, this.log, merged.models);
    return result(this.loaded);
  }

  private prompts(): Promise<PromptSources> {
    this.promptSources ??= loadPromptSources(
      this.options.stylesDir ?? 'styles',
      this.options.wildcardsDir ?? 'wildcards',
    );
    return this.promptSources;
  }

  async release(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = null;
    await loaded?.release();
    await this.refiner.release();
    await this.expansion.release();
    await this.upscaler.release();
    const graphs = this.graphKernels;
    this.graphKernels = null;
    await graphs?.release();
    const threaded = this.threadedKernels;
    this.threadedKernels = null;
    await threaded?.release();
    await this.imagePromptModels.release();
  }

  /** The step kernels for a UNet on `provider` (resolveStepMath). */
  private stepKernels(provider: string): StepKernels {
    if (resolveStepMath(this.options.stepMath ?? 'auto', provider) === 'javascript')
      return this.options.javascriptKernels ?? (this.threadedKernels ??= new ThreadedStepKernels());
    this.graphKernels ??= new GraphStepKernels((model, label) => this.options.providers.createSession(model, label));
    return this.graphKernels;
  }

  private inputsDir(): string {
    if (!this.options.inputsDir)
      throw invalidInput(
        'imageInput',
        'this engine was started without an inputs folder (FOOOCUS_INPUTS_DIR), so it cannot read input images',
      );
    return this.options.inputsDir;
  }

  async run(requested: EngineJob, ctx: JobContext): Promise<JobOutcome> {
    validateJob(requested);
    if (this.options.fooocusImports)
      await importForJob(this.options.fooocusImports, this.options.modelsDir, requested, (message) =>
        ctx.reportProgress(1, message),
      );
    const isCfg = !isCfgOne(requested.guidanceScale);
    await ctx.reportProgress(1, 'Initializing ...');
    const imageWarnings: string[] = [];
    const stage = requested.imageInput
      ? await preparePixels(
          requested,
          { inputsDir: this.inputsDir(), superResolver: async (w) => this.upscaler.resolver(w) },
          ctx,
          imageWarnings,
        )
      : ({ kind: 'text' } as const);
    if (stage.kind === 'direct') return emitDirect(requested, stage, ctx, imageWarnings);
    const ipTokens = await this.imagePromptModels.ipAdapterTokens(requested, ctx, imageWarnings, () =>
      this.inputsDir(),
    );
    if (ipTokens && 'debug' in ipTokens)
      return emitDirect(
        requested,
        { kind: 'direct', images: ipTokens.debug, isUpscaleFast: false },
        ctx,
        imageWarnings,
      );
    const job =
      stage.kind === 'inpaint'
        ? { ...requested, prompt: inpaintPrompt(requested.prompt, stage.input.additionalPrompt) }
        : requested;
    await ctx.reportProgress(2, 'Loading models ...');
    const sources = await this.prompts();
    const prompts = expandJobPrompts(job, sources);
    // Resolved before the model loads so the rewritten encoders are loaded once, not swapped in after.
    // The Fooocus V2 text, made later, is the main prompt plus positive.txt words: it names no other embedding.
    const embeddings = await resolveJobEmbeddings(
      this.options.embeddingsDirs ?? [join(this.options.modelsDir, EMBEDDINGS_FOLDER)],
      {
        prompt: prompts.images.flatMap((image) => image.positive),
        negative_prompt: prompts.images.flatMap((image) => image.negative),
      },
    );
    for (const warning of embeddings.warnings) this.log(`job ${job.jobId}: ${warning}`);
    // Tags are read from the main line before wildcards, so every image carries the same ones.
    const tags = prompts.images[0]?.loras ?? [];
    const tagged =
      tags.length > 0
        ? appendPromptLoras(job.loras, tags, await listLoras(this.options.modelsDir))
        : { loras: job.loras, warnings: [] };
    const engineFiles = await inpaintEngineFiles(stage, this.options.modelsDir, imageWarnings);
    const isControlled = job.controlNet !== undefined && !job.controlNet.isPreprocessorDebug;
    const { model, loras, plainUnet, hasInpaintEngine, inpaintWarnings } = await this.checkpointWithLoras(
      job.model,
      tagged.loras,
      job.freeu !== undefined,
      engineFiles,
      isControlled,
      ipTokens !== null,
      embeddings.set,
    );
    await model.useVae(job.vae === undefined ? model.dir : await vaeDir(this.options.modelsDir, job.vae));
    validateJob(job, model.config.vaeScaleFactor);
    const warnings = [
      ...model.config.warnings,
      ...loras.warnings,
      ...sources.warnings,
      ...prompts.warnings,
      ...tagged.warnings,
      ...embeddings.warnings,
      ...imageWarnings,
      ...inpaintWarnings,
    ];
    // With the inpaint engine and no refiner chosen, Fooocus refines with the plain base UNet.
    const isSynthetic = hasInpaintEngine && !job.refiner;
    const refinerUnet = isSynthetic
      ? await this.refiner.synthetic(model, plainUnet)
      : await this.refiner.forJob({ ...job, loras: tagged.loras }, model, warnings);
    const refinerPlan = isSynthetic
      ? { model: model.name, switchAt: syntheticRefinerSwitch(job), swapMethod: 'joint' as const }
      : job.refiner;
    await ctx.reportProgress(3, 'Processing prompts ...');
    const hasExpansion = await this.expansion.expand(job, prompts.images, ctx, warnings);

    const conditioning = await encodeImagePrompts(
      model.promptEncoder.withEmbeddings(embeddings.set.first, embeddings.set.second),
      prompts.images,
      { clipSkip: job.clipSkip, isCfg, forceZerosForEmptyPrompt: model.config.forceZerosForEmptyPrompt, hasExpansion },
      ctx,
    );
    await ctx.reportProgress(hasExpansion ? 6 : 5, 'Moving model to GPU ...');

    const denoise = stage.kind === 'text' ? 1 : stage.denoise;
    const plan = planSampling(job.sampler, job.scheduler, job.steps, model.config, denoise);
    for (const unet of [model.unet, refinerUnet?.runner]) {
      if (unet?.isIntegerTimestep && !plan.modelSampling.acceptsIntegerTimestep) {
        throw invalidInput(
          'scheduler_name',
          `scheduler '${plan.scheduler}' feeds the UNet a continuous timestep (¼·ln σ), but this checkpoint's UNet export takes an integer timestep; use a float-timestep export or another scheduler`,
        );
      }
    }
    warnings.push(...plan.warnings);
    for (const warning of plan.warnings) this.log(`job ${job.jobId}: ${warning}`);
    const kernels = this.stepKernels(model.unet.provider);
    const scale = model.config.vaeScaleFactor;
    const input =
      stage.kind === 'text'
        ? null
        : await encodeStage(
            stage,
            { model, format: plan.latentFormat, seed: job.seed, ctx, percent: hasExpansion ? 6 : 5 },
            hasInpaintEngine,
          );
    // Image modes take their size from the encoded input (Fooocus's latent × 8), for ADM and metadata too.
    const sized: EngineJob = input
      ? {
          ...job,
          width: input.width,
          height: input.height,
          ...(isSynthetic ? { refinerSwitch: SYNTHETIC_REFINER_SWITCH } : {}),
        }
      : job;
    const latent = input
      ? input.latent
      : { width: job.width / scale, height: job.height / scale, channels: model.config.latentChannels };
    // Image tokens go to the base UNet only: Fooocus patches final_unet, never the refiner.
    const ipFeeds: ImagePromptFeedFn | undefined = ipTokens
      ? imagePromptFeeds(ipTokens.tokens, ipLayersOfInputs(model.unet.inputs))
      : undefined;
    const baseUnet =
      input?.headFeed && hasInpaintEngine
        ? model.unet.withFeeds({
            [INPAINT_HEAD_INPUT]: { data: input.headFeed, dims: [1, 5, latent.height, latent.width] },
          })
        : model.unet;
    // ---- ControlNet (engine/controlnet): maps at the generation size; the debug preprocessor returns them ----
    const control = job.controlNet
      ? await this.imagePromptModels.controlNets().prepare(job.controlNet, {
          inputsDir: this.inputsDir(),
          width: sized.width,
          height: sized.height,
          unetInputs: model.unet.inputNames,
          sampling: plan.modelSampling,
          warnings,
        })
      : null;
    if (control?.kind === 'debug')
      return emitDirect(job, { kind: 'direct', images: control.maps, isUpscaleFast: false }, ctx, warnings);
    return generateImages(
      {
        job,
        sized,
        model,
        plan,
        latent,
        conditioning,
        baseUnet,
        refiner:
          refinerUnet && refinerPlan
            ? { unet: refinerUnet, switchAt: refinerPlan.switchAt, swapMethod: refinerPlan.swapMethod }
            : null,
        isSyntheticRefiner: isSynthetic,
        input,
        ipFeeds,
        residualFeeds: control?.kind === 'control' ? control.residualFeeds : undefined,
        loras: loras.applied,
        kernels,
        hasExpansion,
        onUnetCall: this.options.onUnetCall,
      },
      ctx,
      warnings,
    );
  }
}
