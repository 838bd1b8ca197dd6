/**
 * The IP-Adapter family's demo models (DECISIONS §4): tiny seeded random weights under the real
 * files' tensor names and layouts, written as `.safetensors` and put through our own conversion
 * (convert/convert-files.ts), so the demo runs the code a real model runs. Sizes fit the tiny demo
 * checkpoint: image tokens as wide as its encoder_hidden_states (64) and one K/V pair matching its
 * single attn2 (K 8 wide, V 4 wide). A CLIP tower of 2 layers, 16 wide, on 224² images in 14² patches
 * (257 tokens, as ViT-H/14); a Resampler of depth 1 with 4 queries.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeSafetensors, type TensorToWrite } from '../lora/safetensors.ts';
import { createWeightRng, type WeightRng } from '../models/tiny/seeded-weights.ts';
import { TINY_DIMS } from '../models/tiny-checkpoint.ts';
import { convertClipVision, convertIpAdapter, IP_NEGATIVE_FILE } from './convert/convert-files.ts';

export const TINY_CLIP = { hidden: 16, heads: 2, layers: 2, patch: 14, image: 224, intermediate: 32 } as const;
export const TINY_RESAMPLER = {
  dim: 16,
  dimHead: 8,
  depth: 1,
  queries: 4,
  output: TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden,
} as const;
/** K and V widths of the tiny UNet's one attn2 (engine/models/tiny/unet-graph.ts). */
export const TINY_KV_LAYERS = [{ key: TINY_DIMS.attention, value: 4 }] as const;

type Tensors = Record<string, TensorToWrite>;

function tensor(shape: number[], data: Float32Array): TensorToWrite {
  return { dtype: 'F32', shape, data };
}

function layerNormWeights(t: Tensors, name: string, width: number, rand: WeightRng): void {
  t[`${name}.weight`] = tensor(
    [width],
    rand(width, 0.1).map((v) => v + 1),
  );
  t[`${name}.bias`] = tensor([width], rand(width, 0.1));
}

/** transformers CLIPVisionModel keys (`vision_model.*`). */
export function tinyClipVisionTensors(seed: number): Tensors {
  const rand = createWeightRng(seed);
  const { hidden: h, patch: p, layers, intermediate } = TINY_CLIP;
  const tokens = (TINY_CLIP.image / p) ** 2 + 1;
  const t: Tensors = {};
  const v = 'vision_model.';
  t[`${v}embeddings.patch_embedding.weight`] = tensor([h, 3, p, p], rand(h * 3 * p * p, 1 / Math.sqrt(3 * p * p)));
  t[`${v}embeddings.class_embedding`] = tensor([h], rand(h, 0.5));
  t[`${v}embeddings.position_embedding.weight`] = tensor([tokens, h], rand(tokens * h, 0.2));
  layerNormWeights(t, `${v}pre_layrnorm`, h, rand);
  const lin = (name: string, out: number, inDim: number) => {
    t[`${name}.weight`] = tensor([out, inDim], rand(out * inDim, 1 / Math.sqrt(inDim)));
    t[`${name}.bias`] = tensor([out], rand(out, 0.05));
  };
  for (let i = 0; i < layers; i++) {
    const l = `${v}encoder.layers.${i}`;
    layerNormWeights(t, `${l}.layer_norm1`, h, rand);
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) lin(`${l}.self_attn.${proj}`, h, h);
    layerNormWeights(t, `${l}.layer_norm2`, h, rand);
    lin(`${l}.mlp.fc1`, intermediate, h);
    lin(`${l}.mlp.fc2`, h, intermediate);
  }
  layerNormWeights(t, `${v}post_layernorm`, h, rand);
  return t;
}

/** IP-Adapter plus keys (`image_proj.*`, `ip_adapter.<n>.to_{k,v}_ip.weight`; n odd, as attn2 processors are). */
export function tinyIpAdapterTensors(seed: number): Tensors {
  const rand = createWeightRng(seed);
  const { dim, depth, queries, output } = TINY_RESAMPLER;
  const embedding = TINY_CLIP.hidden;
  const t: Tensors = {};
  const w = (name: string, out: number, inDim: number, gain = 1) =>
    (t[name] = tensor([out, inDim], rand(out * inDim, gain / Math.sqrt(inDim))));
  t['image_proj.latents'] = tensor([1, queries, dim], rand(queries * dim, 1));
  w('image_proj.proj_in.weight', dim, embedding);
  t['image_proj.proj_in.bias'] = tensor([dim], rand(dim, 0.05));
  for (let i = 0; i < depth; i++) {
    const p = `image_proj.layers.${i}`;
    layerNormWeights(t, `${p}.0.norm1`, dim, rand);
    layerNormWeights(t, `${p}.0.norm2`, dim, rand);
    w(`${p}.0.to_q.weight`, dim, dim);
    w(`${p}.0.to_kv.weight`, 2 * dim, dim);
    w(`${p}.0.to_out.weight`, dim, dim);
    layerNormWeights(t, `${p}.1.0`, dim, rand);
    w(`${p}.1.1.weight`, 4 * dim, dim);
    w(`${p}.1.3.weight`, dim, 4 * dim);
  }
  w('image_proj.proj_out.weight', output, dim);
  t['image_proj.proj_out.bias'] = tensor([output], rand(output, 0.05));
  layerNormWeights(t, 'image_proj.norm_out', output, rand);
  for (const [i, layer] of TINY_KV_LAYERS.entries()) {
    // Strong projections: the demo's image prompt visibly moves the tiny UNet's attention.
    w(`ip_adapter.${2 * i + 1}.to_k_ip.weight`, layer.key, output, 8);
    w(`ip_adapter.${2 * i + 1}.to_v_ip.weight`, layer.value, output, 4);
  }
  return t;
}

/** fooocus_ip_negative's layout: one `data` tensor of unconditional image tokens. */
export function tinyIpNegativeTensors(seed: number): Tensors {
  const rand = createWeightRng(seed);
  const { queries, output } = TINY_RESAMPLER;
  return { data: tensor([1, queries, output], rand(queries * output, 1)) };
}

/** Built beside `dir` and renamed into place, so a half-written demo is never found. */
async function staged(dir: string, write: (staging: string) => Promise<void>): Promise<void> {
  const staging = join(dirname(dir), `.${dir.split('/').pop()}.partial-${process.pid}-${Date.now()}`);
  await mkdir(staging, { recursive: true });
  try {
    await write(staging);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

export async function writeTinyClipVision(dir: string, seed = 4101): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await staged(dir, async (staging) => {
    const source = join(staging, 'source.safetensors');
    await writeSafetensors(source, tinyClipVisionTensors(seed), {
      num_attention_heads: String(TINY_CLIP.heads),
      hidden_act: 'gelu',
    });
    await convertClipVision(source, staging);
    await rm(source);
  });
}

export async function writeTinyIpAdapter(dir: string, seed = 4202): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  await staged(dir, async (staging) => {
    const source = join(staging, 'source.safetensors');
    await writeSafetensors(source, tinyIpAdapterTensors(seed), { dim_head: String(TINY_RESAMPLER.dimHead) });
    await writeSafetensors(join(staging, IP_NEGATIVE_FILE), tinyIpNegativeTensors(seed + 1));
    await convertIpAdapter(source, staging);
    await rm(source);
  });
}
