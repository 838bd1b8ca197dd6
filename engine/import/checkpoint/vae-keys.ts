/**
 * diffusers AutoencoderKL parameters → LDM checkpoint keys (`first_stage_model.…` in a full checkpoint, bare in
 * a separate VAE file). LDM numbers the decoder's up blocks from the lowest resolution's opposite end:
 * diffusers up_blocks.i = LDM up.(n−1−i). Resnets are `block.j` with `nin_shortcut`, the mid block is
 * block_1/attn_1/block_2, the mid attention's q/k/v/proj_out are 1×1 convs.
 */
import type { VaeArchitecture } from '../../models/synthetic/sdxl-architecture.ts';
import type { KeyTransform } from './key-transforms.ts';

export const VAE_PREFIX = 'first_stage_model.';

const ATTENTION: Record<string, string> = {
  group_norm: 'norm',
  to_q: 'q',
  to_k: 'k',
  to_v: 'v',
  'to_out.0': 'proj_out',
};
const RESNET: Record<string, string> = {
  norm1: 'norm1',
  conv1: 'conv1',
  norm2: 'norm2',
  conv2: 'conv2',
  conv_shortcut: 'nin_shortcut',
};
const TOP_LEVEL: Record<string, string> = {
  quant_conv: 'quant_conv',
  post_quant_conv: 'post_quant_conv',
  'encoder.conv_in': 'encoder.conv_in',
  'encoder.conv_norm_out': 'encoder.norm_out',
  'encoder.conv_out': 'encoder.conv_out',
  'decoder.conv_in': 'decoder.conv_in',
  'decoder.conv_norm_out': 'decoder.norm_out',
  'decoder.conv_out': 'decoder.conv_out',
};

function ldmModule(
  module: string,
  arch: VaeArchitecture,
): { name: string; isAttentionProjection: boolean } | undefined {
  if (module in TOP_LEVEL) return { name: TOP_LEVEL[module], isAttentionProjection: false };
  let m = /^(encoder|decoder)\.mid_block\.resnets\.([01])\.(\w+)$/.exec(module);
  if (m && m[3] in RESNET)
    return { name: `${m[1]}.mid.block_${Number(m[2]) + 1}.${RESNET[m[3]]}`, isAttentionProjection: false };
  m = /^(encoder|decoder)\.mid_block\.attentions\.0\.(.+)$/.exec(module);
  if (m && m[2] in ATTENTION)
    return { name: `${m[1]}.mid.attn_1.${ATTENTION[m[2]]}`, isAttentionProjection: m[2] !== 'group_norm' };
  m = /^encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(\w+)$/.exec(module);
  if (m && m[3] in RESNET)
    return { name: `encoder.down.${m[1]}.block.${m[2]}.${RESNET[m[3]]}`, isAttentionProjection: false };
  m = /^encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv$/.exec(module);
  if (m) return { name: `encoder.down.${m[1]}.downsample.conv`, isAttentionProjection: false };
  const last = arch.channels.length - 1;
  m = /^decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(\w+)$/.exec(module);
  if (m && m[3] in RESNET)
    return { name: `decoder.up.${last - Number(m[1])}.block.${m[2]}.${RESNET[m[3]]}`, isAttentionProjection: false };
  m = /^decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv$/.exec(module);
  if (m) return { name: `decoder.up.${last - Number(m[1])}.upsample.conv`, isAttentionProjection: false };
  return undefined;
}

export function vaeKey(parameter: string, arch: VaeArchitecture): { key: string; transform: KeyTransform } {
  const dot = parameter.lastIndexOf('.');
  const ldm = ldmModule(parameter.slice(0, dot), arch);
  if (!ldm) throw new Error(`VAE parameter ${parameter} has no LDM checkpoint name`);
  const suffix = parameter.slice(dot);
  return {
    key: `${VAE_PREFIX}${ldm.name}${suffix}`,
    transform: ldm.isAttentionProjection && suffix === '.weight' ? { kind: 'reshape' } : { kind: 'same' },
  };
}
