/**
 * Writes a tiny GPT-2-shaped expansion model folder for tests: vocab.json, merges.txt,
 * positive.txt, config.json and an ONNX decoder with optimum's I/O names. Random weights; the
 * point is the I/O contract, and that the with-past and no-past variants compute the same function:
 *
 *   x_t      = E[id_t] + P[pos_t]                                  float32 [B,S,D]
 *   k_i, v_i = x·Wk_i, x·Wv_i   as [B,H,S,Dh]  (the with-past variant caches these as
 *              past_key_values.i.key|value and concatenates the new token's)
 *   c        = cumsum_t(mask_t · Σ_i (k_i·Uk_i + v_i·Uv_i))            so logits depend on the whole prefix
 *   logits   = tanh(c)[last S_new positions] · W                   [B,S_new,V]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GraphBuilder, ELEM, type Dim } from '../models/onnx-graph-builder.ts';
import { createWeightRng } from '../models/tiny/seeded-weights.ts';
import type { EXPANSION_MODEL_NAMES } from './expansion-files.ts';
import { buildTinyVocab, TINY_POSITIVE_WORDS, TINY_PROMPT_WORDS } from './tiny-expansion-vocab.ts';

export { TINY_POSITIVE_WORDS, TINY_PROMPT_WORDS } from './tiny-expansion-vocab.ts';

export const TINY_EXPANSION_DIMS = { width: 16, heads: 2, layers: 2, positions: 512 } as const;

export interface TinyExpansionOptions {
  /** Declare past_key_values.* inputs and present.* outputs (optimum text-generation-with-past). Default false. */
  withPast?: boolean;
  /** Float I/O dtype (logits, pasts); the graph computes in float32. Default float32. */
  dtype?: 'float32' | 'float16';
  /** ONNX file name. Default model.onnx. */
  modelFile?: (typeof EXPANSION_MODEL_NAMES)[number];
  /**
   * Which declared shapes give the pasts' heads/head size: 'inputs' (static dims on the
   * past inputs), 'outputs' (only on the presents), 'none' (all symbolic). Default 'inputs'.
   */
  pastDims?: 'inputs' | 'outputs' | 'none';
  /** Write config.json (n_head, n_embd, n_positions). Default true. */
  writeConfig?: boolean;
  /** Declare position_ids as an input. Default true. */
  hasPositionIds?: boolean;
  /** Weight seed: two writes with the same seed compute the same function. Default 1234. */
  seed?: number;
  /**
   * Declare optimum's merged-decoder `use_cache_branch` (bool [1]); with past inputs only. The
   * pasts are multiplied by it, so a caller that sends false with a real cache gets other logits.
   */
  useCacheBranch?: boolean;
}

