/**
 * Tiny SDXL-shaped UNet: sample [B,4,h,w], timestep, encoder_hidden_states [B,S,D],
 * text_embeds [B,P], time_ids [B,6] → out_sample [B,4,h,w]. Every input changes the output:
 *  - a 3×3 conv of the sample (spatial mixing),
 *  - one cross-attention head: per-pixel queries over the token states, so the prompt
 *    changes the picture differently at each position,
 *  - a [B,4] embedding of sin(t·freq) + text_embeds·W + time_ids·W broadcast over pixels,
 * squashed by Tanh into a bounded "clean latent" y ∈ (-1,1). The graph then returns the ε that
 * makes y the exact denoised estimate, ε̂ = (x − y)/σ(t) with x = sample·√(σ²+1) and σ(t) looked
 * up in the SDXL table, so every sampler converges to bounded latents (no saturated images) and
 * stays stable, while prompt, seed and size still shape the result.
 */
import { GraphBuilder, type Dim } from '../onnx-graph-builder.ts';
import type { WeightRng } from './seeded-weights.ts';
import { sigmaTable } from '../../schedulers/sigma-table.ts';

export type TimestepKind = 'int64' | 'float32-scalar' | 'float32-1d';

export interface UnetShape {
  /** encoder_hidden_states width (te1 hidden + te2 hidden). */
  context: number;
  /** text_embeds width. */
  pooled: number;
  /** attention query/key width. */
  attention: number;
}

const LATENT = 4;

/**
 * A 3×3 kernel with gain > 1 on each channel's own neighbourhood plus small random mixing: the
 * map y → tanh(conv(y) + …) then has two stable states per channel, so the seed's noise grows
 * into smooth blobs (a readable demo picture) instead of fading to a flat colour.
 */
function smoothingKernel(rand: WeightRng): Float32Array {
  const kernel = rand(LATENT * LATENT * 9, 0.08);
  for (let c = 0; c < LATENT; c++) {
    for (let k = 0; k < 9; k++) kernel[(c * LATENT + c) * 9 + k] += k === 4 ? 0.6 : 0.2;
  }
  return kernel;
}

export function buildUnet(shape: UnetShape, timestep: TimestepKind, io: 'float32' | 'float16', rand: WeightRng): GraphBuilder {
  const { context: D, pooled: P, attention: C } = shape;
  const g = new GraphBuilder('tiny_unet', io);
  const sampleDims: Dim[] = ['batch_size', LATENT, 'height', 'width'];
  const sample = g.input('sample', 'float', sampleDims);
  const t =
    timestep === 'int64'
      ? g.input('timestep', 'int64', ['steps'])
      : g.input('timestep', 'float', timestep === 'float32-scalar' ? [] : [1]);
  const context = g.input('encoder_hidden_states', 'float', ['batch_size', 'sequence_length', D]);
  const textEmbeds = g.input('text_embeds', 'float', ['batch_size', P]);
  const timeIds = g.input('time_ids', 'float', ['batch_size', 6]);

  const conv = g.node('Conv', [sample, g.weight('conv.weight', [LATENT, LATENT, 3, 3], smoothingKernel(rand)), g.weight('conv.bias', [LATENT], rand(LATENT, 0.05))], { pads: [1, 1, 1, 1] });

  // Cross-attention: queries [B,hw,C] from the sample, keys [B,S,C] and values [B,S,4] from the prompt.
  const q = g.node('Conv', [sample, g.weight('attn.q', [C, LATENT, 1, 1], rand(C * LATENT, 1)), g.weight('attn.q_bias', [C], rand(C, 0.5))]);
  const queries = g.node('Transpose', [g.node('Reshape', [q, g.ints([0, C, -1])])], { perm: [0, 2, 1] });
  const keys = g.node('Transpose', [g.node('MatMul', [context, g.weight('attn.k', [D, C], rand(D * C, 1 / Math.sqrt(D)))])], { perm: [0, 2, 1] });
  const scores = g.node('Mul', [g.node('MatMul', [queries, keys]), g.scalar(1 / Math.sqrt(C))]);
  const weights = g.node('Softmax', [scores], { axis: -1 });
  const values = g.node('MatMul', [context, g.weight('attn.v', [D, LATENT], rand(D * LATENT, 1.5 / Math.sqrt(D)))]);
  const attended = g.node('Transpose', [g.node('MatMul', [weights, values])], { perm: [0, 2, 1] });
  const attention = g.node('Reshape', [attended, g.node('Shape', [sample])]);

  // Conditioning embedding [B,4] → [B,4,1,1]; a [1]/[]-shaped timestep broadcasts over the batch.
  const tFloat = g.node('Reshape', [g.node('Cast', [t], { to: 1 }), g.ints([-1, 1])]);
  const tEmb = g.node('Sin', [g.node('Mul', [tFloat, g.weight('time.freq', [1, LATENT], Float32Array.from([0.0021, 0.0047, 0.0093, 0.0151]))])]);
  const pEmb = g.node('MatMul', [textEmbeds, g.weight('pooled.proj', [P, LATENT], rand(P * LATENT, 0.5 / Math.sqrt(P)))]);
  const scaledIds = g.node('Mul', [timeIds, g.scalar(1 / 1024)]);
  const idEmb = g.node('MatMul', [scaledIds, g.weight('time_ids.proj', [6, LATENT], rand(6 * LATENT, 0.5))]);
  const emb = g.node('Unsqueeze', [g.node('Add', [g.node('Add', [tEmb, pEmb]), idEmb]), g.ints([2, 3])]);

  const clean = g.node('Tanh', [g.node('Add', [g.node('Add', [conv, attention]), emb])]);

  // σ(t) per row: round(clip(t)) indexes the 1000-entry table; shape [n,1] → [n,1,1,1] broadcasts over [B,4,h,w].
  const table = sigmaTable();
  const index = g.node('Cast', [g.node('Round', [g.node('Clip', [tFloat, g.scalar(0), g.scalar(table.length - 1)])])], { to: 7 });
  const sigma = g.node('Reshape', [g.node('Gather', [g.weight('sigma_table', [table.length], Float32Array.from(table)), index]), g.ints([-1, 1, 1, 1])]);
  const cInInverse = g.node('Sqrt', [g.node('Add', [g.node('Mul', [sigma, sigma]), g.scalar(1)])]);
  const noisy = g.node('Mul', [sample, cInInverse]);
  g.output(g.node('Div', [g.node('Sub', [noisy, clean]), sigma]), 'out_sample', sampleDims);
  return g;
}
