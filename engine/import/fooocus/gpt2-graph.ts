/**
 * A transformers GPT-2 state dict as an ONNX decoder with optimum's `text-generation-with-past` I/O, which
 * engine/expansion/gpt2-decoder.ts runs with a KV cache (one token per step after the prompt):
 *   in:  input_ids, position_ids int64 [B,S]; past_key_values.<i>.key|value float32 [B,H,P,Dh]
 *   out: logits float32 [B,S,V]; present.<i>.key|value [B,H,P+S,Dh]
 * GPT-2 as transformers computes it: x = wte[ids] + wpe[pos]; per layer h += c_proj(attn(ln_1(h))),
 * h += mlp(ln_2(h)), attention softmax(q kᵀ/√Dh + causal) v over the past and new keys, mlp =
 * c_proj(act(c_fc(·))); logits = ln_f(h)·wteᵀ (lm_head is tied to wte unless the file's differs). Conv1D
 * weights are stored [in, out]: they multiply as stored.
 */
import { FloatAttr, GraphBuilder } from '../../models/onnx-graph-builder.ts';
import type { FloatTensor } from '../../lora/safetensors.ts';
import { gelu, layerNorm, mergeHeads, splitHeads } from '../../ip-adapter/convert/graph-layers.ts';
import type { TensorSource } from '../tensor-source.ts';
import { ModelConversionError } from './conversion-error.ts';

export interface Gpt2Config {
  layers: number;
  heads: number;
  width: number;
  epsilon: number;
  activation: 'gelu_new' | 'gelu';
}

/** x·½·(1 + tanh(√(2/π)(x + 0.044715x³))): transformers' gelu_new, GPT-2's activation. */
function geluNew(g: GraphBuilder, x: string): string {
  const cube = g.node('Mul', [g.node('Mul', [x, x]), x]);
  const inner = g.node('Mul', [
    g.node('Add', [x, g.node('Mul', [cube, g.scalar(0.044715)])]),
    g.scalar(Math.sqrt(2 / Math.PI)),
  ]);
  return g.node('Mul', [g.node('Mul', [x, g.scalar(0.5)]), g.node('Add', [g.node('Tanh', [inner]), g.scalar(1)])]);
}

class Gpt2Weights {
  /** Source keys read, to name the ones the conversion did not use. */
  readonly used = new Set<string>();

  constructor(
    private readonly source: TensorSource,
    private readonly prefix: string,
  ) {}

  async read(name: string, shape: number[]): Promise<FloatTensor> {
    const key = `${this.prefix}${name}`;
    const info = this.source.tensors.get(key);
    if (!info) throw new ModelConversionError(this.source.path, `missing ${key} (a GPT-2 weight)`);
    this.used.add(key);
    if (info.shape.join(',') !== shape.join(','))
      throw new ModelConversionError(
        this.source.path,
        `${key} is [${info.shape.join(',')}]; config.json implies [${shape.join(',')}]`,
      );
    return this.source.readFloat32(key);
  }
}

/** x·W + b with a Conv1D weight [in, out] as stored. */
async function conv1d(
  g: GraphBuilder,
  w: Gpt2Weights,
  x: string,
  name: string,
  inDim: number,
  outDim: number,
): Promise<string> {
  const weight = await w.read(`${name}.weight`, [inDim, outDim]);
  const bias = await w.read(`${name}.bias`, [outDim]);
  return g.node('Add', [
    g.node('MatMul', [x, g.weight(`${name}.weight`, [inDim, outDim], weight.data)]),
    g.weight(`${name}.bias`, [outDim], bias.data),
  ]);
}

async function norm(
  g: GraphBuilder,
  w: Gpt2Weights,
  x: string,
  name: string,
  width: number,
  epsilon: number,
): Promise<string> {
  return layerNorm(g, x, name, await w.read(`${name}.weight`, [width]), await w.read(`${name}.bias`, [width]), epsilon);
}

/** The file's lm_head.weight when it is present and not equal to wte (an untied head), else null. */
async function lmHead(source: TensorSource, wte: Float32Array, shape: number[]): Promise<Float32Array | null> {
  const info = source.tensors.get('lm_head.weight');
  if (!info) return null;
  if (info.shape.join(',') !== shape.join(','))
    throw new ModelConversionError(
      source.path,
      `lm_head.weight is [${info.shape.join(',')}]; wte is [${shape.join(',')}]`,
    );
  const head = (await source.readFloat32('lm_head.weight')).data;
  return head.every((v, i) => Object.is(v, wte[i])) ? null : head;
}

