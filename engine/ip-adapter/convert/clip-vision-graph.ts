/**
 * Our conversion of a CLIP vision tower in transformers' layout (`clip_vision_vit_h.safetensors`
 * as Fooocus and ComfyUI ship it: `vision_model.embeddings.*`, `vision_model.pre_layrnorm.*`,
 * `vision_model.encoder.layers.<i>.*`) into an ONNX graph: `pixel_values` [B, 3, S, S] (CLIP-
 * normalised) → `penultimate_hidden_states` [B, 1 + (S/p)², hidden], i.e. transformers'
 * `hidden_states[-2]`: the output of the second-to-last encoder layer, which the IP-Adapter "plus"
 * models read (fooocus-semantics.md §8.4). The last layer, post_layernorm and the projection are
 * not needed and not converted.
 */
import { GraphBuilder } from '../../models/onnx-graph-builder.ts';
import {
  attention,
  expandToBatch,
  gelu,
  layerNorm,
  linear,
  mergeHeads,
  quickGelu,
  splitHeads,
  type WeightSource,
} from './graph-layers.ts';

export const CLIP_VISION_INPUT = 'pixel_values';
export const CLIP_VISION_OUTPUT = 'penultimate_hidden_states';

export interface ClipVisionOptions {
  /** ViT-H/14, ViT-L/14 and ViT-bigG/14 all use 16 heads. */
  heads?: number;
  /** `gelu` (laion ViT-H, bigG) or `quick_gelu` (OpenAI ViT-L). */
  activation?: 'gelu' | 'quick_gelu';
}

export async function buildClipVision(
  names: readonly string[],
  read: WeightSource,
  options: ClipVisionOptions = {},
): Promise<{ graph: GraphBuilder; imageSize: number; tokens: number; hidden: number }> {
  const prefix = names.some((n) => n.startsWith('vision_model.')) ? 'vision_model.' : '';
  const w = (k: string) => read(`${prefix}${k}`);
  let layers = 0;
  while (names.includes(`${prefix}encoder.layers.${layers}.self_attn.q_proj.weight`)) layers++;
  if (layers < 2)
    throw new Error(
      `found ${layers} CLIP vision encoder layers (${prefix}encoder.layers.N.*); need at least 2 for the penultimate hidden states`,
    );
  const patch = await w('embeddings.patch_embedding.weight');
  const positions = await w('embeddings.position_embedding.weight');
  const [hidden, , p] = patch.shape;
  const tokens = positions.shape[0];
  const imageSize = Math.round(Math.sqrt(tokens - 1)) * p;
  const heads = options.heads ?? 16;
  if (hidden % heads !== 0) throw new Error(`CLIP hidden width ${hidden} is not a multiple of ${heads} heads`);
  const headDim = hidden / heads;
  const act = options.activation === 'quick_gelu' ? quickGelu : gelu;

  const g = new GraphBuilder('clip_vision');
  const pixels = g.input(CLIP_VISION_INPUT, 'float', ['batch_size', 3, imageSize, imageSize]);
  const conv = g.node('Conv', [pixels, g.weight('patch_embedding.weight', patch.shape, patch.data)], {
    strides: [p, p],
  });
  const patches = g.node('Transpose', [g.node('Reshape', [conv, g.ints([0, hidden, -1])])], { perm: [0, 2, 1] });
  const classParam = await w('embeddings.class_embedding');
  const classToken = expandToBatch(g, g.weight('class_embedding', [1, 1, hidden], classParam.data), pixels, 3);
  const embedded = g.node('Add', [
    g.node('Concat', [classToken, patches], { axis: 1 }),
    g.weight('position_embedding', [tokens, hidden], positions.data),
  ]);
  let x = layerNorm(g, embedded, 'pre_layrnorm', await w('pre_layrnorm.weight'), await w('pre_layrnorm.bias'));
  const scale = g.scalar(1 / Math.sqrt(headDim));
  for (let i = 0; i < layers - 1; i++) {
    const l = `encoder.layers.${i}`;
    const proj = async (name: string, input: string) =>
      linear(g, input, `${l}.${name}`, await w(`${l}.${name}.weight`), await w(`${l}.${name}.bias`));
    const h = layerNorm(g, x, `${l}.layer_norm1`, await w(`${l}.layer_norm1.weight`), await w(`${l}.layer_norm1.bias`));
    const q = g.node('Mul', [splitHeads(g, await proj('self_attn.q_proj', h), heads, headDim), scale]);
    const k = splitHeads(g, await proj('self_attn.k_proj', h), heads, headDim);
    const v = splitHeads(g, await proj('self_attn.v_proj', h), heads, headDim);
    x = g.node('Add', [x, await proj('self_attn.out_proj', mergeHeads(g, attention(g, q, k, v), heads, headDim))]);
    const m = layerNorm(g, x, `${l}.layer_norm2`, await w(`${l}.layer_norm2.weight`), await w(`${l}.layer_norm2.bias`));
    x = g.node('Add', [x, await proj('mlp.fc2', act(g, await proj('mlp.fc1', m)))]);
  }
  g.output(x, CLIP_VISION_OUTPUT, ['batch_size', tokens, hidden]);
  return { graph: g, imageSize, tokens, hidden };
}
