/**
 * The SDXL UNet (diffusers UNet2DConditionModel, SDXL config) as optimum exports it: inputs
 * `sample` [B,4,h,w], `timestep` (float scalar, optimum ≥ 1.24), `encoder_hidden_states`
 * [B,S,ctx], `text_embeds` [B,pooled], `time_ids` [B,6] → `out_sample`.
 *  - time: Timesteps(ch0) → time_embedding.linear_1/2; add: Timesteps(addTimeEmbedDim) of each
 *    time_id, concatenated after text_embeds → add_embedding.linear_1/2;
 *  - down_blocks.i: layersPerBlock × (ResnetBlock2D [+ Transformer2DModel of depth i]), a stride-2
 *    conv downsampler except in the last; mid_block: resnet, transformer, resnet;
 *  - up_blocks.i: (layersPerBlock+1) × (Concat(h, skip) in the block's own scope, which is what
 *    FreeU looks for as `/up_blocks.i/Concat[_k]`, resnet [+ transformer]), Resize ×2 + conv
 *    upsampler except in the last;
 *  - transformers: GroupNorm, proj_in Linear, BasicTransformerBlocks (attn1 self, attn2 cross,
 *    GEGLU ff.net.0.proj / ff.net.2), proj_out Linear, residual.
 */
import { SDXL_LATENT_CHANNELS, timeIdCount, type UnetArchitecture } from './sdxl-architecture.ts';
import { StreamingGraph, type FloatType, type WeightResolver } from './streaming-graph.ts';
import { attend, conv, gelu, groupNorm, layerNorm, linear, silu, timestepEmbedding } from './torch-layers.ts';

const EPS = 1e-5;
const TRANSFORMER_NORM_EPS = 1e-6;

interface Ctx {
  g: StreamingGraph;
  arch: UnetArchitecture;
  temb: string;
  tembWidth: number;
  context: string;
  contextWidth: number;
}

