/**
 * CLIP text encoders as optimum exports them (onnx-sdxl-engine.md §1.2): `input_ids` int64 [B,S] →
 * te1 (CLIPTextModel): `last_hidden_state`, `pooler_output`, `hidden_states.0..N`;
 * te2 (CLIPTextModelWithProjection): `text_embeds`, `last_hidden_state`, `hidden_states.0..N`.
 * Pre-LN layers with causal self-attention (`text_model.encoder.layers.N.self_attn.{q,k,v,out}_proj`,
 * `layer_norm1/2`, `mlp.fc1/fc2`), `final_layer_norm`, pooling at the first argmax id (EOS), te2's
 * bias-free `text_projection`.
 */
import type { ClipArchitecture } from './sdxl-architecture.ts';
import { StreamingGraph, type FloatType, type WeightResolver } from './streaming-graph.ts';
import { attend, gelu, layerNorm, linear, quickGelu } from './torch-layers.ts';

export const CLIP_VOCAB = 49408;
export const CLIP_POSITIONS = 77;
/** Added above the diagonal; finite so it also fits float16. */
const MASKED = -10000;

export function buildClipTextEncoder(
  arch: ClipArchitecture,
  float: FloatType,
  name: string,
  anonymousStart: number,
  resolve?: WeightResolver,
): StreamingGraph {
  const g = new StreamingGraph(name, float, anonymousStart, resolve);
  const H = arch.hidden;
  const headDim = H / arch.heads;
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const embeddings = 'text_model.embeddings';
  const tokens = g.node(`${embeddings}.token_embedding`, 'Gather', [
    g.parameter(`${embeddings}.token_embedding.weight`, `${embeddings}.token_embedding.weight`, [CLIP_VOCAB, H], {
      kind: 'random',
      std: 0.02,
    }),
    ids,
  ]);
  const length = g.node(embeddings, 'Shape', [ids], { start: 1, end: 2 });
  const positions = g.node(embeddings, 'Slice', [
    g.parameter(
      `${embeddings}.position_embedding.weight`,
      `${embeddings}.position_embedding.weight`,
      [CLIP_POSITIONS, H],
      {
        kind: 'random',
        std: 0.01,
      },
    ),
    g.ints([0]),
    length,
    g.ints([0]),
  ]);
  let state = g.node(embeddings, 'Add', [tokens, positions]);

  // Causal mask [S,S]: a slice of the [77,77] constant, as the sequence length is dynamic.
  const mask = new Array<number>(CLIP_POSITIONS * CLIP_POSITIONS).fill(0);
  for (let r = 0; r < CLIP_POSITIONS; r++)
    for (let c = r + 1; c < CLIP_POSITIONS; c++) mask[r * CLIP_POSITIONS + c] = MASKED;
  const causal = g.node('text_model', 'Slice', [
    g.constant(mask, [CLIP_POSITIONS, CLIP_POSITIONS]),
    g.ints([0, 0]),
    g.node('text_model', 'Concat', [length, length], { axis: 0 }),
    g.ints([0, 1]),
  ]);

  const states = [state];
  for (let k = 0; k < arch.layers; k++) {
    const layer = `text_model.encoder.layers.${k}`;
    const attn = `${layer}.self_attn`;
    const x = layerNorm(g, `${layer}.layer_norm1`, state, H);
    const q = linear(g, `${attn}.q_proj`, x, H, H);
    const kk = linear(g, `${attn}.k_proj`, x, H, H);
    const v = linear(g, `${attn}.v_proj`, x, H, H);
    state = g.node(layer, 'Add', [
      state,
      linear(g, `${attn}.out_proj`, attend(g, attn, q, kk, v, arch.heads, headDim, causal), H, H, { gain: 0.5 }),
    ]);
    const y = linear(g, `${layer}.mlp.fc1`, layerNorm(g, `${layer}.layer_norm2`, state, H), H, arch.intermediate);
    const act = arch.activation === 'gelu' ? gelu(g, `${layer}.mlp`, y) : quickGelu(g, `${layer}.mlp`, y);
    state = g.node(layer, 'Add', [state, linear(g, `${layer}.mlp.fc2`, act, arch.intermediate, H, { gain: 0.5 })]);
    states.push(state);
  }
  const last = layerNorm(g, 'text_model.final_layer_norm', state, H);
  const eos = g.node('text_model', 'ArgMax', [ids], { axis: 1, keepdims: 1 });
  const pooled = g.node('text_model', 'GatherND', [last, eos], { batch_dims: 1 });
  if (arch.projection !== undefined) {
    g.output(linear(g, 'text_projection', pooled, H, arch.projection, { bias: false }), 'text_embeds', [
      'batch_size',
      arch.projection,
    ]);
    g.output(last, 'last_hidden_state', ['batch_size', 'sequence_length', H]);
  } else {
    g.output(last, 'last_hidden_state', ['batch_size', 'sequence_length', H]);
    g.output(pooled, 'pooler_output', ['batch_size', H]);
  }
  states.forEach((s, k) => g.output(s, `hidden_states.${k}`, ['batch_size', 'sequence_length', H]));
  return g;
}
