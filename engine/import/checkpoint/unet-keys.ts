/**
 * diffusers UNet parameter → SGM checkpoint key (`model.diffusion_model.…`), for SDXL's layout generalised to
 * `layersPerBlock` L: down block i layer j is input_blocks[i(L+1)+j+1] (resnet .0, transformer .1), its
 * downsampler input_blocks[i(L+1)+L+1].0.op; up block i layer j is output_blocks[i(L+1)+j], its upsampler conv
 * sits after the last layer's transformer (.2.conv) or, in a block without attention, after its resnet (.1.conv).
 * Same tables as engine/lora/sdxl-block-names.ts (SGM → diffusers, L = 2), which the tests check this against.
 */
import type { UnetArchitecture } from '../../models/synthetic/sdxl-architecture.ts';
import type { KeyTransform } from './key-transforms.ts';

export const UNET_PREFIX = 'model.diffusion_model.';

const TOP_LEVEL: Record<string, string> = {
  conv_in: 'input_blocks.0.0',
  'time_embedding.linear_1': 'time_embed.0',
  'time_embedding.linear_2': 'time_embed.2',
  'add_embedding.linear_1': 'label_emb.0.0',
  'add_embedding.linear_2': 'label_emb.0.2',
  conv_norm_out: 'out.0',
  conv_out: 'out.2',
};

const RESNET: Record<string, string> = {
  norm1: 'in_layers.0',
  conv1: 'in_layers.2',
  time_emb_proj: 'emb_layers.1',
  norm2: 'out_layers.0',
  conv2: 'out_layers.3',
  conv_shortcut: 'skip_connection',
};

function resnetPart(part: string, parameter: string): string {
  const sgm = RESNET[part];
  if (sgm === undefined) throw new Error(`UNet parameter ${parameter}: no SGM name for resnet part ${part}`);
  return sgm;
}

/** The module path's SGM spelling, e.g. `down_blocks.1.attentions.0.proj_in` → `input_blocks.4.1.proj_in`. */
function sgmModule(module: string, arch: UnetArchitecture, parameter: string): string {
  if (module in TOP_LEVEL) return TOP_LEVEL[module];
  const L = arch.layersPerBlock;
  let m = /^down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(module);
  if (m) {
    const block = Number(m[1]) * (L + 1) + Number(m[3]) + 1;
    return m[2] === 'resnets'
      ? `input_blocks.${block}.0.${resnetPart(m[4], parameter)}`
      : `input_blocks.${block}.1.${m[4]}`;
  }
  m = /^down_blocks\.(\d+)\.downsamplers\.0\.conv$/.exec(module);
  if (m) return `input_blocks.${Number(m[1]) * (L + 1) + L + 1}.0.op`;
  m = /^mid_block\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(module);
  if (m)
    return m[1] === 'attentions'
      ? `middle_block.1.${m[3]}`
      : `middle_block.${m[2] === '0' ? 0 : 2}.${resnetPart(m[3], parameter)}`;
  m = /^up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.+)$/.exec(module);
  if (m) {
    const block = Number(m[1]) * (L + 1) + Number(m[3]);
    return m[2] === 'resnets'
      ? `output_blocks.${block}.0.${resnetPart(m[4], parameter)}`
      : `output_blocks.${block}.1.${m[4]}`;
  }
  m = /^up_blocks\.(\d+)\.upsamplers\.0\.conv$/.exec(module);
  if (m) {
    const i = Number(m[1]);
    const hasAttention = arch.depths[arch.channels.length - 1 - i] > 0;
    return `output_blocks.${i * (L + 1) + L}.${hasAttention ? 2 : 1}.conv`;
  }
  throw new Error(`UNet parameter ${parameter} has no SGM checkpoint name`);
}

export function unetKey(parameter: string, arch: UnetArchitecture): { key: string; transform: KeyTransform } {
  const dot = parameter.lastIndexOf('.');
  const module = parameter.slice(0, dot);
  return {
    key: `${UNET_PREFIX}${sgmModule(module, arch, parameter)}${parameter.slice(dot)}`,
    transform: { kind: 'same' },
  };
}
