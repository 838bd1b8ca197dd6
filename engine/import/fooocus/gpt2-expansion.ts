/**
 * Fooocus V2's expansion model (`prompt_expansion/fooocus_expansion/`: a transformers GPT-2
 * `pytorch_model.bin` + `config.json` + vocab.json, merges.txt, positive.txt) → the folder
 * expansion-files.ts finds: `model.onnx` (+ `model.onnx_data`, the graph of gpt2-graph.ts with optimum's
 * with-past I/O) and the text files copied beside it. The source folder is only read.
 */
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isFile } from '../../models/registry.ts';
import { withTensorSource } from '../tensor-source.ts';
import { ModelConversionError } from './conversion-error.ts';
import { buildGpt2Graph, type Gpt2Config } from './gpt2-graph.ts';
import { writeGraphStaged, writeStaged } from './staged-files.ts';

export const EXPANSION_SOURCE_WEIGHTS = 'pytorch_model.bin';
const REQUIRED_TEXT_FILES = ['vocab.json', 'merges.txt', 'positive.txt'] as const;
const OPTIONAL_TEXT_FILES = ['config.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

export type { Gpt2Config } from './gpt2-graph.ts';

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
  const built = await withTensorSource(weights, (source) => buildGpt2Graph(source, config));
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
