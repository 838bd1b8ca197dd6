/**
 * transformers CLIP text-encoder parameters → SGM checkpoint keys.
 *  - text_encoder (CLIP ViT-L, `conditioner.embedders.0`): an HF CLIPTextModel under `.transformer.`, same names.
 *  - text_encoder_2 (OpenCLIP ViT-bigG, `conditioner.embedders.1.model.`): OpenCLIP's own names: `resblocks.N`
 *    with `ln_1`/`ln_2`, fused q/k/v `attn.in_proj_weight`/`in_proj_bias` [3H,…] (q, k, v stacked in that order),
 *    `mlp.c_fc`/`c_proj`, `ln_final`, a bare `positional_embedding` [77,H] and `text_projection` P used as x@P.
 *    A refiner's only embedder is the same OpenCLIP model, as `conditioner.embedders.0.model.`.
 */
import type { KeyTransform } from './key-transforms.ts';

export const TEXT_ENCODER_PREFIX = 'conditioner.embedders.0.transformer.';
export const TEXT_ENCODER_2_PREFIX = 'conditioner.embedders.1.model.';
export const REFINER_TEXT_ENCODER_2_PREFIX = 'conditioner.embedders.0.model.';

export function textEncoderKey(parameter: string): { key: string; transform: KeyTransform } {
  return { key: `${TEXT_ENCODER_PREFIX}${parameter}`, transform: { kind: 'same' } };
}

const SAME: KeyTransform = { kind: 'same' };
const LAYER_PARTS: Record<string, string> = {
  layer_norm1: 'ln_1',
  layer_norm2: 'ln_2',
  'self_attn.out_proj': 'attn.out_proj',
  'mlp.fc1': 'mlp.c_fc',
  'mlp.fc2': 'mlp.c_proj',
};
const QKV = ['q_proj', 'k_proj', 'v_proj'];

export function textEncoder2Key(
  parameter: string,
  prefix = TEXT_ENCODER_2_PREFIX,
): { key: string; transform: KeyTransform } {
  const at = (name: string, transform: KeyTransform = SAME) => ({ key: `${prefix}${name}`, transform });
  switch (parameter) {
    case 'text_model.embeddings.token_embedding.weight':
      return at('token_embedding.weight');
    case 'text_model.embeddings.position_embedding.weight':
      return at('positional_embedding');
    case 'text_model.final_layer_norm.weight':
      return at('ln_final.weight');
    case 'text_model.final_layer_norm.bias':
      return at('ln_final.bias');
    case 'text_projection.weight':
      return at('text_projection', { kind: 'transpose' });
  }
  const m = /^text_model\.encoder\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(parameter);
  if (m) {
    const [, layer, part, kind] = m;
    const block = `transformer.resblocks.${layer}`;
    const qkv = QKV.indexOf(part.replace(/^self_attn\./, ''));
    if (part.startsWith('self_attn.') && qkv >= 0)
      return at(`${block}.attn.in_proj_${kind}`, { kind: 'slice', part: qkv, parts: 3 });
    if (part in LAYER_PARTS) return at(`${block}.${LAYER_PARTS[part]}.${kind}`);
  }
  throw new Error(`text_encoder_2 parameter ${parameter} has no OpenCLIP checkpoint name`);
}
