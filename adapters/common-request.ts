/**
 * The one canonical request (DECISIONS §2): FooocusAPI's CommonRequest field set, flat, defaults
 * applied. Every dialect adapter produces it; the runner only ever sees it.
 * Field names, defaults and ranges follow fooocusapi-new.md §5; the OpenAPI component
 * openapi/components/common-request.yaml carries the same table (a test keeps them equal).
 */

/** An image input after classification, before resolution (src/inputs resolves it). */
export type ImageInput =
  | { kind: 'none' }
  | { kind: 'url'; url: string }
  | { kind: 'base64'; data: string }
  | { kind: 'data-uri'; data: string }
  /** A multipart upload (legacy v1 routes); never persisted: resolution stores it first. */
  | { kind: 'bytes'; bytes: Uint8Array }
  /** Resolved: stored under <data-dir>/inputs/<file>. */
  | { kind: 'stored'; file: string; width: number; height: number };

export type PerformanceSelection = 'Quality' | 'Speed' | 'Extreme Speed' | 'Lightning' | 'Hyper-SD';
export type UovMethod =
  | 'Disabled'
  | 'Vary (Subtle)'
  | 'Vary (Strong)'
  | 'Upscale (1.5x)'
  | 'Upscale (2x)'
  | 'Upscale (Fast 2x)'
  | 'Upscale (Custom)';
export type OutpaintDirection = 'Left' | 'Right' | 'Top' | 'Bottom';
export type ControlNetType = 'ImagePrompt' | 'FaceSwap' | 'PyraCanny' | 'CPDS';
export type CurrentTab = 'uov' | 'ip' | 'inpaint' | 'enhance';
/** Job type as the legacy dialect names it, fixed when a task is accepted (DECISIONS §3). */
export type TaskMode = 'Text to Image' | 'Image Upscale or Variation' | 'Image Inpaint or Outpaint' | 'Image Prompt';

export interface LoraSetting {
  enabled: boolean;
  model_name: string;
  weight: number;
}

export interface ImagePrompt {
  cn_img: ImageInput;
  cn_stop: number;
  cn_weight: number;
  cn_type: ControlNetType;
}

export interface EnhanceCtrl {
  enhance_enabled: boolean;
  enhance_mask_dino_prompt: string;
  enhance_prompt: string;
  enhance_negative_prompt: string;
  enhance_mask_model: string;
  enhance_mask_cloth_category: string;
  enhance_mask_sam_model: string;
  enhance_mask_text_threshold: number;
  enhance_mask_box_threshold: number;
  enhance_mask_sam_max_detections: number;
  enhance_inpaint_disable_initial_latent: boolean;
  enhance_inpaint_engine: string;
  enhance_inpaint_strength: number;
  enhance_inpaint_respective_field: number;
  enhance_inpaint_erode_or_dilate: number;
  enhance_mask_invert: boolean;
}

export interface CommonRequest {
  prompt: string;
  negative_prompt: string;
  style_selections: string[];
  performance_selection: PerformanceSelection;
  /** Always with `×` (U+00D7) once adapted. */
  aspect_ratios_selection: string;
  image_number: number;
  output_format: string;
  /** Exact int64; resolved (never -1) by the time a task is accepted. */
  image_seed: bigint;
  read_wildcards_in_order: boolean;
  sharpness: number;
  guidance_scale: number;
  base_model_name: string;
  refiner_model_name: string;
  refiner_switch: number;
  loras: LoraSetting[];
  input_image_checkbox: boolean;
  current_tab: CurrentTab;
  uov_method: UovMethod;
  uov_input_image: ImageInput;
  outpaint_selections: OutpaintDirection[];
  inpaint_input_image: ImageInput;
  inpaint_additional_prompt: string;
  inpaint_mask_image_upload: ImageInput;
  disable_preview: boolean;
  disable_intermediate_results: boolean;
  disable_seed_increment: boolean;
  black_out_nsfw: boolean;
  adm_scaler_positive: number;
  adm_scaler_negative: number;
  adm_scaler_end: number;
  adaptive_cfg: number;
  clip_skip: number;
  sampler_name: string;
  scheduler_name: string;
  vae_name: string;
  overwrite_step: number;
  overwrite_switch: number;
  overwrite_width: number;
  overwrite_height: number;
  overwrite_vary_strength: number;
  overwrite_upscale_strength: number;
  mixing_image_prompt_and_vary_upscale: boolean;
  mixing_image_prompt_and_inpaint: boolean;
  debugging_cn_preprocessor: boolean;
  skipping_cn_preprocessor: boolean;
  canny_low_threshold: number;
  canny_high_threshold: number;
  refiner_swap_method: string;
  controlnet_softness: number;
  freeu_enabled: boolean;
  freeu_b1: number;
  freeu_b2: number;
  freeu_s1: number;
  freeu_s2: number;
  debugging_inpaint_preprocessor: boolean;
  inpaint_disable_initial_latent: boolean;
  inpaint_engine: string;
  inpaint_strength: number;
  inpaint_respective_field: number;
  inpaint_advanced_masking_checkbox: boolean;
  invert_mask_checkbox: boolean;
  inpaint_erode_or_dilate: number;
  save_final_enhanced_image_only: boolean;
  save_metadata_to_images: boolean;
  metadata_scheme: 'fooocus' | 'a1111';
  controlnet_image: ImagePrompt[];
  debugging_dino: boolean;
  dino_erode_or_dilate: number;
  debugging_enhance_masks_checkbox: boolean;
  enhance_input_image: ImageInput;
  enhance_checkbox: boolean;
  enhance_uov_method: UovMethod;
  enhance_uov_processing_order: string;
  enhance_uov_prompt_type: string;
  enhance_ctrls: EnhanceCtrl[];
  generate_image_grid: boolean;
  /** null = not sent (no renaming). */
  save_name: string | null;
  /** [left, top, right, bottom]. */
  outpaint_distance: [number, number, number, number];
  upscale_multiple: number;
  preset: string;
  stream_output: boolean;
  require_base64: boolean;
  async_process: boolean;
  /** Resolved per-request webhook ("" = none; the global one is applied by the service). */
  webhook_url: string;
}

