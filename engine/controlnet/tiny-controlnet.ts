/**
 * The demo ControlNet written on first start (DECISIONS §4) under models/controlnet/, so PyraCanny
 * and CPDS run out of the box: the diffusers ControlNet export's I/O (onnx-sdxl-engine.md §5.1) —
 * sample, timestep, encoder_hidden_states, controlnet_cond [B,3,H,W] in 0..1, conditioning_scale,
 * text_embeds, time_ids → down_block_{k}_additional_residual and mid_block_additional_residual —
 * with residuals shaped for the tiny demo UNet's skips (engine/models/tiny/unet-graph.ts with up
 * blocks: 8, 16 and 32 channels, mid 32, all at latent size) instead of SDXL's nine. Inside: the
 * control image average-pooled to latent size, joined with the sample, a 3×3 conv shifted by an
 * embedding of timestep, pooled text, mean prompt token and time ids, then one seeded 1×1 "zero
 * conv" per residual (random, so control visibly changes the picture), times conditioning_scale.
 * Every task that uses it says so.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GraphBuilder } from '../models/onnx-graph-builder.ts';
import { TINY_DIMS } from '../models/tiny-checkpoint.ts';
import { createWeightRng } from '../models/tiny/seeded-weights.ts';
import { downResidualName, MID_RESIDUAL } from './residual-graph.ts';

/** Folder of the demo under models/controlnet/; it serves PyraCanny and CPDS alike. */
export const TINY_DEMO_CONTROLNET_NAME = 'tiny-controlnet-demo';
/** Channels of the tiny demo UNet's skips (down residuals 0..2) and of its mid block. */
export const TINY_RESIDUAL_CHANNELS = { down: [8, 16, 32], mid: 32 } as const;
const FEATURES = 16;
const LATENT = 4;
const VAE_SCALE = 8;

export function buildTinyControlNet(seed = 0xc0de): GraphBuilder {
  const rand = createWeightRng(seed);
  const context = TINY_DIMS.te1Hidden + TINY_DIMS.te2Hidden;
  const pooled = TINY_DIMS.projection;
  const g = new GraphBuilder('tiny_controlnet_demo');
  const sample = g.input('sample', 'float', ['batch', LATENT, 'height', 'width']);
  const timestep = g.input('timestep', 'float', []);
  const tokens = g.input('encoder_hidden_states', 'float', ['batch', 'sequence', context]);
  const cond = g.input('controlnet_cond', 'float', ['batch', 3, 'image_height', 'image_width']);
  const scale = g.input('conditioning_scale', 'float', []);
  const textEmbeds = g.input('text_embeds', 'float', ['batch', pooled]);
  const timeIds = g.input('time_ids', 'float', ['batch', 6]);

  const hint = g.node('Sub', [
    g.node('Mul', [
      g.node('AveragePool', [cond], { kernel_shape: [VAE_SCALE, VAE_SCALE], strides: [VAE_SCALE, VAE_SCALE] }),
      g.scalar(2),
    ]),
    g.scalar(1),
  ]);
  const joined = g.node('Concat', [hint, sample], { axis: 1 });
  const conv = g.node(
    'Conv',
    [
      joined,
      g.weight(
        'controlnet_cond_embedding.conv_in.weight',
        [FEATURES, 3 + LATENT, 3, 3],
        rand(FEATURES * (3 + LATENT) * 9, 0.35),
      ),
      g.weight('controlnet_cond_embedding.conv_in.bias', [FEATURES], rand(FEATURES, 0.05)),
    ],
    { pads: [1, 1, 1, 1] },
  );
  const linear = (name: string, x: string, inWidth: number, std: number) =>
    g.node('MatMul', [x, g.weight(`${name}.weight`, [inWidth, FEATURES], rand(inWidth * FEATURES, std))]);
  const tEmb = g.node('Mul', [
    g.node('Sin', [g.node('Mul', [timestep, g.weight('time_proj.frequencies', [FEATURES], rand(FEATURES, 0.01))])]),
    g.scalar(0.3),
  ]);
  const meanToken = g.node('ReduceMean', [tokens], { axes: [1], keepdims: 0 });
  const emb = g.node('Add', [
    g.node('Add', [
      linear('add_embedding.text', textEmbeds, pooled, 0.4 / Math.sqrt(pooled)),
      linear('add_embedding.tokens', meanToken, context, 0.4 / Math.sqrt(context)),
    ]),
    g.node('Add', [linear('add_embedding.time_ids', g.node('Mul', [timeIds, g.scalar(1 / 1024)]), 6, 0.3), tEmb]),
  ]);
  const features = g.node('Tanh', [g.node('Add', [conv, g.node('Unsqueeze', [emb, g.ints([2, 3])])])]);
  const zeroConv = (name: string, channels: number) =>
    g.node('Mul', [
      g.node('Conv', [
        features,
        g.weight(`${name}.weight`, [channels, FEATURES, 1, 1], rand(channels * FEATURES, 0.5 / Math.sqrt(FEATURES))),
        g.weight(`${name}.bias`, [channels], rand(channels, 0.02)),
      ]),
      scale,
    ]);
  TINY_RESIDUAL_CHANNELS.down.forEach((channels, k) =>
    g.output(zeroConv(`controlnet_down_blocks.${k}`, channels), downResidualName(k), [
      'batch',
      channels,
      'height',
      'width',
    ]),
  );
  g.output(zeroConv('controlnet_mid_block', TINY_RESIDUAL_CHANNELS.mid), MID_RESIDUAL, [
    'batch',
    TINY_RESIDUAL_CHANNELS.mid,
    'height',
    'width',
  ]);
  return g;
}

/** Writes `<dir>/model.onnx` (staged and renamed, so a half-written model is never listed). */
export async function writeTinyControlNet(dir: string): Promise<void> {
  await mkdir(dirname(dir), { recursive: true });
  const staging = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}-${Date.now()}`);
  try {
    await mkdir(staging, { recursive: true });
    await buildTinyControlNet().writeTo(staging, false);
    await rename(staging, dir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
