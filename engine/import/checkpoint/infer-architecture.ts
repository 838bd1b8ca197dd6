/**
 * The architecture of a checkpoint from its tensor shapes (widths, depths, layer counts), so the full SDXL and
 * the scaled test configuration import through the same code. What weights do not show (attention head width,
 * GroupNorm groups, CLIP heads and activations) comes from the known architecture with the same widths, else
 * from SDXL's (64-wide heads, 32 groups), which every SDXL fine-tune keeps.
 */
import {
  FULL_SDXL,
  FULL_SDXL_REFINER,
  SCALED_SDXL,
  SCALED_SDXL_REFINER,
  SDXL_TIME_IDS,
  type ClipArchitecture,
  type SdxlArchitecture,
  type UnetArchitecture,
  type VaeArchitecture,
} from '../../models/synthetic/sdxl-architecture.ts';
import { REFINER_TEXT_ENCODER_2_PREFIX, TEXT_ENCODER_2_PREFIX, TEXT_ENCODER_PREFIX } from './clip-keys.ts';
import { UNET_PREFIX } from './unet-keys.ts';
import { VAE_PREFIX } from './vae-keys.ts';

const KNOWN: readonly SdxlArchitecture[] = [FULL_SDXL, SCALED_SDXL, FULL_SDXL_REFINER, SCALED_SDXL_REFINER];
/** The refiner's ADM input: 5 ids (size, crop, aesthetic score) where the base has 6. */
const REFINER_TIME_IDS = 5;
const SDXL_HEAD_WIDTH = 64;

/** Shape of a tensor by its checkpoint key, undefined when absent. */
export type ShapeOf = (key: string) => readonly number[] | undefined;

/**
 * Thrown (and turned into a CheckpointImportError by the caller) when a tensor the inference needs is absent or
 * the shapes do not make a whole architecture.
 */
export class StructureError extends Error {}

function need(shapeOf: ShapeOf, key: string): readonly number[] {
  const shape = shapeOf(key);
  if (!shape) throw new StructureError(`tensor ${key} is missing`);
  return shape;
}

function count(shapeOf: ShapeOf, key: (n: number) => string): number {
  let n = 0;
  while (shapeOf(key(n))) n++;
  return n;
}

