/**
 * Tiny VAE halves with optimum's names. The decoder convolves at latent size and only then
 * resizes ×8 (cheap at 1152×896); Tanh keeps pixels in (-1,1) like the real decoder's range.
 */
import { GraphBuilder } from '../onnx-graph-builder.ts';
import type { WeightRng } from './seeded-weights.ts';

export const VAE_SCALE = 8;
const LATENT = 4;

export function buildVaeDecoder(io: 'float32' | 'float16', rand: WeightRng): GraphBuilder {
  const g = new GraphBuilder('tiny_vae_decoder', io);
  const latents = g.input('latent_sample', 'float', ['batch_size', LATENT, 'latent_height', 'latent_width']);
  // latents arrive divided by 0.13025 (std ≈ 5–25 with CFG): small weights keep Tanh out of saturation.
  const conv = g.node(
    'Conv',
    [
      latents,
      g.weight('conv.weight', [3, LATENT, 3, 3], rand(3 * LATENT * 9, 0.008)),
      g.weight('conv.bias', [3], rand(3, 0.1)),
    ],
    { pads: [1, 1, 1, 1] },
  );
  const up = g.node(
    'Resize',
    [conv, '', g.weight('resize.scales', [4], Float32Array.from([1, 1, VAE_SCALE, VAE_SCALE]))],
    { mode: 'linear' },
  );
  g.output(g.node('Tanh', [up]), 'sample', ['batch_size', 3, 'height', 'width']);
  return g;
}

export type VaeEncoderOutput = 'latent_sample' | 'latent_parameters';

export function buildVaeEncoder(output: VaeEncoderOutput, io: 'float32' | 'float16', rand: WeightRng): GraphBuilder {
  const g = new GraphBuilder('tiny_vae_encoder', io);
  const pixels = g.input('sample', 'float', ['batch_size', 3, 'height', 'width']);
  const pooled = g.node('AveragePool', [pixels], {
    kernel_shape: [VAE_SCALE, VAE_SCALE],
    strides: [VAE_SCALE, VAE_SCALE],
  });
  // latent_parameters = mean ‖ logvar (8 channels); latent_sample = 4 channels (old exports sampled in-graph).
  const channels = output === 'latent_parameters' ? 2 * LATENT : LATENT;
  const conv = g.node('Conv', [
    pooled,
    g.weight('conv.weight', [channels, 3, 1, 1], rand(channels * 3, 2)),
    g.weight('conv.bias', [channels], rand(channels, 0.1)),
  ]);
  g.output(conv, output, ['batch_size', channels, 'latent_height', 'latent_width']);
  return g;
}
