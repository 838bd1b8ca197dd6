/**
 * The one mapping from CommonRequest to the engine's own job type (house-style "Dependency
 * direction"): delivery fields (webhook, async flags, base64 preferences) never reach the engine.
 */
import { DEFAULT_VAE } from '../../adapters/resolve-names.ts';
import type {
  ControlNetJob,
  ControlNetSlotJob,
  EngineImagePrompt,
  EngineInputImage,
  EngineJob,
  InpaintEngineVersion,
  OutpaintSide,
  OutputFormat,
  RefinerSwapMethod,
  UovMethodName,
} from '../../engine/index.ts';
import { parseAspectRatio } from '../../adapters/aspect-ratio.ts';
import type { CommonRequest, ImageInput, PerformanceSelection } from '../../adapters/common-request.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';

interface PerformanceMode {
  steps: number;
  /** Forced settings of the "restricted" modes (fooocus-semantics.md §1). */
  forced?: { sampler: string; scheduler: string; lora: string; loraWeight: number };
}

export const PERFORMANCE_MODES: Record<PerformanceSelection, PerformanceMode> = {
  Quality: { steps: 60 },
  Speed: { steps: 30 },
  'Extreme Speed': {
    steps: 8,
    forced: { sampler: 'lcm', scheduler: 'lcm', lora: 'sdxl_lcm_lora.safetensors', loraWeight: 1 },
  },
  Lightning: {
    steps: 4,
    forced: {
      sampler: 'euler',
      scheduler: 'sgm_uniform',
      lora: 'sdxl_lightning_4step_lora.safetensors',
      loraWeight: 1,
    },
  },
  'Hyper-SD': {
    steps: 4,
    forced: {
      sampler: 'dpmpp_sde_gpu',
      scheduler: 'karras',
      lora: 'sdxl_hyper_sd_4step_lora.safetensors',
      loraWeight: 0.8,
    },
  },
};

/** Fooocus `StepsUOV`: the steps of Upscale 1.5x / 2x / Custom per performance (fooocus-semantics.md §1). */
export const UOV_STEPS: Record<PerformanceSelection, number> = {
  Quality: 36,
  Speed: 18,
  'Extreme Speed': 8,
  Lightning: 4,
  'Hyper-SD': 4,
};

const INPAINT_ENGINES: readonly InpaintEngineVersion[] = ['None', 'v1', 'v2.5', 'v2.6'];

const OUTPUT_FORMATS: Record<string, OutputFormat> = { png: 'png', jpeg: 'jpeg', jpg: 'jpeg', webp: 'webp' };

const SWAP_METHODS: readonly RefinerSwapMethod[] = ['joint', 'separate', 'vae'];

