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
  /** addition_time_embed_dim: each of the 6 time_ids is embedded to this width. */
  addTimeEmbedDim: number;
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

export function contextWidth(arch: SdxlArchitecture): number {
  return arch.textEncoder.hidden + arch.textEncoder2.hidden;
}

export function pooledWidth(arch: SdxlArchitecture): number {
  return arch.textEncoder2.projection ?? arch.textEncoder2.hidden;
}
