/**
 * The demo describe models written on first start (DECISIONS §4), each with the I/O of the real
 * export and hand-set weights instead of trained ones, so every reply made with them is plain
 * about being a demo:
 * - a WD14-shaped tagger (`input` float32 [N,448,448,3] BGR 0..255 → `output` [N,T] sigmoid
 *   scores) whose CSV has rating, general and character sections; it scores a few colour and
 *   background tags from the image's mean colour;
 * - a transformers.js-shaped captioner (`onnx/encoder_model.onnx`: pixel_values [N,3,384,384] →
 *   last_hidden_state [N,1,3]; `onnx/decoder_model.onnx`: input_ids + encoder_hidden_states →
 *   logits [N,S,V]; WordPiece tokenizer.json) that writes "a tiny demo caption of an image that is
 *   mostly <red|green|blue>." from a token chain and the image's dominant colour.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GraphBuilder } from '../models/onnx-graph-builder.ts';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

/** [name, category, bias, weights on (B, G, R) in 0..1] — the CSV order is the model's output order. */
const DEMO_TAGS: [string, string, number, [number, number, number]][] = [
  ['general', '9', 2, [0, 0, 0]],
  ['sensitive', '9', -3, [0, 0, 0]],
  ['questionable', '9', -3, [0, 0, 0]],
  ['explicit', '9', -3, [0, 0, 0]],
  ['no_humans', '0', 1.5, [0, 0, 0]],
  ['simple_background', '0', 0.5, [0, 0, 0]],
  ['white_background', '0', -6, [8 / 3, 8 / 3, 8 / 3]],
  ['red_theme', '0', -2, [-4, -4, 8]],
  ['green_theme', '0', -2, [-4, 8, -4]],
  ['blue_theme', '0', -2, [8, -4, -4]],
  ['still_life_(demo)', '0', -0.3, [0, 0, 0]],
  ['demo_character_(tiny)', '4', 3, [0, 0, 0]],
];

export const TINY_TAGGER_SIZE = 448;

export function tinyTaggerCsv(): string {
  const rows = DEMO_TAGS.map(([name, category], i) => `${i},${name},${category},0`);
  return ['tag_id,name,category,count', ...rows].join('\n') + '\n';
}

export function buildTinyTagger(): GraphBuilder {
  const g = new GraphBuilder('tiny_wd14_tagger_demo');
  const input = g.input('input', 'float', ['batch', TINY_TAGGER_SIZE, TINY_TAGGER_SIZE, 3]);
  const mean = g.node('Mul', [g.node('ReduceMean', [input], { axes: [1, 2], keepdims: 0 }), g.scalar(1 / 255)]);
  const weights = new Float32Array(3 * DEMO_TAGS.length);
  DEMO_TAGS.forEach(([, , , w], t) => w.forEach((v, c) => (weights[c * DEMO_TAGS.length + t] = v)));
  const scores = g.node('MatMul', [mean, g.weight('head.weight', [3, DEMO_TAGS.length], weights)]);
  const logits = g.node('Add', [
    scores,
    g.weight(
      'head.bias',
      [DEMO_TAGS.length],
      DEMO_TAGS.map((t) => t[2]),
    ),
  ]);
  g.output(g.node('Sigmoid', [logits]), 'output', ['batch', DEMO_TAGS.length]);
  return g;
}

const WORDS: readonly string[] = [
  ...['[PAD]', '[BOS]', '[EOS]', 'a', 'tiny', 'demo', 'caption', 'of', 'an', 'image', 'that', 'is', 'mostly'],
  ...['red', 'green', 'blue', '.'],
];
const id = (word: string): number => WORDS.indexOf(word);
const CHAIN = ['[BOS]', 'a', 'tiny', 'demo', 'caption', 'of', 'an', 'image', 'that', 'is', 'mostly'];
const COLOURS = ['red', 'green', 'blue'];
const CHAIN_LOGIT = 20;
const COLOUR_GAIN = 30;

