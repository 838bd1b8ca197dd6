/**
 * Writes a diffusers-ONNX SDXL base checkpoint (DECISIONS §4 layout) of the real architecture with
 * seeded random weights: the full-size one proves loading, memory, LoRA merging, FreeU and the step
 * loop at 2.6 B UNet parameters; the scaled one (same code and names) is the test fixture.
 * Images it makes are noise — speed and memory do not depend on the weights' values.
 * Each component is streamed (streaming-graph.ts): memory stays at a few MB per chunk whatever the size.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeTokenizer } from '../tiny-checkpoint.ts';
import { buildClipTextEncoder, CLIP_POSITIONS, CLIP_VOCAB } from './clip-text-graph.ts';
import {
  contextWidth,
  pooledWidth,
  SDXL_LATENT_CHANNELS,
  timeIdCount,
  type ClipArchitecture,
  type SdxlArchitecture,
} from './sdxl-architecture.ts';
import { buildSdxlUnet } from './sdxl-unet-graph.ts';
import { buildSdxlVaeDecoder, buildSdxlVaeEncoder } from './sdxl-vae-graphs.ts';
import type { FloatType, StreamingGraph, WeightResolver, WriteResult } from './streaming-graph.ts';

export type SdxlComponent = 'text_encoder' | 'text_encoder_2' | 'unet' | 'vae_encoder' | 'vae_decoder';
export const SDXL_COMPONENTS: readonly SdxlComponent[] = [
  'text_encoder',
  'text_encoder_2',
  'unet',
  'vae_encoder',
  'vae_decoder',
];

export interface SyntheticCheckpointOptions {
  dtype?: FloatType;
  seed?: number;
  log?: (line: string) => void;
  /** Fills each component's parameters from elsewhere (a checkpoint import) instead of seeded random values. */
  resolverFor?: (component: SdxlComponent) => WeightResolver;
  /** Only these components (a VAE import writes vae_encoder and vae_decoder); tokenizers and index need all five. */
  components?: readonly SdxlComponent[];
  /** Where the weights came from, written to model_index.json in place of the synthetic seed. */
  importedFrom?: Record<string, unknown>;
}

/** The components a checkpoint of `arch` has: all five, or a refiner's four (no CLIP ViT-L). */
export function sdxlComponents(arch: SdxlArchitecture): readonly SdxlComponent[] {
  return arch.isRefiner ? SDXL_COMPONENTS.filter((c) => c !== 'text_encoder') : SDXL_COMPONENTS;
}

/** The graph of one component, with its weights' recipes (nothing materialised until written). */
export function buildSdxlComponent(
  component: SdxlComponent,
  arch: SdxlArchitecture,
  dtype: FloatType,
  resolve?: WeightResolver,
): StreamingGraph {
  switch (component) {
    case 'text_encoder':
      return buildClipTextEncoder(arch.textEncoder, dtype, 'synthetic_text_encoder', 2000, resolve);
    case 'text_encoder_2':
      return buildClipTextEncoder(arch.textEncoder2, dtype, 'synthetic_text_encoder_2', 3000, resolve);
    case 'unet':
      return buildSdxlUnet(arch.unet, contextWidth(arch), pooledWidth(arch), dtype, resolve);
    case 'vae_encoder':
      return buildSdxlVaeEncoder(arch.vae, dtype, resolve);
    case 'vae_decoder':
      return buildSdxlVaeDecoder(arch.vae, dtype, resolve);
  }
}