function resnet(c: Ctx, module: string, x: string, inC: number, outC: number): string {
  const { g, arch } = c;
  let h = conv(
    g,
    `${module}.conv1`,
    silu(g, module, groupNorm(g, `${module}.norm1`, x, inC, arch.groups, EPS)),
    inC,
    outC,
  );
  const t = linear(g, `${module}.time_emb_proj`, silu(g, module, c.temb), c.tembWidth, outC);
  h = g.node(module, 'Add', [h, g.node(module, 'Unsqueeze', [t, g.ints([2, 3])])]);
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

function attention(
  c: Ctx,
  module: string,
  x: string,
  width: number,
  context?: { value: string; width: number },
): string {
  const { g, arch } = c;
  const source = context?.value ?? x;
  const sourceWidth = context?.width ?? width;
  const q = linear(g, `${module}.to_q`, x, width, width, { bias: false });
  const k = linear(g, `${module}.to_k`, source, sourceWidth, width, { bias: false });
  const v = linear(g, `${module}.to_v`, source, sourceWidth, width, { bias: false });
  const out = attend(g, module, q, k, v, width / arch.headDim, arch.headDim);
  return linear(g, `${module}.to_out.0`, out, width, width, { gain: 0.5 });
}

function transformerBlock(c: Ctx, module: string, x: string, width: number): string {
  const { g } = c;
  let h = g.node(module, 'Add', [attention(c, `${module}.attn1`, layerNorm(g, `${module}.norm1`, x, width), width), x]);
  h = g.node(module, 'Add', [
    attention(c, `${module}.attn2`, layerNorm(g, `${module}.norm2`, h, width), width, {
      value: c.context,
      width: c.contextWidth,
    }),
    h,
  ]);
  const inner = width * 4;
  const projected = linear(g, `${module}.ff.net.0.proj`, layerNorm(g, `${module}.norm3`, h, width), width, inner * 2);
  const [hidden, gate] = [0, 1].map((i) =>
    g.node(`${module}.ff.net.0`, 'Slice', [projected, g.ints([i * inner]), g.ints([(i + 1) * inner]), g.ints([-1])]),
  );
  const geglu = g.node(`${module}.ff.net.0`, 'Mul', [hidden, gelu(g, `${module}.ff.net.0`, gate)]);
  return g.node(module, 'Add', [linear(g, `${module}.ff.net.2`, geglu, inner, width, { gain: 0.5 }), h]);
}

function transformer(c: Ctx, module: string, x: string, width: number, depth: number): string {
  const { g, arch } = c;
  const shape = g.node(module, 'Shape', [x]);
  const normed = groupNorm(g, `${module}.norm`, x, width, arch.groups, TRANSFORMER_NORM_EPS);
  let h = g.node(module, 'Transpose', [g.node(module, 'Reshape', [normed, g.ints([0, width, -1])])], {
    perm: [0, 2, 1],
  });
  h = linear(g, `${module}.proj_in`, h, width, width);
  for (let d = 0; d < depth; d++) h = transformerBlock(c, `${module}.transformer_blocks.${d}`, h, width);
  h = linear(g, `${module}.proj_out`, h, width, width, { gain: 0.5 });
  const back = g.node(module, 'Reshape', [g.node(module, 'Transpose', [h], { perm: [0, 2, 1] }), shape]);
  return g.node(module, 'Add', [back, x]);
}

export function buildSdxlUnet(
  arch: UnetArchitecture,
  contextWidth: number,
  pooledWidth: number,
  float: FloatType,
  resolve?: WeightResolver,
): StreamingGraph {
  const g = new StreamingGraph('synthetic_sdxl_unet', float, 9000, resolve);
  const sampleDims = ['batch_size', SDXL_LATENT_CHANNELS, 'height', 'width'];
  const sample = g.input('sample', 'float', sampleDims);
  const timestep = g.input('timestep', 'float', []);
  const context = g.input('encoder_hidden_states', 'float', ['batch_size', 'sequence_length', contextWidth]);
  const textEmbeds = g.input('text_embeds', 'float', ['batch_size', pooledWidth]);
  const idCount = timeIdCount(arch);
  const timeIds = g.input('time_ids', 'float', ['batch_size', idCount]);
  const ch0 = arch.channels[0];
  const tembWidth = ch0 * 4;

  // Time embedding; a scalar timestep gives [1, tembWidth], which broadcasts over the batch.
  const tProj = timestepEmbedding(g, 'time_proj', g.node('', 'Reshape', [timestep, g.ints([-1, 1])]), ch0);
  let temb = linear(
    g,
    'time_embedding.linear_2',
    silu(g, 'time_embedding', linear(g, 'time_embedding.linear_1', tProj, ch0, tembWidth)),
    tembWidth,
    tembWidth,
  );
  const idsEmb = timestepEmbedding(
    g,
    'add_time_proj',
    g.node('', 'Reshape', [timeIds, g.ints([-1, 1])]),
    arch.addTimeEmbedDim,
  );
  const idsFlat = g.node('', 'Reshape', [idsEmb, g.ints([-1, idCount * arch.addTimeEmbedDim])]);
  const addIn = g.node('', 'Concat', [textEmbeds, idsFlat], { axis: -1 });
  const addWidth = pooledWidth + idCount * arch.addTimeEmbedDim;
  const aug = linear(
    g,
    'add_embedding.linear_2',
    silu(g, 'add_embedding', linear(g, 'add_embedding.linear_1', addIn, addWidth, tembWidth)),
    tembWidth,
    tembWidth,
  );
  temb = g.node('', 'Add', [temb, aug]);
  const c: Ctx = { g, arch, temb, tembWidth, context, contextWidth };

  let h = conv(g, 'conv_in', sample, SDXL_LATENT_CHANNELS, ch0);
  const skips: { value: string; width: number }[] = [{ value: h, width: ch0 }];
  let width = ch0;
  arch.channels.forEach((outC, i) => {
    for (let j = 0; j < arch.layersPerBlock; j++) {
      h = resnet(c, `down_blocks.${i}.resnets.${j}`, h, width, outC);
      width = outC;
      if (arch.depths[i] > 0) h = transformer(c, `down_blocks.${i}.attentions.${j}`, h, width, arch.depths[i]);
      skips.push({ value: h, width });
    }
    if (i < arch.channels.length - 1) {
      h = conv(g, `down_blocks.${i}.downsamplers.0.conv`, h, width, width, { stride: 2 });
      skips.push({ value: h, width });
    }
  });

  const last = arch.channels.length - 1;
  h = resnet(c, 'mid_block.resnets.0', h, width, width);
  h = transformer(c, 'mid_block.attentions.0', h, width, arch.midDepth ?? arch.depths[last]);
  h = resnet(c, 'mid_block.resnets.1', h, width, width);

  [...arch.channels].reverse().forEach((outC, i) => {
    const depth = arch.depths[last - i];
    for (let j = 0; j <= arch.layersPerBlock; j++) {
      const skip = skips.pop()!;
      h = g.node(`up_blocks.${i}`, 'Concat', [h, skip.value], { axis: 1 });
      h = resnet(c, `up_blocks.${i}.resnets.${j}`, h, width + skip.width, outC);
      width = outC;
      if (depth > 0) h = transformer(c, `up_blocks.${i}.attentions.${j}`, h, width, depth);
    }
    if (i < last) {
      const up = g.node(`up_blocks.${i}.upsamplers.0`, 'Resize', [h, '', g.float32([1, 1, 2, 2])], {
        mode: 'nearest',
        nearest_mode: 'floor',
        coordinate_transformation_mode: 'asymmetric',
      });
      h = conv(g, `up_blocks.${i}.upsamplers.0.conv`, up, width, width);
    }
  });

  h = conv(
    g,
    'conv_out',
    silu(g, 'conv_norm_out', groupNorm(g, 'conv_norm_out', h, width, arch.groups, EPS)),
    width,
    SDXL_LATENT_CHANNELS,
    { gain: 0.5 },
  );
  g.output(h, 'out_sample', sampleDims);
  return g;
}
