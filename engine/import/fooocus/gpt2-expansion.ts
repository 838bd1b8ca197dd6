/**
 * Fooocus V2's expansion model (`prompt_expansion/fooocus_expansion/`: a transformers GPT-2
 * `pytorch_model.bin` + `config.json` + vocab.json, merges.txt, positive.txt) → the folder
 * expansion-files.ts finds: `model.onnx` (+ `model.onnx_data`) with optimum's no-past I/O
 * (`input_ids`, `position_ids` int64 [B,S] → `logits` float32 [B,S,V], which gpt2-decoder.ts runs by
 * feeding the whole sequence each step) and the text files copied beside it. The source folder is
 * only read.
 * GPT-2 as transformers computes it: x = wte[ids] + wpe[pos]; per layer h += c_proj(attn(ln_1(h))),
 * h += mlp(ln_2(h)) with causal softmax(q kᵀ/√d) v and mlp = c_proj(act(c_fc(·))); logits = ln_f(h)·wteᵀ
 * (lm_head is tied to wte unless the file's differs). Conv1D weights are stored [in, out]: they multiply as stored.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isFile } from '../../models/registry.ts';
import { FloatAttr, GraphBuilder } from '../../models/onnx-graph-builder.ts';
import type { FloatTensor } from '../../lora/safetensors.ts';
import { gelu, layerNorm, mergeHeads, splitHeads } from '../../ip-adapter/convert/graph-layers.ts';
import { withTensorSource, type TensorSource } from '../tensor-source.ts';
import '../torch/torch-opener.ts';
import { ModelConversionError } from './conversion-error.ts';
import { writeGraphStaged, writeStaged } from './staged-files.ts';

export const EXPANSION_SOURCE_WEIGHTS = 'pytorch_model.bin';
const REQUIRED_TEXT_FILES = ['vocab.json', 'merges.txt', 'positive.txt'] as const;
const OPTIONAL_TEXT_FILES = ['config.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

export interface Gpt2Config {
  layers: number;
  heads: number;
  width: number;
  epsilon: number;
  activation: 'gelu_new' | 'gelu';
}

export interface ExpansionSummary extends Gpt2Config {
  vocab: number;
  positions: number;
  /** File names written in the output folder. */
  files: string[];
}

/** Where the engine looks for the converted model: `<modelsDir>/prompt_expansion/fooocus_expansion`. */
export function expansionTargetDir(modelsDir: string): string {
  return join(modelsDir, 'prompt_expansion', 'fooocus_expansion');
}

async function readConfig(dir: string): Promise<Gpt2Config> {
  const path = join(dir, 'config.json');
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ModelConversionError(path, `the GPT-2 config.json is missing or not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  const int = (key: string, fallback?: number): number => {
    const value = raw[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      throw new ModelConversionError(path, `${key} is ${JSON.stringify(value)}; a positive integer is needed`);
    return value;
  };
  if (raw.model_type !== undefined && raw.model_type !== 'gpt2')
    throw new ModelConversionError(path, `model_type is ${JSON.stringify(raw.model_type)}; only gpt2 is converted`);
  const activation = raw.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new' && activation !== 'gelu')
    throw new ModelConversionError(path, `activation_function ${JSON.stringify(activation)} is not gelu_new or gelu`);
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const)
    if (raw[flag] === true)
      throw new ModelConversionError(path, `${flag} is set; this conversion computes plain GPT-2 attention`);
  if (raw.scale_attn_weights === false)
    throw new ModelConversionError(path, 'scale_attn_weights is false; this conversion scales attention by 1/√d');
  const epsilon = typeof raw.layer_norm_epsilon === 'number' ? raw.layer_norm_epsilon : 1e-5;
  return { layers: int('n_layer'), heads: int('n_head'), width: int('n_embd'), epsilon, activation };
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
  constructor(
    private readonly source: TensorSource,
    private readonly prefix: string,
  ) {}

  async read(name: string, shape: number[]): Promise<FloatTensor> {
    const key = `${this.prefix}${name}`;
    const info = this.source.tensors.get(key);
    if (!info) throw new ModelConversionError(this.source.path, `missing ${key} (a GPT-2 weight)`);
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

async function buildGraph(
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
  // Causal bias [S,S]: 0 on and below the diagonal, −1e9 above (transformers fills masked scores with the dtype's min).
  const seq = g.node('Shape', [ids], { start: 1, end: 2 });
  const square = g.node('Concat', [seq, seq], { axis: 0 });
  const lower = g.node('Trilu', [g.node('Expand', [g.scalar(1), square])], { upper: 0 });
  const causal = g.node('Mul', [g.node('Sub', [lower, g.scalar(1)]), g.scalar(1e9)]);
  const dh = D / H;
  for (let i = 0; i < layers; i++) {
    const p = `h.${i}`;
    const qkv = await conv1d(g, w, await norm(g, w, h, `${p}.ln_1`, D, epsilon), `${p}.attn.c_attn`, D, 3 * D);
    const part = (k: number) =>
      splitHeads(g, g.node('Slice', [qkv, g.ints([k * D]), g.ints([(k + 1) * D]), g.ints([2])]), H, dh);
    const scores = g.node('Mul', [
      g.node('MatMul', [part(0), g.node('Transpose', [part(1)], { perm: [0, 1, 3, 2] })]),
      g.scalar(1 / Math.sqrt(dh)),
    ]);
    const attended = g.node('MatMul', [g.node('Softmax', [g.node('Add', [scores, causal])], { axis: -1 }), part(2)]);
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
  return { graph: g, vocab, positions };
}

/**
 * Converts the expansion folder `sourceDir` (pytorch_model.bin, config.json, vocab.json, merges.txt,
 * positive.txt) into `outDir` (model.onnx, model.onnx_data and the text files).
 */
export async function convertExpansionModel(sourceDir: string, outDir: string): Promise<ExpansionSummary> {
  const config = await readConfig(sourceDir);
  const weights = join(sourceDir, EXPANSION_SOURCE_WEIGHTS);
  const files: string[] = [];
  for (const name of [...REQUIRED_TEXT_FILES, ...OPTIONAL_TEXT_FILES]) {
    const from = join(sourceDir, name);
    if (await isFile(from)) files.push(name);
    else if ((REQUIRED_TEXT_FILES as readonly string[]).includes(name))
      throw new ModelConversionError(from, 'missing; the expansion model needs it beside the weights');
  }
  const built = await withTensorSource(weights, (source) => buildGraph(source, config));
  // Text files first, the model last: expansion-files.ts recognises the folder by its model.onnx.
  for (const name of files)
    await writeStaged(join(outDir, name), (staging) => copyFile(join(sourceDir, name), staging));
  const written = await writeGraphStaged(built.graph, join(outDir, 'model.onnx'));
  return {
    ...config,
    vocab: built.vocab,
    positions: built.positions,
    files: [...files, ...written.map((f) => basename(f))],
  };
}