function buildGraph(vocabSize: number, options: Required<TinyExpansionOptions>): GraphBuilder {
  const { width: D, heads: H, layers, positions } = TINY_EXPANSION_DIMS;
  const Dh = D / H;
  const rand = createWeightRng(options.seed);
  // Drawn in one fixed order whatever the options, so every variant holds the same weights.
  const weights = {
    tokens: rand(vocabSize * D, 1),
    positions: rand(positions * D, 0.3),
    layers: Array.from({ length: layers }, () => ({
      wk: rand(D * D, 1 / Math.sqrt(D)),
      wv: rand(D * D, 1 / Math.sqrt(D)),
      uk: rand(D * D, 0.1),
      uv: rand(D * D, 0.1),
    })),
    head: rand(D * vocabSize, 3),
  };
  const g = new GraphBuilder(options.withPast ? 'tiny_gpt2_with_past' : 'tiny_gpt2', options.dtype);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const total = options.withPast ? 'past_sequence_length + sequence_length' : 'sequence_length';
  const mask = g.input('attention_mask', 'int64', ['batch_size', total]);
  const newLength = g.node('Neg', [g.node('Shape', [ids], { start: 1, end: 2 })]);
  /** The last `sequence_length` positions along axis 1. */
  const lastNew = (value: string): string => g.node('Slice', [value, newLength, g.ints([1_000_000]), g.ints([1])]);
  // Without a position_ids input, positions come from the mask as HF computes them: cumsum − 1.
  const positionIds = options.hasPositionIds
    ? g.input('position_ids', 'int64', ['batch_size', 'sequence_length'])
    : lastNew(g.node('Sub', [g.node('CumSum', [mask, g.ints([1])]), g.ints([1])]));
  const x = g.node('Add', [
    g.node('Gather', [g.weight('wte', [vocabSize, D], weights.tokens), ids]),
    g.node('Gather', [g.weight('wpe', [positions, D], weights.positions), positionIds]),
  ]);
  const pastDim = (axis: 'heads' | 'head_dim', forOutput: boolean): Dim => {
    const isStatic = options.pastDims === 'inputs' || (options.pastDims === 'outputs' && forOutput);
    return isStatic ? (axis === 'heads' ? H : Dh) : `${forOutput ? 'present' : 'past'}_${axis}`;
  };
  const terms: string[] = [];
  const cacheSwitch =
    options.withPast && options.useCacheBranch
      ? g.node('Cast', [g.input('use_cache_branch', 'bool', [1])], { to: ELEM.float32 })
      : null;
  weights.layers.forEach((layer, i) => {
    for (const [kind, w, u] of [
      ['key', layer.wk, layer.uk],
      ['value', layer.wv, layer.uv],
    ] as const) {
      let cache = g.node(
        'Transpose',
        [
          g.node('Reshape', [
            g.node('MatMul', [x, g.weight(`h.${i}.${kind}.weight`, [D, D], w)]),
            g.ints([0, 0, H, Dh]),
          ]),
        ],
        { perm: [0, 2, 1, 3] },
      );
      if (options.withPast) {
        const past = g.input(`past_key_values.${i}.${kind}`, 'float', [
          'batch_size',
          pastDim('heads', false),
          'past_sequence_length',
          pastDim('head_dim', false),
        ]);
        cache = g.node('Concat', [cacheSwitch ? g.node('Mul', [past, cacheSwitch]) : past, cache], { axis: 2 });
        g.output(cache, `present.${i}.${kind}`, [
          'batch_size',
          pastDim('heads', true),
          total,
          pastDim('head_dim', true),
        ]);
      }
      const flat = g.node('Reshape', [g.node('Transpose', [cache], { perm: [0, 2, 1, 3] }), g.ints([0, 0, D])]);
      terms.push(g.node('MatMul', [flat, g.weight(`h.${i}.${kind}.mix`, [D, D], u)]));
    }
  });
  const mixed = terms.reduce((a, b) => g.node('Add', [a, b]));
  const masked = g.node('Mul', [
    mixed,
    g.node('Unsqueeze', [g.node('Cast', [mask], { to: ELEM.float32 }), g.ints([2])]),
  ]);
  const summed = g.node('CumSum', [masked, g.ints([1])]);
  g.output(
    g.node('MatMul', [g.node('Tanh', [lastNew(summed)]), g.weight('lm_head', [D, vocabSize], weights.head)]),
    'logits',
    ['batch_size', 'sequence_length', vocabSize],
  );
  return g;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Writes a tiny GPT-2-shaped expansion model folder (vocab.json, merges.txt, positive.txt, model ONNX) for tests. */
export async function writeTinyExpansionModel(dir: string, options: TinyExpansionOptions = {}): Promise<void> {
  const resolved: Required<TinyExpansionOptions> = {
    withPast: options.withPast ?? false,
    dtype: options.dtype ?? 'float32',
    modelFile: options.modelFile ?? 'model.onnx',
    pastDims: options.pastDims ?? 'inputs',
    writeConfig: options.writeConfig ?? true,
    hasPositionIds: options.hasPositionIds ?? true,
    seed: options.seed ?? 1234,
    useCacheBranch: options.useCacheBranch ?? false,
  };
  const { vocab, merges, size } = buildTinyVocab([...TINY_POSITIVE_WORDS, ...TINY_PROMPT_WORDS]);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab));
  await writeFile(join(dir, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
  // Upper case, a blank line and a word that is no single token exercise the whitelist rules.
  const positive = TINY_POSITIVE_WORDS.map((word, i) => (i % 10 === 0 ? word[0].toUpperCase() + word.slice(1) : word));
  await writeFile(join(dir, 'positive.txt'), `${positive.join('\n')}\n\nnot-a-token\n`);
  if (resolved.writeConfig) {
    const { width, heads, layers, positions } = TINY_EXPANSION_DIMS;
    await writeFile(
      join(dir, 'config.json'),
      json({
        model_type: 'gpt2',
        n_embd: width,
        n_head: heads,
        n_layer: layers,
        n_positions: positions,
        vocab_size: size,
        eos_token_id: vocab['<|endoftext|>'],
      }),
    );
  }
  await writeFile(join(dir, resolved.modelFile), buildGraph(size, resolved).build().model);
}