function same(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function inferUnet(shapeOf: ShapeOf, pooled: number, isRefiner = false): UnetArchitecture {
  const u = (name: string) => `${UNET_PREFIX}${name}`;
  need(shapeOf, u('input_blocks.0.0.weight'));
  let downsampler = 1;
  while (downsampler < 64 && !shapeOf(u(`input_blocks.${downsampler}.0.op.weight`))) downsampler++;
  const layersPerBlock = downsampler - 1;
  if (layersPerBlock < 1) throw new StructureError('the UNet has no down block with resnets');
  const channels: number[] = [];
  const depths: number[] = [];
  for (let i = 0; ; i++) {
    const first = i * (layersPerBlock + 1) + 1;
    const conv = shapeOf(u(`input_blocks.${first}.0.in_layers.2.weight`));
    if (!conv) break;
    channels.push(conv[0]);
    depths.push(count(shapeOf, (n) => u(`input_blocks.${first}.1.transformer_blocks.${n}.attn1.to_q.weight`)));
  }
  const addIn = need(shapeOf, u('label_emb.0.0.weight'))[1];
  const midDepth = count(shapeOf, (n) => u(`middle_block.1.transformer_blocks.${n}.attn1.to_q.weight`));
  const timeIds = isRefiner ? REFINER_TIME_IDS : SDXL_TIME_IDS;
  const template = KNOWN.find((a) => same(a.unet.channels, channels))?.unet;
  return {
    channels,
    depths,
    layersPerBlock,
    headDim: template?.headDim ?? SDXL_HEAD_WIDTH,
    groups: template?.groups ?? FULL_SDXL.unet.groups,
    addTimeEmbedDim: (addIn - pooled) / timeIds,
    // Only where they differ from the base's defaults, so an inferred base equals FULL_SDXL field for field.
    ...(midDepth !== depths.at(-1) ? { midDepth } : {}),
    ...(timeIds !== SDXL_TIME_IDS ? { timeIds } : {}),
  };
}

function inferClip(
  shapeOf: ShapeOf,
  keys: { token: string; layer: (n: number) => string; fc1: string },
  known: (a: SdxlArchitecture) => ClipArchitecture,
): Omit<ClipArchitecture, 'projection'> {
  const [, hidden] = need(shapeOf, keys.token);
  const layers = count(shapeOf, keys.layer);
  const [intermediate] = need(shapeOf, keys.fc1);
  const template = KNOWN.map(known).find((c) => c.hidden === hidden);
  return {
    hidden,
    layers,
    heads: template?.heads ?? hidden / SDXL_HEAD_WIDTH,
    intermediate,
    activation: known(FULL_SDXL).activation,
  };
}

export function inferTextEncoder(shapeOf: ShapeOf): ClipArchitecture {
  const t = (name: string) => `${TEXT_ENCODER_PREFIX}text_model.${name}`;
  return inferClip(
    shapeOf,
    {
      token: t('embeddings.token_embedding.weight'),
      layer: (n) => t(`encoder.layers.${n}.self_attn.q_proj.weight`),
      fc1: t('encoder.layers.0.mlp.fc1.weight'),
    },
    (a) => a.textEncoder,
  );
}

export function inferTextEncoder2(shapeOf: ShapeOf, prefix = TEXT_ENCODER_2_PREFIX): ClipArchitecture {
  const t = (name: string) => `${prefix}${name}`;
  const clip = inferClip(
    shapeOf,
    {
      token: t('token_embedding.weight'),
      layer: (n) => t(`transformer.resblocks.${n}.attn.in_proj_weight`),
      fc1: t('transformer.resblocks.0.mlp.c_fc.weight'),
    },
    (a) => a.textEncoder2,
  );
  return { ...clip, projection: need(shapeOf, t('text_projection'))[1] };
}

/** `prefix` is `first_stage_model.` in a full checkpoint. */
export function inferVae(shapeOf: ShapeOf, prefix = VAE_PREFIX): VaeArchitecture {
  const v = (name: string) => `${prefix}${name}`;
  const channels: number[] = [];
  while (shapeOf(v(`encoder.down.${channels.length}.block.0.conv1.weight`)))
    channels.push(shapeOf(v(`encoder.down.${channels.length}.block.0.conv1.weight`))![0]);
  if (channels.length === 0) throw new StructureError(`tensor ${v('encoder.down.0.block.0.conv1.weight')} is missing`);
  const layersPerBlock = count(shapeOf, (n) => v(`encoder.down.0.block.${n}.conv1.weight`));
  const template = KNOWN.find((a) => same(a.vae.channels, channels))?.vae;
  return { channels, layersPerBlock, groups: template?.groups ?? FULL_SDXL.vae.groups };
}

/** JSON with object keys sorted, so equal architectures compare equal whatever order their fields were set in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** A known architecture when every inferred number matches it (so its name and data threshold carry over). */
export function settle(inferred: Omit<SdxlArchitecture, 'name' | 'externalDataMinBytes'>): SdxlArchitecture {
  const numbers = JSON.stringify(inferred).match(/-?[\d.]+(e[+-]?\d+)?/g) ?? [];
  if (numbers.some((n) => !Number.isInteger(Number(n)) || Number(n) < 0) || inferred.unet.addTimeEmbedDim <= 0)
    throw new StructureError(
      `the tensor shapes do not fit together (label_emb, text_projection and the widths give ${canonical(inferred)})`,
    );
  const key = (a: Omit<SdxlArchitecture, 'name' | 'externalDataMinBytes'>) =>
    canonical([a.unet, a.textEncoder, a.textEncoder2, a.vae, Boolean(a.isRefiner)]);
  const known = KNOWN.find((a) => key(a) === key(inferred));
  return known ?? { ...inferred, name: 'inferred', externalDataMinBytes: FULL_SDXL.externalDataMinBytes };
}

/** A refiner's only embedder is OpenCLIP bigG, under embedders.0 where the base keeps CLIP ViT-L. */
export function isRefinerCheckpoint(shapeOf: ShapeOf): boolean {
  return (
    shapeOf(`${REFINER_TEXT_ENCODER_2_PREFIX}token_embedding.weight`) !== undefined &&
    shapeOf(`${TEXT_ENCODER_2_PREFIX}token_embedding.weight`) === undefined
  );
}

export function inferSdxlArchitecture(shapeOf: ShapeOf): SdxlArchitecture {
  const isRefiner = isRefinerCheckpoint(shapeOf);
  const textEncoder2 = inferTextEncoder2(shapeOf, isRefiner ? REFINER_TEXT_ENCODER_2_PREFIX : TEXT_ENCODER_2_PREFIX);
  const unet = inferUnet(shapeOf, textEncoder2.projection ?? textEncoder2.hidden, isRefiner);
  if (!isRefiner) return settle({ unet, textEncoder: inferTextEncoder(shapeOf), textEncoder2, vae: inferVae(shapeOf) });
  // A refiner has no CLIP ViT-L; its unused `textEncoder` is the matching known refiner's (the base's).
  const template = KNOWN.find((a) => a.isRefiner && a.textEncoder2.hidden === textEncoder2.hidden) ?? FULL_SDXL_REFINER;
  return settle({ unet, textEncoder: template.textEncoder, textEncoder2, vae: inferVae(shapeOf), isRefiner: true });
}