export interface ComponentReport extends WriteResult {
  component: string;
  ms: number;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

function clipConfig(arch: ClipArchitecture, dtype: FloatType, withProjection: boolean): Record<string, unknown> {
  return {
    _class_name: withProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel',
    architectures: [withProjection ? 'CLIPTextModelWithProjection' : 'CLIPTextModel'],
    vocab_size: CLIP_VOCAB,
    hidden_size: arch.hidden,
    intermediate_size: arch.intermediate,
    num_hidden_layers: arch.layers,
    num_attention_heads: arch.heads,
    hidden_act: arch.activation,
    max_position_embeddings: CLIP_POSITIONS,
    ...(withProjection ? { projection_dim: arch.projection } : {}),
    torch_dtype: dtype,
  };
}

export async function writeSyntheticCheckpoint(
  dir: string,
  arch: SdxlArchitecture,
  options: SyntheticCheckpointOptions = {},
): Promise<ComponentReport[]> {
  const dtype = options.dtype ?? 'float32';
  const seed = options.seed ?? 1234;
  const log = options.log ?? (() => {});
  const reports: ComponentReport[] = [];
  const bytesPerWeight = dtype === 'float16' ? 2 : 4;
  const all = sdxlComponents(arch);
  const wanted = options.components ?? all;
  const write = async (component: SdxlComponent, config: unknown) => {
    if (!wanted.includes(component)) return;
    const build = () => buildSdxlComponent(component, arch, dtype, options.resolverFor?.(component));
    const started = performance.now();
    const folder = join(dir, component);
    await mkdir(folder, { recursive: true });
    const graph = build();
    const external = graph.parameterCount * bytesPerWeight >= arch.externalDataMinBytes;
    const result = await graph.write(folder, { external, seed });
    await writeFile(join(folder, 'config.json'), json(config));
    const report = { component, ms: performance.now() - started, ...result };
    reports.push(report);
    log(
      `${component}: ${(result.parameters / 1e6).toFixed(1)} M parameters, model.onnx ${result.modelBytes} bytes, model.onnx_data ${result.dataBytes} bytes, ${(report.ms / 1000).toFixed(1)} s`,
    );
  };
  const u = arch.unet;
  await write('text_encoder', clipConfig(arch.textEncoder, dtype, false));
  await write('text_encoder_2', clipConfig(arch.textEncoder2, dtype, true));
  await write('unet', {
    _class_name: 'UNet2DConditionModel',
    in_channels: SDXL_LATENT_CHANNELS,
    out_channels: SDXL_LATENT_CHANNELS,
    block_out_channels: u.channels,
    layers_per_block: u.layersPerBlock,
    transformer_layers_per_block: u.depths.map((d) => Math.max(d, 1)),
    down_block_types: u.depths.map((d) => (d > 0 ? 'CrossAttnDownBlock2D' : 'DownBlock2D')),
    up_block_types: [...u.depths].reverse().map((d) => (d > 0 ? 'CrossAttnUpBlock2D' : 'UpBlock2D')),
    attention_head_dim: u.channels.map((c) => c / u.headDim),
    norm_num_groups: u.groups,
    cross_attention_dim: contextWidth(arch),
    addition_embed_type: 'text_time',
    addition_time_embed_dim: u.addTimeEmbedDim,
    projection_class_embeddings_input_dim: pooledWidth(arch) + timeIdCount(u) * u.addTimeEmbedDim,
    use_linear_projection: true,
    sample_size: 128,
  });
  // 2^(len(block_out_channels)−1) is the VAE scale factor readers derive (§1.5): 8 for 4 blocks.
  const vaeConfig = {
    _class_name: 'AutoencoderKL',
    in_channels: 3,
    out_channels: 3,
    latent_channels: SDXL_LATENT_CHANNELS,
    block_out_channels: arch.vae.channels,
    layers_per_block: arch.vae.layersPerBlock,
    norm_num_groups: arch.vae.groups,
    scaling_factor: 0.13025,
    force_upcast: dtype === 'float16',
  };
  await write('vae_encoder', vaeConfig);
  await write('vae_decoder', vaeConfig);
  if (all.some((c) => !wanted.includes(c))) return reports;
  if (!arch.isRefiner) await writeTokenizer(join(dir, 'tokenizer'), '<|endoftext|>');
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
  await writeFile(
    join(dir, 'model_index.json'),
    json({
      _class_name: 'ORTStableDiffusionXLPipeline',
      ...(options.importedFrom
        ? { _imported_from: options.importedFrom }
        : { _synthetic_random_weights: { architecture: arch.name, seed, dtype } }),
      force_zeros_for_empty_prompt: !arch.isRefiner,
      ...(arch.isRefiner ? { requires_aesthetics_score: true } : {}),
      text_encoder: arch.isRefiner ? [null, null] : ['optimum', 'ORTModelTextEncoder'],
      text_encoder_2: ['optimum', 'ORTModelTextEncoder'],
      unet: ['optimum', 'ORTModelUnet'],
      vae_decoder: ['optimum', 'ORTModelVaeDecoder'],
      vae_encoder: ['optimum', 'ORTModelVaeEncoder'],
      tokenizer: arch.isRefiner ? [null, null] : ['transformers', 'CLIPTokenizer'],
      tokenizer_2: ['transformers', 'CLIPTokenizer'],
      scheduler: ['diffusers', 'EulerDiscreteScheduler'],
    }),
  );
  return reports;
}
