/**
 * Writes a complete diffusers-ONNX SDXL folder (DECISIONS §4 layout) with tiny, seeded random
 * weights: the demo model the server installs when no checkpoint exists, and the test fixture.
 * Images it makes are abstract colour fields — the point is that every route and every I/O
 * binding works end to end without real weights.
 */
import { cp, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWeightRng } from './tiny/seeded-weights.ts';
import { buildTextEncoder, CLIP_MAX_POSITIONS, CLIP_VOCAB_SIZE } from './tiny/text-encoder-graph.ts';
import { buildUnet, type TimestepKind } from './tiny/unet-graph.ts';
import { buildVaeDecoder, buildVaeEncoder, VAE_SCALE, type VaeEncoderOutput } from './tiny/vae-graphs.ts';
import type { GraphBuilder } from './onnx-graph-builder.ts';

export interface TinyCheckpointOptions {
  timestep?: TimestepKind;
  dtype?: 'float32' | 'float16';
  vaeEncoderOutput?: VaeEncoderOutput;
  /** Put large initializers in model.onnx_data next to each model.onnx. */
  externalData?: boolean;
  seed?: number;
  /**
   * Write an SDXL-refiner-shaped checkpoint instead: no text_encoder/tokenizer, a UNet whose
   * encoder_hidden_states is te2's width only and whose time_ids has 5 values (aesthetic score).
   * Usable only as a refiner (LoadedCheckpoint needs both text encoders).
   */
  refiner?: boolean;
  /**
   * Give the UNet a small decoder with torch-export-named up-block skip Concats, so FreeU
   * (engine/unet/freeu-graph.ts) applies to it. Off by default: the default UNet has no sites.
   */
  upBlocks?: boolean;
}

/** Distinct widths so a swapped concat order or a wrong encoder would fail loudly. */
export const TINY_DIMS = {
  te1Hidden: 24,
  te1Layers: 4,
  te2Hidden: 40,
  te2Layers: 5,
  projection: 32,
  attention: 8,
} as const;

const TOKENIZER_ASSETS = fileURLToPath(new URL('../assets/clip-tokenizer/', import.meta.url));

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeTokenizer(dir: string, padToken: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Read + write rather than copyFile: the bundled assets are read-only and the copies must not be.
  for (const file of ['vocab.json', 'merges.txt'])
    await writeFile(join(dir, file), await readFile(join(TOKENIZER_ASSETS, file)));
  const special = {
    bos_token: '<|startoftext|>',
    eos_token: '<|endoftext|>',
    unk_token: '<|endoftext|>',
    pad_token: padToken,
  };
  await writeFile(join(dir, 'special_tokens_map.json'), json(special));
  await writeFile(
    join(dir, 'tokenizer_config.json'),
    json({ tokenizer_class: 'CLIPTokenizer', model_max_length: CLIP_MAX_POSITIONS, do_lower_case: true, ...special }),
  );
}

async function writeModel(dir: string, graph: GraphBuilder, config: unknown, externalData: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  await graph.writeTo(dir, externalData);
  await writeFile(join(dir, 'config.json'), json(config));
}

