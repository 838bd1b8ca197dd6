/**
 * The SDXL VAE (diffusers AutoencoderKL) halves as optimum exports them:
 * vae_encoder `sample` [B,3,H,W] → `latent_parameters` [B,8,H/8,W/8] (mean ‖ logvar, optimum ≥ 1.23);
 * vae_decoder `latent_sample` [B,4,h,w] → `sample` [B,3,8h,8w].
 * Encoder: conv_in, down_blocks (resnets, stride-2 downsampler padded (0,1,0,1) except the last),
 * mid_block (resnet, single-head attention, resnet), conv_norm_out, conv_out, quant_conv.
 * Decoder: post_quant_conv, conv_in, mid_block, up_blocks (layersPerBlock+1 resnets, nearest ×2
 * upsampler except the last), conv_norm_out, conv_out.
 */
import { SDXL_LATENT_CHANNELS, type VaeArchitecture } from './sdxl-architecture.ts';
import { StreamingGraph, type FloatType, type WeightResolver } from './streaming-graph.ts';
import { conv, groupNorm, linear, silu } from './torch-layers.ts';

const EPS = 1e-6;

function resnet(
  g: StreamingGraph,
  arch: VaeArchitecture,
  module: string,
  x: string,
  inC: number,
  outC: number,
): string {
  let h = conv(
    g,
    `${module}.conv1`,
    silu(g, module, groupNorm(g, `${module}.norm1`, x, inC, arch.groups, EPS)),
    inC,
    outC,
  );
  h = conv(
    g,
    `${module}.conv2`,
    silu(g, module, groupNorm(g, `${module}.norm2`, h, outC, arch.groups, EPS)),
    outC,
    outC,
    { gain: 0.5 },
  );
  const shortcut = inC === outC ? x : conv(g, `${module}.conv_shortcut`, x, inC, outC, { kernel: 1 });
  return g.node(module, 'Add', [shortcut, h]);
}

/**
 * Single-head spatial self-attention over h·w tokens (diffusers Attention with group_norm). The
 * attention itself is onnxruntime's MultiHeadAttention (scale 1/√width, as diffusers): at 1024² the
 * mid block sees 16384 tokens, and MatMul → Softmax → MatMul would materialise a 16384² score matrix
 * (1 GiB in float32) where the fused kernel works in tiles. Nothing rewrites VAE graphs, unlike the
 * UNet's attn2 (ip-adapter/ip-attention-graph.ts), so the fused op costs no rewrite.
 */
function midAttention(g: StreamingGraph, arch: VaeArchitecture, module: string, x: string, width: number): string {
  const shape = g.node(module, 'Shape', [x]);
  const normed = groupNorm(g, `${module}.group_norm`, x, width, arch.groups, EPS);
  const tokens = g.node(module, 'Transpose', [g.node(module, 'Reshape', [normed, g.ints([0, width, -1])])], {
    perm: [0, 2, 1],
  });
  const q = linear(g, `${module}.to_q`, tokens, width, width);
  const k = linear(g, `${module}.to_k`, tokens, width, width);
  const v = linear(g, `${module}.to_v`, tokens, width, width);
  const attended = g.microsoftNode(module, 'MultiHeadAttention', [q, k, v], { num_heads: 1 });
  const out = linear(g, `${module}.to_out.0`, attended, width, width, { gain: 0.5 });
  const back = g.node(module, 'Reshape', [g.node(module, 'Transpose', [out], { perm: [0, 2, 1] }), shape]);
  return g.node(module, 'Add', [back, x]);
}

function midBlock(g: StreamingGraph, arch: VaeArchitecture, prefix: string, x: string, width: number): string {
  let h = resnet(g, arch, `${prefix}.mid_block.resnets.0`, x, width, width);
  h = midAttention(g, arch, `${prefix}.mid_block.attentions.0`, h, width);
  return resnet(g, arch, `${prefix}.mid_block.resnets.1`, h, width, width);
}

export function buildSdxlVaeEncoder(arch: VaeArchitecture, float: FloatType, resolve?: WeightResolver): StreamingGraph {
  const g = new StreamingGraph('synthetic_sdxl_vae_encoder', float, 5000, resolve);
  const pixels = g.input('sample', 'float', ['batch_size', 3, 'height', 'width']);
  let width = arch.channels[0];
  let h = conv(g, 'encoder.conv_in', pixels, 3, width);
  arch.channels.forEach((outC, i) => {
    for (let j = 0; j < arch.layersPerBlock; j++) {
      h = resnet(g, arch, `encoder.down_blocks.${i}.resnets.${j}`, h, width, outC);
      width = outC;
    }
    if (i < arch.channels.length - 1)
      h = conv(g, `encoder.down_blocks.${i}.downsamplers.0.conv`, h, width, width, { stride: 2, pads: [0, 0, 1, 1] });
  });
  h = midBlock(g, arch, 'encoder', h, width);
  h = conv(
    g,
    'encoder.conv_out',
    silu(g, 'encoder.conv_norm_out', groupNorm(g, 'encoder.conv_norm_out', h, width, arch.groups, EPS)),
    width,
    2 * SDXL_LATENT_CHANNELS,
    { gain: 0.5 },
  );
  h = conv(g, 'quant_conv', h, 2 * SDXL_LATENT_CHANNELS, 2 * SDXL_LATENT_CHANNELS, { kernel: 1 });
  g.output(h, 'latent_parameters', ['batch_size', 2 * SDXL_LATENT_CHANNELS, 'latent_height', 'latent_width']);
  return g;
}

export function buildSdxlVaeDecoder(arch: VaeArchitecture, float: FloatType, resolve?: WeightResolver): StreamingGraph {
  const g = new StreamingGraph('synthetic_sdxl_vae_decoder', float, 6000, resolve);
  const latents = g.input('latent_sample', 'float', [
    'batch_size',
    SDXL_LATENT_CHANNELS,
    'latent_height',
    'latent_width',
  ]);
  const reversed = [...arch.channels].reverse();
  let width = reversed[0];
  let h = conv(g, 'post_quant_conv', latents, SDXL_LATENT_CHANNELS, SDXL_LATENT_CHANNELS, { kernel: 1 });
  h = conv(g, 'decoder.conv_in', h, SDXL_LATENT_CHANNELS, width);
  h = midBlock(g, arch, 'decoder', h, width);
  reversed.forEach((outC, i) => {
    for (let j = 0; j <= arch.layersPerBlock; j++) {
      h = resnet(g, arch, `decoder.up_blocks.${i}.resnets.${j}`, h, width, outC);
      width = outC;
    }
    if (i < reversed.length - 1) {
      const up = g.node(`decoder.up_blocks.${i}.upsamplers.0`, 'Resize', [h, '', g.float32([1, 1, 2, 2])], {
        mode: 'nearest',
        nearest_mode: 'floor',
        coordinate_transformation_mode: 'asymmetric',
      });
      h = conv(g, `decoder.up_blocks.${i}.upsamplers.0.conv`, up, width, width);
    }
  });
  h = conv(
    g,
    'decoder.conv_out',
    silu(g, 'decoder.conv_norm_out', groupNorm(g, 'decoder.conv_norm_out', h, width, arch.groups, EPS)),
    width,
    3,
    { gain: 0.3 },
  );
  g.output(h, 'sample', ['batch_size', 3, 'height', 'width']);
  return g;
}