export function tinyCaptionerTokenizer(): Record<string, unknown> {
  const special = new Set(['[PAD]', '[BOS]', '[EOS]']);
  return {
    version: '1.0',
    added_tokens: WORDS.flatMap((content, i) => {
      const flags = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
      return special.has(content) ? [{ id: i, content, ...flags }] : [];
    }),
    normalizer: null,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    model: {
      type: 'WordPiece',
      unk_token: '[PAD]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(WORDS.map((w, i) => [w, i])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
  };
}

export function buildTinyCaptionEncoder(): GraphBuilder {
  const g = new GraphBuilder('tiny_caption_encoder_demo');
  const pixels = g.input('pixel_values', 'float', ['batch', 3, 384, 384]);
  // Undo the CLIP normalisation so the hidden state is the mean colour in 0..1.
  const scaled = g.node('Mul', [pixels, g.weight('std', [1, 3, 1, 1], CLIP_STD)]);
  const raw = g.node('Add', [scaled, g.weight('mean', [1, 3, 1, 1], CLIP_MEAN)]);
  const colour = g.node('ReduceMean', [raw], { axes: [2, 3], keepdims: 0 });
  g.output(g.node('Unsqueeze', [colour, g.ints([1])]), 'last_hidden_state', ['batch', 1, 3]);
  return g;
}

export function buildTinyCaptionDecoder(): GraphBuilder {
  const v = WORDS.length;
  const g = new GraphBuilder('tiny_caption_decoder_demo');
  const ids = g.input('input_ids', 'int64', ['batch', 'sequence']);
  const hidden = g.input('encoder_hidden_states', 'float', ['batch', 'encoder_sequence', 3]);
  const identity = new Float32Array(v * v);
  for (let i = 0; i < v; i++) identity[i * v + i] = 1;
  const transitions = new Float32Array(v * v);
  for (let k = 0; k + 1 < CHAIN.length; k++) transitions[id(CHAIN[k]) * v + id(CHAIN[k + 1])] = CHAIN_LOGIT;
  for (const colour of COLOURS) {
    transitions[id('mostly') * v + id(colour)] = CHAIN_LOGIT;
    transitions[id(colour) * v + id('.')] = CHAIN_LOGIT;
  }
  transitions[id('.') * v + id('[EOS]')] = CHAIN_LOGIT;
  const gate = new Float32Array(v);
  gate[id('mostly')] = 1;
  // Each colour word gains COLOUR_GAIN × (its channel − the mean of the three).
  const colourWeights = new Float32Array(3 * v);
  COLOURS.forEach((colour, k) => {
    for (let c = 0; c < 3; c++) colourWeights[c * v + id(colour)] = COLOUR_GAIN * ((c === k ? 1 : 0) - 1 / 3);
  });
  const oneHot = g.node('Gather', [g.weight('embed_tokens.weight', [v, v], identity), ids]);
  const chain = g.node('MatMul', [oneHot, g.weight('lm_head.weight', [v, v], transitions)]);
  const isColourSlot = g.node('MatMul', [oneHot, g.weight('colour_gate.weight', [v, 1], gate)]);
  const imageColour = g.node('ReduceMean', [hidden], { axes: [1], keepdims: 1 });
  const colourLogits = g.node('MatMul', [imageColour, g.weight('colour_head.weight', [3, v], colourWeights)]);
  g.output(g.node('Add', [chain, g.node('Mul', [isColourSlot, colourLogits])]), 'logits', ['batch', 'sequence', v]);
  return g;
}

async function writeStaged(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const staging = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Date.now()}`);
  try {
    await writeFile(staging, bytes);
    await rename(staging, path);
  } finally {
    await rm(staging, { force: true });
  }
}

/** `dir`: models/describe/tiny-tagger-demo. The CSV goes first: the model file is what makes the folder count. */
export async function writeTinyTagger(dir: string): Promise<void> {
  await writeStaged(join(dir, 'selected_tags.csv'), tinyTaggerCsv());
  await writeStaged(join(dir, 'model.onnx'), buildTinyTagger().build().model);
}

/** `dir`: models/describe/tiny-caption-demo. The decoder goes last: it completes the folder. */
export async function writeTinyCaptioner(dir: string): Promise<void> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  const tokens = { decoder_start_token_id: id('[BOS]'), eos_token_id: id('[EOS]'), pad_token_id: id('[PAD]') };
  const config = { model_type: 'vision-encoder-decoder', tiny_demo: true, ...tokens };
  await writeStaged(join(dir, 'config.json'), json(config));
  await writeStaged(
    join(dir, 'preprocessor_config.json'),
    json({
      do_resize: true,
      size: { height: 384, width: 384 },
      resample: 3,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      image_mean: CLIP_MEAN,
      image_std: CLIP_STD,
    }),
  );
  await writeStaged(join(dir, 'tokenizer.json'), json(tinyCaptionerTokenizer()));
  await writeStaged(join(dir, 'onnx', 'encoder_model.onnx'), buildTinyCaptionEncoder().build().model);
  await writeStaged(join(dir, 'onnx', 'decoder_model.onnx'), buildTinyCaptionDecoder().build().model);
}