async function writeAll(dir: string, options: Required<TinyCheckpointOptions>): Promise<void> {
  const { dtype, externalData } = options;
  const rand = createWeightRng(options.seed);
  const d = TINY_DIMS;
  const clipConfig = (hidden: number, layers: number) => ({
    vocab_size: CLIP_VOCAB_SIZE,
    hidden_size: hidden,
    num_hidden_layers: layers,
    max_position_embeddings: CLIP_MAX_POSITIONS,
    torch_dtype: dtype,
  });
  const isRefiner = options.refiner;
  if (!isRefiner)
    await writeModel(
      join(dir, 'text_encoder'),
      buildTextEncoder('tiny_text_encoder', { hidden: d.te1Hidden, layers: d.te1Layers }, dtype, rand),
      { _class_name: 'CLIPTextModel', ...clipConfig(d.te1Hidden, d.te1Layers) },
      externalData,
    );
  await writeModel(
    join(dir, 'text_encoder_2'),
    buildTextEncoder(
      'tiny_text_encoder_2',
      { hidden: d.te2Hidden, layers: d.te2Layers, projection: d.projection },
      dtype,
      rand,
    ),
    {
      _class_name: 'CLIPTextModelWithProjection',
      projection_dim: d.projection,
      ...clipConfig(d.te2Hidden, d.te2Layers),
    },
    externalData,
  );
  const context = isRefiner ? d.te2Hidden : d.te1Hidden + d.te2Hidden;
  const timeIds = isRefiner ? 5 : 6;
  // A generator of its own, so switching the up blocks on leaves every other weight as it was.
  const upBlocks = options.upBlocks ? createWeightRng(options.seed + 0x75b) : undefined;
  await writeModel(
    join(dir, 'unet'),
    buildUnet(
      { context, pooled: d.projection, attention: d.attention, timeIds },
      options.timestep,
      dtype,
      rand,
      upBlocks,
    ),
    {
      _class_name: 'UNet2DConditionModel',
      in_channels: 4,
      out_channels: 4,
      cross_attention_dim: context,
      addition_embed_type: 'text_time',
      projection_class_embeddings_input_dim: d.projection + timeIds * 8,
      addition_time_embed_dim: 8,
      timestep_input: options.timestep,
      ...(isRefiner ? { requires_aesthetics_score: true } : {}),
    },
    externalData,
  );
  // 2^(len(block_out_channels)−1) = 8 is the VAE scale factor readers derive (§1.5).
  const vaeConfig = {
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    out_channels: 3,
    latent_channels: 4,
    scaling_factor: 0.13025,
    block_out_channels: [8, 8, 8, 8],
    force_upcast: false,
  };
  await writeModel(join(dir, 'vae_decoder'), buildVaeDecoder(dtype, rand), vaeConfig, externalData);
  await writeModel(
    join(dir, 'vae_encoder'),
    buildVaeEncoder(options.vaeEncoderOutput, dtype, rand),
    vaeConfig,
    externalData,
  );
  if (VAE_SCALE !== 2 ** (vaeConfig.block_out_channels.length - 1))
    throw new Error('tiny VAE config disagrees with its graph');
  if (!isRefiner) await writeTokenizer(join(dir, 'tokenizer'), '<|endoftext|>');
  await writeTokenizer(join(dir, 'tokenizer_2'), '!');
  await mkdir(join(dir, 'scheduler'), { recursive: true });
  await writeFile(
    join(dir, 'scheduler', 'scheduler_config.json'),
    json({
      _class_name: 'EulerDiscreteScheduler',
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      prediction_type: 'epsilon',
      steps_offset: 1,
      timestep_spacing: 'leading',
      interpolation_type: 'linear',
    }),
  );
  const index = {
    _class_name: 'ORTStableDiffusionXLPipeline',
    _tiny_random_weights: true,
    force_zeros_for_empty_prompt: true,
    text_encoder: ['optimum', 'ORTModelTextEncoder'],
    text_encoder_2: ['optimum', 'ORTModelTextEncoder'],
    unet: ['optimum', 'ORTModelUnet'],
    vae_decoder: ['optimum', 'ORTModelVaeDecoder'],
    vae_encoder: ['optimum', 'ORTModelVaeEncoder'],
    tokenizer: ['transformers', 'CLIPTokenizer'],
    tokenizer_2: ['transformers', 'CLIPTokenizer'],
    scheduler: ['diffusers', 'EulerDiscreteScheduler'],
  };
  if (isRefiner) {
    // diffusers' SDXL refiner: img2img pipeline, CLIP-G only, aesthetic-score time_ids.
    const { text_encoder: _te, tokenizer: _tok, ...rest } = index;
    await writeFile(
      join(dir, 'model_index.json'),
      json({
        ...rest,
        _class_name: 'ORTStableDiffusionXLImg2ImgPipeline',
        force_zeros_for_empty_prompt: false,
        requires_aesthetics_score: true,
      }),
    );
  } else {
    await writeFile(join(dir, 'model_index.json'), json(index));
  }
}

/**
 * Writes the checkpoint into `dir` (the checkpoint folder itself, e.g. models/checkpoints/tiny-sdxl-demo).
 * Built in a sibling temp folder and renamed into place, so an interrupted first start never
 * leaves a half-written model that the registry would list.
 */
export async function writeTinyCheckpoint(dir: string, options: TinyCheckpointOptions = {}): Promise<void> {
  const resolved: Required<TinyCheckpointOptions> = {
    timestep: options.timestep ?? 'int64',
    dtype: options.dtype ?? 'float32',
    vaeEncoderOutput: options.vaeEncoderOutput ?? 'latent_parameters',
    externalData: options.externalData ?? false,
    seed: options.seed ?? 1234,
    refiner: options.refiner ?? false,
    upBlocks: options.upBlocks ?? false,
  };
  await mkdir(dirname(dir), { recursive: true });
  const staging = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${Date.now()}`);
  try {
    await writeAll(staging, resolved);
    try {
      await rename(staging, dir);
    } catch {
      // dir already exists (e.g. an empty folder the user created): copy over it instead.
      await cp(staging, dir, { recursive: true, force: true });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
