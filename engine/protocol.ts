/**
 * Messages between the gateway (src/engine-client) and the engine child (engine/worker.ts).
 * Plain data only: they cross a process boundary with `serialization: 'advanced'`
 * (structured clone), so Uint8Array and bigint survive, classes do not.
 */

export type OutputFormat = 'png' | 'jpeg' | 'webp';

/** The engine's own job type. Mapped from a CommonRequest in exactly one place (src/tasks/to-engine-job.ts). */
export interface EngineJob {
  jobId: string;
  /** Checkpoint folder name under models/checkpoints. */
  model: string;
  /** `vae_name`: a VAE under models/vae (or a Fooocus vae/ file) used instead of the checkpoint's own. */
  vae?: string;
  prompt: string;
  negativePrompt: string;
  /** Style names as sent (applied by the engine; v0 ignores unknown templates). */
  styles: string[];
  /** Wildcards pick line (image index mod count) instead of a seeded draw (fooocus-semantics §5.5); default false. */
  readWildcardsInOrder?: boolean;
  /**
   * LoRA file names under models/loras (already resolved by the gateway), merged in this order:
   * the user's, then the performance mode's when installed (fooocus-semantics.md §1). Weight −2..2; 0 = off.
   */
  loras: { name: string; weight: number; baseOnly?: boolean }[];
  /**
   * Performance mode name (`Speed`, …) for the image metadata; its LoRA, if any, is among `loras`
   * with `baseOnly` (Fooocus's base_model_additional_loras: merged into the base, not the refiner).
   */
  performance?: string;
  /**
   * FreeU_V2 scales when enabled (fooocus-semantics.md §4.7): applied to the base UNet by a graph
   * rewrite (engine/unet/freeu-graph.ts); absent = off.
   */
  freeu?: { b1: number; b2: number; s1: number; s2: number };
  /** The requested refiner_switch ratio and overwrite_switch, as Fooocus logs them in the metadata. */
  refinerSwitch?: number;
  overwriteSwitch?: number;
  width: number;
  height: number;
  imageNumber: number;
  /** Exact int64 seed of the first image. */
  seed: bigint;
  disableSeedIncrement: boolean;
  steps: number;
  sampler: string;
  scheduler: string;
  guidanceScale: number;
  sharpness: number;
  clipSkip: number;
  admScalerPositive: number;
  admScalerNegative: number;
  admScalerEnd: number;
  adaptiveCfg: number;
  outputFormat: OutputFormat;
  saveMetadata: boolean;
  metadataScheme: 'fooocus' | 'a1111';
  isPreviewDisabled: boolean;
  /**
   * A refiner checkpoint (folder name under models/checkpoints) taking over at step index
   * `switchAt` (fooocus-semantics.md §4.2); absent = none. `vae` is refused by the gateway.
   */
  refiner?: { model: string; switchAt: number; swapMethod: RefinerSwapMethod };
  /**
   * Image to image (fooocus-semantics.md §6, §7): upscale or vary one input image, or inpaint /
   * outpaint it. Absent = text to image. width/height are then decided by the engine from the input.
   */
  imageInput?: UpscaleOrVaryInput | InpaintInput;
  // ---- ControlNet image prompts (issue 11, PyraCanny/CPDS: engine/controlnet) ----
  /** PyraCanny / CPDS slots and their settings (fooocus-semantics.md §8.1–8.3); absent = none. */
  controlNet?: ControlNetJob;
  // ---- end ControlNet ----
  /**
   * Image prompts (fooocus-semantics.md §8): the slots that carry an image, in slot order, and the
   * debug options of the preprocessors. Absent or empty = none. ImagePrompt and FaceSwap run through
   * the IP-Adapter (engine/ip-adapter).
   */
  imagePrompts?: EngineImagePrompt[];
  /** debugging_cn_preprocessor: return the first preprocessed image prompt instead of generating. */
  isImagePromptPreprocessorDebug?: boolean;
  /** skipping_cn_preprocessor: FaceSwap uses the whole image (no face crop). */
  isImagePromptPreprocessorSkipped?: boolean;
}

export type ImagePromptType = 'ImagePrompt' | 'FaceSwap' | 'PyraCanny' | 'CPDS';

export interface EngineImagePrompt {
  type: ImagePromptType;
  image: EngineInputImage;
  /** Fraction of the schedule (progress 1 − t/999) after which the slot stops applying. */
  stop: number;
  weight: number;
}

// ---- ControlNet image prompts (issue 11, PyraCanny/CPDS) ----
export type ControlNetTypeName = 'PyraCanny' | 'CPDS';

export interface ControlNetSlotJob {
  type: ControlNetTypeName;
  image: EngineInputImage;
  /** Fraction of the schedule (0..1) after which the slot stops. */
  stop: number;
  /** 0..2. */
  weight: number;
}

