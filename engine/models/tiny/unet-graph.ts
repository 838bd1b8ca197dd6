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
 *
 * Weights carry the SDXL UNet's own names and node scopes (torch-names.ts), so LoRAs apply to it as
 * to a real export: the 3×3 conv is `down_blocks.0.resnets.0.conv1`, the 1×1 conv
 * `down_blocks.1.attentions.0.proj_in`, the cross-attention projections the transposed anonymous
 * MatMul weights of `…transformer_blocks.0.attn2.to_q/to_k/to_v`, the pooled-text projection
 * `add_embedding.linear_1`. to_q starts as the identity, so it costs nothing and changes no pixel
 * until a LoRA moves it.
 *
 * With `upBlocks`, a small decoder-like path joins in (for FreeU, engine/unet/freeu-graph.ts):
 * `conv_in` (4→8, so the base channel count is 8) feeds an encoder whose outputs are concatenated
 * back as skips, named and ordered like a torch export's up-block resnets: `/up_blocks.0/Concat`
 * (h 32 channels = 4·8: FreeU's b1/s1), `/up_blocks.1/Concat` (h 16 = 2·8: b2/s2) and
 * `/up_blocks.1/Concat_1` (h 8: untouched), each Concat(h, skip) on axis 1; `conv_out` adds the
 * result to the clean latent, so FreeU changes `out_sample`.
 */

const RESNET = 'down_blocks.0.resnets.0';
const ATTENTION = 'down_blocks.1.attentions.0';
const CROSS_ATTENTION = `${ATTENTION}.transformer_blocks.0.attn2`;
import { GraphBuilder, type Dim } from '../onnx-graph-builder.ts';
import type { WeightRng } from './seeded-weights.ts';
import { AnonymousWeights, scopedNode, scopedNodeName } from './torch-names.ts';
import { sigmaTable } from '../../schedulers/sigma-table.ts';

export type TimestepKind = 'int64' | 'float32-scalar' | 'float32-1d';

export interface UnetShape {
  /** encoder_hidden_states width (te1 hidden + te2 hidden). */
  context: number;
  /** text_embeds width. */
  pooled: number;
  /** attention query/key width. */
  attention: number;
  /** time_ids width: 6 (SDXL) or 5 (SDXL refiner: sizes + aesthetic score). Default 6. */
  timeIds?: 5 | 6;
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

/** float32 [B,4,h,w]: the up-block path's contribution to the clean latent (see the file comment). */
function upBlockPath(g: GraphBuilder, sample: string, rand: WeightRng): string {
  const conv = (
    module: string,
    input: string,
    out: number,
    inC: number,
    kernel: 1 | 3,
    std = 1 / Math.sqrt(inC * kernel * kernel),
  ) =>
    scopedNode(
      g,
      module,
      'Conv',
      [
        input,
        g.weight(`${module}.weight`, [out, inC, kernel, kernel], rand(out * inC * kernel * kernel, std)),
        g.weight(`${module}.bias`, [out], rand(out, 0.1)),
      ],
      kernel === 3 ? { pads: [1, 1, 1, 1] } : {},
    );
  const tanh = (x: string) => g.node('Tanh', [x]);
  const concat = (block: number, op: string, h: string, skip: string) =>
    g.node('Concat', [h, skip], { axis: 1 }, undefined, scopedNodeName(`up_blocks.${block}`, op));
  const x0 = conv('conv_in', sample, 8, LATENT, 3, 0.4);
  const e1 = tanh(conv('down_blocks.1.resnets.0.conv1', x0, 16, 8, 1));
  const e2 = tanh(conv('down_blocks.2.resnets.0.conv1', e1, 32, 16, 1));
  const h0 = tanh(conv('mid_block.resnets.0.conv1', e2, 32, 32, 1));
  const h1 = tanh(conv('up_blocks.0.resnets.0.conv_shortcut', concat(0, 'Concat', h0, e2), 16, 64, 1));
  const h2 = tanh(conv('up_blocks.1.resnets.0.conv_shortcut', concat(1, 'Concat', h1, e1), 8, 32, 1));
  const h3 = tanh(conv('up_blocks.1.resnets.1.conv_shortcut', concat(1, 'Concat_1', h2, x0), 8, 16, 1));
  return conv('conv_out', h3, LATENT, 8, 3, 0.15);
}

/**
 * `upBlocks`, when given, adds the up-block path with weights from that generator (so `rand`'s other draws stay put).
 */
export function buildUnet(
  shape: UnetShape,
  timestep: TimestepKind,
  io: 'float32' | 'float16',
  rand: WeightRng,
  upBlocks?: WeightRng,
): GraphBuilder {
  const { context: D, pooled: P, attention: C } = shape;
  const ids = shape.timeIds ?? 6;
  const g = new GraphBuilder('tiny_unet', io);
  const sampleDims: Dim[] = ['batch_size', LATENT, 'height', 'width'];
  const sample = g.input('sample', 'float', sampleDims);
  const t =
    timestep === 'int64'
      ? g.input('timestep', 'int64', ['steps'])
      : g.input('timestep', 'float', timestep === 'float32-scalar' ? [] : [1]);
  const context = g.input('encoder_hidden_states', 'float', ['batch_size', 'sequence_length', D]);
  const textEmbeds = g.input('text_embeds', 'float', ['batch_size', P]);
  const timeIds = g.input('time_ids', 'float', ['batch_size', ids]);

  const linears = new AnonymousWeights(9000);
  const conv = scopedNode(
    g,
    `${RESNET}.conv1`,
    'Conv',
    [
      sample,
      g.weight(`${RESNET}.conv1.weight`, [LATENT, LATENT, 3, 3], smoothingKernel(rand)),
      g.weight(`${RESNET}.conv1.bias`, [LATENT], rand(LATENT, 0.05)),
    ],
    { pads: [1, 1, 1, 1] },
  );

  // Cross-attention: queries [B,hw,C] from the sample, keys [B,S,C] and values [B,S,4] from the prompt.
  const projected = scopedNode(g, `${ATTENTION}.proj_in`, 'Conv', [
    sample,
    g.weight(`${ATTENTION}.proj_in.weight`, [C, LATENT, 1, 1], rand(C * LATENT, 1)),
    g.weight(`${ATTENTION}.proj_in.bias`, [C], rand(C, 0.5)),
  ]);
  const hidden = g.node('Transpose', [g.node('Reshape', [projected, g.ints([0, C, -1])])], { perm: [0, 2, 1] });
  const identity = new Float32Array(C * C);
  for (let i = 0; i < C; i++) identity[i * C + i] = 1;
  const queries = linears.linear(g, `${CROSS_ATTENTION}.to_q`, hidden, [C, C], identity);
  const keys = g.node(
    'Transpose',
    [linears.linear(g, `${CROSS_ATTENTION}.to_k`, context, [D, C], rand(D * C, 1 / Math.sqrt(D)))],
    { perm: [0, 2, 1] },
  );
  const scores = g.node('Mul', [g.node('MatMul', [queries, keys]), g.scalar(1 / Math.sqrt(C))]);
  const weights = g.node('Softmax', [scores], { axis: -1 });
  const values = linears.linear(
    g,
    `${CROSS_ATTENTION}.to_v`,
    context,
    [D, LATENT],
    rand(D * LATENT, 1.5 / Math.sqrt(D)),
  );
  const attended = g.node('Transpose', [g.node('MatMul', [weights, values])], { perm: [0, 2, 1] });
  const attention = g.node('Reshape', [attended, g.node('Shape', [sample])]);

  // Conditioning embedding [B,4] → [B,4,1,1]; a [1]/[]-shaped timestep broadcasts over the batch.
  const tFloat = g.node('Reshape', [g.node('Cast', [t], { to: 1 }), g.ints([-1, 1])]);
  const tEmb = g.node('Sin', [
    g.node('Mul', [
      tFloat,
      g.weight('time_proj.frequencies', [1, LATENT], Float32Array.from([0.0021, 0.0047, 0.0093, 0.0151])),
    ]),
  ]);
  const pEmb = linears.linear(
    g,
    'add_embedding.linear_1',
    textEmbeds,
    [P, LATENT],
    rand(P * LATENT, 0.5 / Math.sqrt(P)),
  );
  const scaledIds = g.node('Mul', [timeIds, g.scalar(1 / 1024)]);
  // Tiny's own shortcut (real SDXL embeds time_ids sinusoidally, then concatenates them into add_embedding).
  const idEmb = linears.linear(g, 'add_time_proj', scaledIds, [ids, LATENT], rand(ids * LATENT, 0.5));
  const emb = g.node('Unsqueeze', [g.node('Add', [g.node('Add', [tEmb, pEmb]), idEmb]), g.ints([2, 3])]);

  const conditioned = g.node('Add', [g.node('Add', [conv, attention]), emb]);
  const clean = g.node('Tanh', [
    upBlocks ? g.node('Add', [conditioned, upBlockPath(g, sample, upBlocks)]) : conditioned,
  ]);

  // σ(t) per row: round(clip(t)) indexes the 1000-entry table; shape [n,1] → [n,1,1,1] broadcasts over [B,4,h,w].
  const table = sigmaTable();
  const index = g.node('Cast', [g.node('Round', [g.node('Clip', [tFloat, g.scalar(0), g.scalar(table.length - 1)])])], {
    to: 7,
  });
  const sigma = g.node('Reshape', [
    g.node('Gather', [g.weight('sigma_table', [table.length], Float32Array.from(table)), index]),
    g.ints([-1, 1, 1, 1]),
  ]);
  const cInInverse = g.node('Sqrt', [g.node('Add', [g.node('Mul', [sigma, sigma]), g.scalar(1)])]);
  const noisy = g.node('Mul', [sample, cInInverse]);
  g.output(g.node('Div', [g.node('Sub', [noisy, clean]), sigma]), 'out_sample', sampleDims);
  return g;
}