export async function buildGpt2Graph(
  source: TensorSource,
  config: Gpt2Config,
): Promise<{ graph: GraphBuilder; vocab: number; positions: number }> {
  const prefix = source.tensors.has('transformer.wte.weight') ? 'transformer.' : '';
  const wteInfo = source.tensors.get(`${prefix}wte.weight`);
  const wpeInfo = source.tensors.get(`${prefix}wpe.weight`);
  if (!wteInfo || !wpeInfo)
    throw new ModelConversionError(
      source.path,
      `not a GPT-2 state dict: no transformer.wte.weight / wpe.weight (found ${[...source.tensors.keys()].slice(0, 4).join(', ')}…)`,
    );
  const { width: D, heads: H, layers, epsilon } = config;
  if (D % H !== 0) throw new ModelConversionError(source.path, `n_embd ${D} is not a multiple of n_head ${H}`);
  const [vocab] = wteInfo.shape;
  const [positions] = wpeInfo.shape;
  const w = new Gpt2Weights(source, prefix);
  const g = new GraphBuilder('fooocus_expansion_gpt2');
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const wteData = (await w.read('wte.weight', [vocab, D])).data;
  const wte = g.weight('wte.weight', [vocab, D], wteData);
  let h = g.node('Add', [
    g.node('Gather', [wte, ids]),
    g.node('Gather', [
      g.weight('wpe.weight', [positions, D], (await w.read('wpe.weight', [positions, D])).data),
      positionIds,
    ]),
  ]);
  const dh = D / H;
  const past = (i: number, kind: 'key' | 'value') =>
    g.input(`past_key_values.${i}.${kind}`, 'float', ['batch_size', H, 'past_sequence_length', dh]);
  const pasts = Array.from({ length: layers }, (_, i) => ({ key: past(i, 'key'), value: past(i, 'value') }));
  // Causal bias [S, P+S]: new token s sees keys t ≤ P + s (0), not later ones (−1e9; transformers fills masked
  // scores with the dtype's min). Trilu keeps j − i ≤ k, with k = P.
  const newLength = g.node('Shape', [ids], { start: 1, end: 2 });
  const pastLength = g.node('Shape', [pasts[0].key], { start: 2, end: 3 });
  const rectangle = g.node('Concat', [newLength, g.node('Add', [pastLength, newLength])], { axis: 0 });
  const lower = g.node(
    'Trilu',
    [g.node('Expand', [g.scalar(1), rectangle]), g.node('Squeeze', [pastLength, g.ints([0])])],
    {
      upper: 0,
    },
  );
  const causal = g.node('Mul', [g.node('Sub', [lower, g.scalar(1)]), g.scalar(1e9)]);
  for (let i = 0; i < layers; i++) {
    const p = `h.${i}`;
    const qkv = await conv1d(g, w, await norm(g, w, h, `${p}.ln_1`, D, epsilon), `${p}.attn.c_attn`, D, 3 * D);
    const part = (k: number) =>
      splitHeads(g, g.node('Slice', [qkv, g.ints([k * D]), g.ints([(k + 1) * D]), g.ints([2])]), H, dh);
    const key = g.node('Concat', [pasts[i].key, part(1)], { axis: 2 });
    const value = g.node('Concat', [pasts[i].value, part(2)], { axis: 2 });
    for (const [kind, cache] of [
      ['key', key],
      ['value', value],
    ] as const)
      g.output(cache, `present.${i}.${kind}`, ['batch_size', H, 'total_sequence_length', dh]);
    const scores = g.node('Mul', [
      g.node('MatMul', [part(0), g.node('Transpose', [key], { perm: [0, 1, 3, 2] })]),
      g.scalar(1 / Math.sqrt(dh)),
    ]);
    const attended = g.node('MatMul', [g.node('Softmax', [g.node('Add', [scores, causal])], { axis: -1 }), value]);
    h = g.node('Add', [h, await conv1d(g, w, mergeHeads(g, attended, H, dh), `${p}.attn.c_proj`, D, D)]);
    const fc = await conv1d(g, w, await norm(g, w, h, `${p}.ln_2`, D, epsilon), `${p}.mlp.c_fc`, D, 4 * D);
    const act = config.activation === 'gelu_new' ? geluNew(g, fc) : gelu(g, fc);
    h = g.node('Add', [h, await conv1d(g, w, act, `${p}.mlp.c_proj`, 4 * D, D)]);
  }
  const final = await norm(g, w, h, 'ln_f', D, epsilon);
  // lm_head is tied to wte (transformers saves it anyway, often as its own copy): Gemm with transB reads the
  // [V,D] matrix as stored, and a separate initializer is kept only when the file's lm_head really differs.
  const head = await lmHead(source, wteData, [vocab, D]);
  const flat = g.node('Reshape', [final, g.ints([-1, D])]);
  const logits2d = g.node('Gemm', [flat, head ? g.weight('lm_head.weight', [vocab, D], head) : wte], {
    transB: 1,
    alpha: new FloatAttr(1),
  });
  const outShape = g.node('Concat', [g.node('Shape', [ids]), g.ints([vocab])], { axis: 0 });
  g.output(g.node('Reshape', [logits2d, outShape]), 'logits', ['batch_size', 'sequence_length', vocab]);
  // transformers also saves the causal-mask buffers; anything else means another architecture or config.json.
  const unknown = [...source.tensors.keys()].filter(
    (k) => !w.used.has(k) && k !== 'lm_head.weight' && !/\.attn\.(masked_)?bias$/.test(k),
  );
  if (unknown.length > 0)
    throw new ModelConversionError(
      source.path,
      `keys this GPT-2 conversion (n_layer ${layers}) does not use: ${unknown.slice(0, 6).join(', ')} (${unknown.length} in all)`,
    );
  return { graph: g, vocab, positions };
}
