/**
 * SDXL UNet module paths: Stability's SGM/LDM names (what kohya SDXL LoRAs use) → diffusers names
 * (what the ONNX export's initializers and node scopes use). Facts from the public mapping tables
 * (diffusers' LDM→diffusers checkpoint converter, InvokeAI's SDXL_UNET_STABILITY_TO_DIFFUSERS_MAP),
 * specialised to SDXL's layout:
 *  - 3 down blocks × 2 layers: input_blocks[3i+j+1] = down_blocks.i.{resnets,attentions}.j,
 *    input_blocks[3i+3].0.op = down_blocks.i.downsamplers.0.conv (i < 2), input_blocks.0.0 = conv_in;
 *  - middle_block.{0,1,2} = mid_block.{resnets.0, attentions.0, resnets.1};
 *  - 3 up blocks × 3 layers: output_blocks[3i+j] = up_blocks.i.{resnets,attentions}.j, the
 *    upsampler conv (i < 2) sits after the attention (.2.conv), or at .1.conv in a block without one.
 * Inside a transformer (proj_in, transformer_blocks.N.attn1.to_q, ff.net.0.proj, …) both use the same names.
 */

const RESNET_PARTS: Record<string, string> = {
  'in_layers.0': 'norm1',
  'in_layers.2': 'conv1',
  'out_layers.0': 'norm2',
  'out_layers.3': 'conv2',
  'emb_layers.1': 'time_emb_proj',
  skip_connection: 'conv_shortcut',
};

const TOP_LEVEL: Record<string, string> = {
  'input_blocks.0.0': 'conv_in',
  'time_embed.0': 'time_embedding.linear_1',
  'time_embed.2': 'time_embedding.linear_2',
  'label_emb.0.0': 'add_embedding.linear_1',
  'label_emb.0.2': 'add_embedding.linear_2',
  'out.0': 'conv_norm_out',
  'out.2': 'conv_out',
};

function resnet(prefix: string, rest: string): string | undefined {
  const part = RESNET_PARTS[rest];
  return part === undefined ? undefined : `${prefix}.${part}`;
}

/**
 * `input_blocks.4.1.transformer_blocks.0.attn1.to_q` → `down_blocks.1.attentions.0.transformer_blocks.0.attn1.to_q`;
 * undefined when not an SGM SDXL path.
 */
export function sgmToDiffusers(path: string): string | undefined {
  if (path in TOP_LEVEL) return TOP_LEVEL[path];
  let m = /^input_blocks\.(\d+)\.(\d+)(?:\.(.+))?$/.exec(path);
  if (m) {
    const n = Number(m[1]);
    const i = Math.floor((n - 1) / 3);
    const j = (n - 1) % 3;
    const rest = m[3] ?? '';
    if (n === 0 || i > 2) return undefined;
    if (j === 2) return i < 2 && m[2] === '0' && rest === 'op' ? `down_blocks.${i}.downsamplers.0.conv` : undefined;
    if (m[2] === '0') return resnet(`down_blocks.${i}.resnets.${j}`, rest);
    return m[2] === '1' && rest ? `down_blocks.${i}.attentions.${j}.${rest}` : undefined;
  }
  m = /^middle_block\.([012])\.(.+)$/.exec(path);
  if (m) {
    if (m[1] === '1') return `mid_block.attentions.0.${m[2]}`;
    return resnet(`mid_block.resnets.${m[1] === '0' ? 0 : 1}`, m[2]);
  }
  m = /^output_blocks\.(\d+)\.(\d)\.(.+)$/.exec(path);
  if (m) {
    const n = Number(m[1]);
    const i = Math.floor(n / 3);
    if (i > 2) return undefined;
    const [, , layer, rest] = m;
    if (layer === '0') return resnet(`up_blocks.${i}.resnets.${n % 3}`, rest);
    if (rest === 'conv') return i < 2 ? `up_blocks.${i}.upsamplers.0.conv` : undefined;
    return layer === '1' ? `up_blocks.${i}.attentions.${n % 3}.${rest}` : undefined;
  }
  return undefined;
}
