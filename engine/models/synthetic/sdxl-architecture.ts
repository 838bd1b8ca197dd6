/**
 * The SDXL base architecture as numbers, so one graph code builds both the full-size synthetic
 * checkpoint and a scaled-down one for tests (same names, same I/O, fewer channels and layers).
 * Full values from the diffusers configs of stabilityai/stable-diffusion-xl-base-1.0
 * (unet, text_encoder, text_encoder_2 and vae config.json).
 */

export interface UnetArchitecture {
  /** block_out_channels; conv_in's width is the first. */
  channels: number[];
  /** transformer_layers_per_block per down block (0 = no attention); the mid block uses the last. */
  depths: number[];
  layersPerBlock: number;
  headDim: number;
  groups: number;
  /** addition_time_embed_dim: each of the time_ids is embedded to this width. */
  addTimeEmbedDim: number;
  /** The mid block's transformer depth when it differs from the last down block's (the refiner: 4, last block 0). */
  midDepth?: number;
  /** time_ids per sample when not SDXL_TIME_IDS: the refiner's 5 (an aesthetic score instead of the target size). */
  timeIds?: number;
}

export interface ClipArchitecture {
  hidden: number;
  layers: number;
  heads: number;
  intermediate: number;
  activation: 'quick_gelu' | 'gelu';
  /** CLIPTextModelWithProjection's projection_dim (te2 only). */
  projection?: number;
}

export interface VaeArchitecture {
  channels: number[];
  layersPerBlock: number;
  groups: number;
}

export interface SdxlArchitecture {
  name: string;
  unet: UnetArchitecture;
  textEncoder: ClipArchitecture;
  textEncoder2: ClipArchitecture;
  vae: VaeArchitecture;
  /** Components whose weights take at least this many bytes get external data (model.onnx_data). */
  externalDataMinBytes: number;
  /**
   * An SDXL refiner: no CLIP ViT-L (no text_encoder folder; `textEncoder` is unused), the UNet's context is
   * text_encoder_2's hidden states alone.
   */
  isRefiner?: boolean;
}

export const SDXL_TIME_IDS = 6;
export const SDXL_LATENT_CHANNELS = 4;

export const FULL_SDXL: SdxlArchitecture = {
  name: 'full',
  unet: {
    channels: [320, 640, 1280],
    depths: [0, 2, 10],
    layersPerBlock: 2,
    headDim: 64,
    groups: 32,
    addTimeEmbedDim: 256,
  },
  textEncoder: { hidden: 768, layers: 12, heads: 12, intermediate: 3072, activation: 'quick_gelu' },
  textEncoder2: { hidden: 1280, layers: 32, heads: 20, intermediate: 5120, activation: 'gelu', projection: 1280 },
  vae: { channels: [128, 256, 512, 512], layersPerBlock: 2, groups: 32 },
  // optimum keeps the fp16 text encoder and VAE inline; everything ≥ 256 MB goes external here.
  externalDataMinBytes: 256 * 1024 * 1024,
};

/** Same code, same names: widths /20 or so, depths 0/1/2, and external data for every component above 64 KB. */
export const SCALED_SDXL: SdxlArchitecture = {
  name: 'scaled',
  unet: { channels: [16, 32, 64], depths: [0, 1, 2], layersPerBlock: 2, headDim: 8, groups: 8, addTimeEmbedDim: 8 },
  textEncoder: { hidden: 16, layers: 2, heads: 2, intermediate: 32, activation: 'quick_gelu' },
  textEncoder2: { hidden: 32, layers: 3, heads: 4, intermediate: 64, activation: 'gelu', projection: 24 },
  vae: { channels: [8, 8, 16, 16], layersPerBlock: 1, groups: 4 },
  externalDataMinBytes: 64 * 1024,
};

/**
 * The SDXL refiner (stabilityai/stable-diffusion-xl-refiner-1.0 unet config: block_out_channels
 * 384/768/1536/1536, down blocks Down/CrossAttn/CrossAttn/Down, transformer_layers_per_block 4, 5 time ids of 256
 * → projection_class_embeddings_input_dim 2560, cross_attention_dim 1280); text encoder and VAE as the base's.
 */
export const FULL_SDXL_REFINER: SdxlArchitecture = {
  ...FULL_SDXL,
  name: 'full-refiner',
  unet: {
    channels: [384, 768, 1536, 1536],
    depths: [0, 4, 4, 0],
    layersPerBlock: 2,
    headDim: 64,
    groups: 32,
    addTimeEmbedDim: 256,
    midDepth: 4,
    timeIds: 5,
  },
  isRefiner: true,
};

/** The refiner's layout at test size, as SCALED_SDXL is the base's. */
export const SCALED_SDXL_REFINER: SdxlArchitecture = {
  ...SCALED_SDXL,
  name: 'scaled-refiner',
  unet: {
    channels: [16, 32, 64, 64],
    depths: [0, 1, 1, 0],
    layersPerBlock: 2,
    headDim: 8,
    groups: 8,
    addTimeEmbedDim: 8,
    midDepth: 1,
    timeIds: 5,
  },
  isRefiner: true,
};

export function contextWidth(arch: SdxlArchitecture): number {
  return arch.isRefiner ? arch.textEncoder2.hidden : arch.textEncoder.hidden + arch.textEncoder2.hidden;
}

export function timeIdCount(unet: UnetArchitecture): number {
  return unet.timeIds ?? SDXL_TIME_IDS;
}

export function pooledWidth(arch: SdxlArchitecture): number {
  return arch.textEncoder2.projection ?? arch.textEncoder2.hidden;
}