export interface ControlNetJob {
  /** In the client's slot order; the engine runs canny slots first, then CPDS, as Fooocus. */
  slots: ControlNetSlotJob[];
  /** controlnet_softness (Fooocus default 0.25). */
  softness: number;
  cannyLow: number;
  cannyHigh: number;
  /** skipping_cn_preprocessor: feed the cover-resized image itself. */
  isPreprocessorSkipped: boolean;
  /** debugging_cn_preprocessor: return the maps instead of generating. */
  isPreprocessorDebug: boolean;
}
// ---- end ControlNet ----

/** An image the gateway stored: a plain file name in the engine's inputs folder (FOOOCUS_INPUTS_DIR). */
export interface EngineInputImage {
  file: string;
  width: number;
  height: number;
}

export type UovMethodName =
  'Vary (Subtle)' | 'Vary (Strong)' | 'Upscale (1.5x)' | 'Upscale (2x)' | 'Upscale (Fast 2x)' | 'Upscale (Custom)';

export interface UpscaleOrVaryInput {
  kind: 'upscale-or-vary';
  image: EngineInputImage;
  method: UovMethodName;
  /** The factor of `Upscale (Custom)` (upscale_value / upscale_multiple); Fooocus-API uses 2 unless 0 < f < 5. */
  customFactor: number;
  /** overwrite_vary_strength / overwrite_upscale_strength; ≤ 0 keeps Fooocus's 0.5 / 0.85 / 0.382. */
  varyStrength: number;
  upscaleStrength: number;
}

export type OutpaintSide = 'left' | 'top' | 'right' | 'bottom';
export type InpaintEngineVersion = 'None' | 'v1' | 'v2.5' | 'v2.6';

export interface InpaintInput {
  kind: 'inpaint';
  image: EngineInputImage;
  /** The uploaded mask (white > 127 = repaint), resized to the image; absent = an empty mask. */
  mask?: EngineInputImage;
  outpaint: OutpaintSide[];
  /** Pixels added per side [left, top, right, bottom]; 0 = Fooocus's 30 % of the side. */
  outpaintDistance: [number, number, number, number];
  /** k > 0 dilates the mask k times (3×3), k < 0 erodes it. */
  erodeOrDilate: number;
  isMaskInverted: boolean;
  /** Denoise; outpainting forces 1. */
  strength: number;
  /** 0..1, the share of the image the working crop grows to; outpainting forces 1. */
  respectiveField: number;
  isInitialLatentDisabled: boolean;
  engine: InpaintEngineVersion;
  /** Put before the prompt as its own line when inpainting runs (Fooocus's inpaint_additional_prompt). */
  additionalPrompt: string;
  /** Return [fill, mask, crop] of the preprocessing instead of generating (debugging_inpaint_preprocessor). */
  isPreprocessorDebug: boolean;
}

export type RefinerSwapMethod = 'joint' | 'separate' | 'vae';

export type EngineErrorKind = 'model-missing' | 'invalid-input' | 'cancelled' | 'runtime-failure' | 'crashed';

export interface EngineErrorData {
  kind: EngineErrorKind;
  message: string;
  field?: string;
}

export interface EngineInfo {
  /** Execution provider actually in use: 'cuda' | 'webgpu' | 'cpu'. */
  provider: string;
  threads: number;
  /** Providers the start-up probe tried before `provider`, each with the first line of its failure. */
  tried?: { provider: string; reason: string }[];
}

// ---- gateway -> engine ----
export type GatewayToEngine =
  | { type: 'run'; job: EngineJob }
  | { type: 'control'; jobId: string; action: 'stop' | 'skip' }
  /** Free the loaded checkpoint's sessions once the job in progress (if any) is done (legacy clean_vram). */
  | { type: 'release' }
  | { type: 'shutdown' };

// ---- engine -> gateway ----
export interface EngineProgressMessage {
  type: 'progress';
  jobId: string;
  /** Integer percent 0..100, as Fooocus reports it. */
  percent: number;
  message: string;
  /** Small PNG preview of the current latent (sampling steps only). */
  preview?: Uint8Array;
}

export interface EngineImageMessage {
  type: 'image';
  jobId: string;
  index: number;
  seed: bigint;
  format: OutputFormat;
  width: number;
  height: number;
  /** The encoded file, ready to be written as-is. */
  bytes: Uint8Array;
}

export interface EngineDoneMessage {
  type: 'done';
  jobId: string;
  /** 'stopped' when a stop ended the job early (images so far were sent). */
  outcome: 'finished' | 'stopped';
  /** Wall time the engine spent on the job, ms. */
  engineMs: number;
  warnings: string[];
}

export interface EngineFailedMessage {
  type: 'failed';
  jobId: string;
  error: EngineErrorData;
}

export type EngineToGateway =
  | { type: 'ready'; info: EngineInfo }
  /** Answers `release`: the sessions are gone; the next job loads its checkpoint again. */
  | { type: 'released' }
  | EngineProgressMessage
  | EngineImageMessage
  | EngineDoneMessage
  | EngineFailedMessage;