export const DEFAULT_STYLES = ['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp'];
export const MAX_LORAS = 5;
export const CONTROLNET_SLOTS = 4;
export const ENHANCE_SLOTS = 3;
export const NO_LORA = 'None';

export const DEFAULT_IMAGE_PROMPT: Omit<ImagePrompt, 'cn_img'> = {
  cn_stop: 0.6,
  cn_weight: 0.6,
  cn_type: 'ImagePrompt',
};

export const DEFAULT_ENHANCE_CTRL: EnhanceCtrl = {
  enhance_enabled: false,
  enhance_mask_dino_prompt: '',
  enhance_prompt: '',
  enhance_negative_prompt: '',
  enhance_mask_model: 'sam',
  enhance_mask_cloth_category: 'full',
  enhance_mask_sam_model: 'vit_b',
  enhance_mask_text_threshold: 0.25,
  enhance_mask_box_threshold: 0.3,
  enhance_mask_sam_max_detections: 0,
  enhance_inpaint_disable_initial_latent: false,
  enhance_inpaint_engine: 'v2.6',
  enhance_inpaint_strength: 1,
  enhance_inpaint_respective_field: 0.618,
  enhance_inpaint_erode_or_dilate: 0,
  enhance_mask_invert: false,
};

/** Fields whose default depends on the server (model, presets): filled from the ServerSnapshot. */
export type ServerDefaultedField = 'base_model_name' | 'loras';

/**
 * Stock defaults (no preset). `image_seed` -1 means "random": the adapter replaces it with the
 * seed it is given. `base_model_name`/`loras` are placeholders replaced from the snapshot.
 */
export const COMMON_REQUEST_DEFAULTS: Omit<CommonRequest, 'image_seed'> & { image_seed: bigint } = {
  prompt: '',
  negative_prompt: '',
  style_selections: DEFAULT_STYLES,
  performance_selection: 'Speed',
  aspect_ratios_selection: '1152×896',
  image_number: 1,
  output_format: 'png',
  image_seed: -1n,
  read_wildcards_in_order: false,
  sharpness: 2.0,
  guidance_scale: 4.0,
  base_model_name: '',
  refiner_model_name: 'None',
  refiner_switch: 0.5,
  loras: [],
  input_image_checkbox: true,
  current_tab: 'uov',
  uov_method: 'Disabled',
  uov_input_image: { kind: 'none' },
  outpaint_selections: [],
  inpaint_input_image: { kind: 'none' },
  inpaint_additional_prompt: '',
  inpaint_mask_image_upload: { kind: 'none' },
  disable_preview: false,
  disable_intermediate_results: false,
  disable_seed_increment: false,
  black_out_nsfw: false,
  adm_scaler_positive: 1.5,
  adm_scaler_negative: 0.8,
  adm_scaler_end: 0.3,
  adaptive_cfg: 7.0,
  clip_skip: 2,
  sampler_name: 'dpmpp_2m_sde_gpu',
  scheduler_name: 'karras',
  vae_name: 'Default (model)',
  overwrite_step: -1,
  overwrite_switch: -1,
  overwrite_width: -1,
  overwrite_height: -1,
  overwrite_vary_strength: -1,
  overwrite_upscale_strength: -1,
  mixing_image_prompt_and_vary_upscale: false,
  mixing_image_prompt_and_inpaint: false,
  debugging_cn_preprocessor: false,
  skipping_cn_preprocessor: false,
  canny_low_threshold: 64,
  canny_high_threshold: 128,
  refiner_swap_method: 'joint',
  controlnet_softness: 0.25,
  freeu_enabled: false,
  freeu_b1: 1.01,
  freeu_b2: 1.02,
  freeu_s1: 0.99,
  freeu_s2: 0.95,
  debugging_inpaint_preprocessor: false,
  inpaint_disable_initial_latent: false,
  inpaint_engine: 'v2.6',
  inpaint_strength: 1.0,
  inpaint_respective_field: 0.618,
  inpaint_advanced_masking_checkbox: false,
  invert_mask_checkbox: false,
  inpaint_erode_or_dilate: 0,
  save_final_enhanced_image_only: false,
  save_metadata_to_images: true,
  metadata_scheme: 'fooocus',
  controlnet_image: [],
  debugging_dino: false,
  dino_erode_or_dilate: 0,
  debugging_enhance_masks_checkbox: false,
  enhance_input_image: { kind: 'none' },
  enhance_checkbox: false,
  enhance_uov_method: 'Disabled',
  enhance_uov_processing_order: 'Before First Enhancement',
  enhance_uov_prompt_type: 'Original Prompts',
  enhance_ctrls: [],
  generate_image_grid: false,
  save_name: null,
  outpaint_distance: [0, 0, 0, 0],
  upscale_multiple: 1.0,
  preset: 'initial',
  stream_output: false,
  require_base64: false,
  async_process: false,
  webhook_url: '',
};

/** Image-bearing top-level fields (controlnet_image[].cn_img is nested). */
export const IMAGE_FIELDS = [
  'uov_input_image',
  'inpaint_input_image',
  'inpaint_mask_image_upload',
  'enhance_input_image',
] as const;
export type ImageField = (typeof IMAGE_FIELDS)[number];