/** Python's round(): halves go to the even neighbour (round(2.5) = 2). */
function pythonRound(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Fooocus's refiner step (fooocus-semantics.md §4.2): switch = int(round(steps × refiner_switch)),
 * replaced by overwrite_switch when > 0. None, the base itself and the restricted performance modes
 * (§1: they set the refiner to None) give no refiner.
 */
export function refinerOf(request: CommonRequest, steps: number): EngineJob['refiner'] {
  if (request.refiner_model_name === 'None' || request.refiner_model_name === '') return undefined;
  if (PERFORMANCE_MODES[request.performance_selection].forced) return undefined;
  if (request.refiner_model_name === request.base_model_name) return undefined;
  const switchAt =
    request.overwrite_switch > 0 ? Math.round(request.overwrite_switch) : pythonRound(steps * request.refiner_switch);
  const swapMethod = SWAP_METHODS.find((m) => m === request.refiner_swap_method) ?? 'joint';
  return { model: request.refiner_model_name, switchAt, swapMethod };
}

function storedImage(input: ImageInput, field: string): EngineInputImage {
  // src/inputs stores every image before a task is accepted; anything else here is a bug upstream.
  if (input.kind !== 'stored')
    throw new Error(
      `${field} reached the engine mapping unresolved (${input.kind}); resolve inputs before accepting the task`,
    );
  return { file: input.file, width: input.width, height: input.height };
}

/**
 * Fooocus's image goals besides image prompts: the tab's own, or on the image-prompt tab the
 * upscale/vary or inpaint a mixing flag adds (`mixing_image_prompt_and_vary_upscale` /
 * `_and_inpaint`, fooocus-semantics.md §8).
 */
function imageModeOf(request: CommonRequest): ReturnType<typeof deriveTaskMode> {
  const mode = deriveTaskMode(request);
  if (mode !== 'Image Prompt') return mode;
  if (
    request.mixing_image_prompt_and_vary_upscale &&
    request.uov_input_image.kind !== 'none' &&
    request.uov_method !== 'Disabled'
  )
    return 'Image Upscale or Variation';
  if (request.mixing_image_prompt_and_inpaint && request.inpaint_input_image.kind !== 'none')
    return 'Image Inpaint or Outpaint';
  return mode;
}

/**
 * Image prompts run on the image-prompt tab or with either mixing flag (fooocusapi-new.md §9):
 * every slot with an image, in slot order.
 */
export function imagePromptsOf(request: CommonRequest): EngineImagePrompt[] {
  if (!isImagePromptOn(request)) return [];
  return request.controlnet_image.flatMap((slot, i) =>
    slot.cn_img.kind === 'none'
      ? []
      : [
          {
            type: slot.cn_type,
            image: storedImage(slot.cn_img, `controlnet_image.${i}.cn_img`),
            stop: slot.cn_stop,
            weight: slot.cn_weight,
          },
        ],
  );
}

function isImagePromptOn(request: CommonRequest): boolean {
  return (
    request.current_tab === 'ip' ||
    request.mixing_image_prompt_and_vary_upscale ||
    request.mixing_image_prompt_and_inpaint
  );
}

/** The types of the image prompts that will run (before the images are resolved). */
export function imagePromptTypesOf(request: CommonRequest): EngineImagePrompt['type'][] {
  return isImagePromptOn(request)
    ? request.controlnet_image.filter((slot) => slot.cn_img.kind !== 'none').map((slot) => slot.cn_type)
    : [];
}

/**
 * Upscale/vary or inpaint/outpaint as the task's mode says (adapters/current-tab.ts, the tab rules
 * of fooocusapi-new.md §9, with the mixing flags); undefined for text to image.
 */
export function imageInputOf(request: CommonRequest, warnings: string[]): EngineJob['imageInput'] {
  const mode = imageModeOf(request);
  if (mode === 'Image Upscale or Variation') {
    return {
      kind: 'upscale-or-vary',
      image: storedImage(request.uov_input_image, 'uov_input_image'),
      method: request.uov_method as UovMethodName,
      // FooocusAPI clamps its `Upscale ({x}x)` factor to 1..5 (fooocusapi-new.md §9).
      customFactor: Math.min(5, Math.max(1, request.upscale_multiple)),
      varyStrength: request.overwrite_vary_strength,
      upscaleStrength: request.overwrite_upscale_strength,
    };
  }
  if (mode !== 'Image Inpaint or Outpaint') return undefined;
  let engine = INPAINT_ENGINES.find((e) => e === request.inpaint_engine);
  if (!engine) {
    warnings.push(
      `inpaint_engine '${request.inpaint_engine}' is unknown; used v2.6 (available: ${INPAINT_ENGINES.join(', ')})`,
    );
    engine = 'v2.6';
  }
  const hasMask = request.inpaint_advanced_masking_checkbox && request.inpaint_mask_image_upload.kind !== 'none';
  return {
    kind: 'inpaint',
    image: storedImage(request.inpaint_input_image, 'inpaint_input_image'),
    ...(hasMask ? { mask: storedImage(request.inpaint_mask_image_upload, 'inpaint_mask_image_upload') } : {}),
    outpaint: [...new Set(request.outpaint_selections.map((s) => s.toLowerCase() as OutpaintSide))],
    outpaintDistance: [...request.outpaint_distance],
    erodeOrDilate: request.inpaint_erode_or_dilate,
    isMaskInverted: request.invert_mask_checkbox,
    strength: request.inpaint_strength,
    respectiveField: request.inpaint_respective_field,
    isInitialLatentDisabled: request.inpaint_disable_initial_latent,
    engine,
    additionalPrompt: request.inpaint_additional_prompt,
    isPreprocessorDebug: request.debugging_inpaint_preprocessor,
  };
}

// ---- ControlNet image prompts (issue 11: PyraCanny, CPDS) ----
/** The slots controlNetOf uses, with their client index; images not yet resolved are fine here. */
export function controlNetSlotsOf(
  request: CommonRequest,
): { slot: CommonRequest['controlnet_image'][number]; index: number }[] {
  const isImagePrompt =
    deriveTaskMode(request) === 'Image Prompt' ||
    request.mixing_image_prompt_and_vary_upscale ||
    request.mixing_image_prompt_and_inpaint;
  if (!isImagePrompt) return [];
  return request.controlnet_image.flatMap((slot, index) =>
    slot.cn_img.kind !== 'none' && (slot.cn_type === 'PyraCanny' || slot.cn_type === 'CPDS') ? [{ slot, index }] : [],
  );
}

/**
 * The PyraCanny/CPDS slots with an image when Fooocus's goals include image prompts: the
 * image-prompt tab, or either mixing flag on the upscale/vary or inpaint tab. Other types are
 * IP-Adapter's (refused or run elsewhere); undefined when no ControlNet slot is left.
 */
export function controlNetOf(request: CommonRequest): ControlNetJob | undefined {
  const used = controlNetSlotsOf(request);
  if (used.length === 0) return undefined;
  const slots = used.map(({ slot, index }) => ({
    type: slot.cn_type as ControlNetSlotJob['type'],
    image: storedImage(slot.cn_img, `controlnet_image.${index}.cn_img`),
    stop: slot.cn_stop,
    weight: slot.cn_weight,
  }));
  return {
    slots,
    softness: request.controlnet_softness,
    cannyLow: request.canny_low_threshold,
    cannyHigh: request.canny_high_threshold,
    isPreprocessorSkipped: request.skipping_cn_preprocessor,
    isPreprocessorDebug: request.debugging_cn_preprocessor,
  };
}
// ---- end ControlNet ----

/** Upscale 1.5x/2x/Custom sample with StepsUOV; vary and Fast use the mode's steps (fooocus-semantics.md §1). */
function modeSteps(request: CommonRequest, input: EngineJob['imageInput']): number {
  const mode = PERFORMANCE_MODES[request.performance_selection];
  if (input?.kind === 'upscale-or-vary' && input.method.startsWith('Upscale') && input.method !== 'Upscale (Fast 2x)')
    return UOV_STEPS[request.performance_selection];
  return mode.steps;
}

export interface EngineJobMapping {
  job: EngineJob;
  warnings: string[];
}

/** The reason said when nobody has looked for an expansion model (tests, or before the first scan). */
export const NO_EXPANSION_MODEL = 'no expansion model under models/prompt_expansion/';

/**
 * `expansionUnavailable`: why Fooocus V2 cannot run here (engine/expansion/expansion-files.ts), or
 * null when an expansion model is installed; said with every task that selects it.
 */
export function toEngineJob(
  jobId: string,
  request: CommonRequest,
  installedLoras: readonly string[],
  expansionUnavailable: string | null = NO_EXPANSION_MODEL,
): EngineJobMapping {
  const warnings: string[] = [];
  const imageInput = imageInputOf(request, warnings);
  const controlNet = controlNetOf(request);
  const imagePrompts = imagePromptsOf(request);
  // Fast 2x returns the super-resolved image without processing the prompt (fooocus-semantics.md §6).
  const isPromptless = imageInput?.kind === 'upscale-or-vary' && imageInput.method === 'Upscale (Fast 2x)';
  const mode = PERFORMANCE_MODES[request.performance_selection];
  const size = parseAspectRatio(request.aspect_ratios_selection);
  const width = request.overwrite_width > 0 ? request.overwrite_width - (request.overwrite_width % 8) : size.width;
  const height = request.overwrite_height > 0 ? request.overwrite_height - (request.overwrite_height % 8) : size.height;
  const forced = mode.forced;
  // The user's LoRAs (already resolved to installed files), then the mode's own (fooocus-semantics.md §1).
  const loras: EngineJob['loras'] = request.loras
    .filter((l) => l.enabled)
    .map((l) => ({ name: l.model_name, weight: l.weight }));
  if (forced && installedLoras.includes(forced.lora))
    loras.push({ name: forced.lora, weight: forced.loraWeight, baseOnly: true });
  else if (forced && !isPromptless)
    warnings.push(
      `performance '${request.performance_selection}' runs without its LoRA ${forced.lora} (not installed under models/loras)`,
    );
  // Never silently (DECISIONS §3): what the engine does not apply is said with every task.
  if (request.style_selections.includes('Fooocus V2') && expansionUnavailable !== null && !isPromptless) {
    warnings.push(`Fooocus V2 prompt expansion skipped: ${expansionUnavailable}`);
  }
  if (request.black_out_nsfw)
    warnings.push('black_out_nsfw: no NSFW checker model is installed; images are not checked');
  if (request.generate_image_grid)
    warnings.push('generate_image_grid: no grid image is made; the results are the single images');
  const steps = request.overwrite_step > 0 ? request.overwrite_step : modeSteps(request, imageInput);
  const refiner = refinerOf(request, steps);
  const job: EngineJob = {
    jobId,
    model: request.base_model_name,
    ...(request.vae_name !== DEFAULT_VAE ? { vae: request.vae_name } : {}),
    prompt: request.prompt,
    negativePrompt: request.negative_prompt,
    styles: request.style_selections,
    loras,
    width,
    height,
    imageNumber: request.image_number,
    seed: request.image_seed,
    disableSeedIncrement: request.disable_seed_increment,
    steps,
    sampler: forced?.sampler ?? request.sampler_name,
    scheduler: forced?.scheduler ?? request.scheduler_name,
    guidanceScale: forced ? 1 : request.guidance_scale,
    sharpness: forced ? 0 : request.sharpness,
    clipSkip: request.clip_skip,
    admScalerPositive: forced ? 1 : request.adm_scaler_positive,
    admScalerNegative: forced ? 1 : request.adm_scaler_negative,
    admScalerEnd: forced ? 0 : request.adm_scaler_end,
    adaptiveCfg: forced ? 1 : request.adaptive_cfg,
    outputFormat: OUTPUT_FORMATS[request.output_format] ?? 'png',
    saveMetadata: request.save_metadata_to_images,
    metadataScheme: request.metadata_scheme,
    isPreviewDisabled: request.disable_preview,
    readWildcardsInOrder: request.read_wildcards_in_order,
    performance: request.performance_selection,
    ...(request.freeu_enabled
      ? { freeu: { b1: request.freeu_b1, b2: request.freeu_b2, s1: request.freeu_s1, s2: request.freeu_s2 } }
      : {}),
    // Restricted modes force refiner_switch to 1.0 (fooocus-semantics.md §1).
    refinerSwitch: forced ? 1 : request.refiner_switch,
    overwriteSwitch: request.overwrite_switch,
    ...(refiner ? { refiner } : {}),
    ...(imageInput ? { imageInput } : {}),
    ...(controlNet ? { controlNet } : {}),
    ...(imagePrompts.length > 0
      ? {
          imagePrompts,
          isImagePromptPreprocessorDebug: request.debugging_cn_preprocessor,
          isImagePromptPreprocessorSkipped: request.skipping_cn_preprocessor,
        }
      : {}),
  };
  return { job, warnings };
}
