/**
 * Tiny CLIP-shaped text encoder with optimum's I/O names (onnx-sdxl-engine.md §1.2):
 * input_ids int64 [B,S] → last_hidden_state [B,S,H], pooler_output [B,H] (te1) or
 * text_embeds [B,P] (te2), hidden_states.0..N [B,S,H]. Pooling takes the state at the first
 * argmax id (the first EOS), as CLIP does, so padding ids matter.
 *
 * Weights carry the names optimum's CLIP exports use (torch-names.ts), so te1/te2 LoRAs apply to it:
 * `text_model.embeddings.token_embedding.weight`, `text_model.final_layer_norm.*`, and each tiny
 * layer's one Linear as `text_model.encoder.layers.N.self_attn.q_proj` (transposed anonymous
 * `onnx::MatMul_<n>` weight behind `/text_model/encoder/layers.N/self_attn/q_proj/MatMul`, named
 * bias); te2's projection is `/text_projection/MatMul`.
 */
import { FloatAttr, GraphBuilder } from '../onnx-graph-builder.ts';
import type { WeightRng } from './seeded-weights.ts';
import { AnonymousWeights, scopedNode } from './torch-names.ts';

export const CLIP_VOCAB_SIZE = 49408;
export const CLIP_MAX_POSITIONS = 77;

export interface TextEncoderShape {
  hidden: number;
  layers: number;
  /** te2 only: projected pooled width (`text_embeds`). */
  projection?: number;
}

export function buildTextEncoder(
  name: string,
  shape: TextEncoderShape,
  io: 'float32' | 'float16',
  rand: WeightRng,
): GraphBuilder {
  const { hidden: H, layers } = shape;
  const g = new GraphBuilder(name, io);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const linears = new AnonymousWeights(2000);
  const tokens = scopedNode(g, 'text_model.embeddings.token_embedding', 'Gather', [
    g.weight('text_model.embeddings.token_embedding.weight', [CLIP_VOCAB_SIZE, H], rand(CLIP_VOCAB_SIZE * H, 1)),
    ids,
  ]);
  const seqLen = g.node('Shape', [ids], { start: 1, end: 2 });
  const positions = g.node('Slice', [
    g.weight(
      'text_model.embeddings.position_embedding.weight',
      [CLIP_MAX_POSITIONS, H],
      rand(CLIP_MAX_POSITIONS * H, 0.3),
    ),
    g.ints([0]),
    seqLen,
    g.ints([0]),
  ]);
  let state = g.node('Add', [tokens, positions]);
  const states: string[] = [state];
  for (let k = 1; k <= layers; k++) {
    const weight = rand(H * H, 1 / Math.sqrt(H));
    const act = g.node('Tanh', [
      linears.linear(g, `text_model.encoder.layers.${k - 1}.self_attn.q_proj`, state, [H, H], weight, rand(H, 0.1)),
    ]);
    state = g.node('Add', [state, act]);
    states.push(state);
  }
  const last = scopedNode(
    g,
    'text_model.final_layer_norm',
    'LayerNormalization',
    [
      state,
      g.weight('text_model.final_layer_norm.weight', [H], new Float32Array(H).fill(1)),
      g.weight('text_model.final_layer_norm.bias', [H], new Float32Array(H)),
    ],
    { axis: -1, epsilon: new FloatAttr(1e-5) },
  );
  const eos = g.node('ArgMax', [ids], { axis: 1, keepdims: 1 });
  const pooled = g.node('GatherND', [last, eos], { batch_dims: 1 });
  if (shape.projection !== undefined) {
    const P = shape.projection;
    g.output(linears.linear(g, 'text_projection', pooled, [H, P], rand(H * P, 1 / Math.sqrt(H))), 'text_embeds', [
      'batch_size',
      P,
    ]);
    g.output(last, 'last_hidden_state', ['batch_size', 'sequence_length', H]);
  } else {
    g.output(last, 'last_hidden_state', ['batch_size', 'sequence_length', H]);
    g.output(pooled, 'pooler_output', ['batch_size', H]);
  }
  states.forEach((s, k) => g.output(s, `hidden_states.${k}`, ['batch_size', 'sequence_length', H]));
  return g;
}
