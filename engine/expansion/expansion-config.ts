/**
 * The optional HF config files next to the expansion model. Fooocus's folder and optimum exports
 * carry both; each setting has a default when its file or key is absent.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PastHeads } from './gpt2-decoder.ts';

export interface ExpansionConfig {
  /**
   * transformers' `clean_up_tokenization_spaces` for decode. Fooocus's tokenizer_config.json does
   * not set it, and the transformers versions Fooocus pins (4.30–4.42) default it to true.
   */
  cleanUpTokenizationSpaces: boolean;
  /** From config.json n_head / n_embd: the first-step past shape when the ONNX metadata leaves it symbolic. */
  pastHeads: PastHeads | null;
  /** config.json n_positions: the longest sequence the model accepts (null = unknown). */
  maxPositions: number | null;
  warnings: string[];
}

async function readJsonObject(path: string, warnings: string[]): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  warnings.push(`${path} is not a JSON object; using defaults`);
  return null;
}

function positiveInt(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

export async function readExpansionConfig(dir: string): Promise<ExpansionConfig> {
  const warnings: string[] = [];
  const tokenizerConfig = await readJsonObject(join(dir, 'tokenizer_config.json'), warnings);
  const modelConfig = await readJsonObject(join(dir, 'config.json'), warnings);
  const cleanUp = tokenizerConfig?.clean_up_tokenization_spaces;
  const heads = positiveInt(modelConfig?.n_head ?? modelConfig?.num_attention_heads);
  const width = positiveInt(modelConfig?.n_embd ?? modelConfig?.hidden_size);
  return {
    cleanUpTokenizationSpaces: typeof cleanUp === 'boolean' ? cleanUp : true,
    pastHeads: heads !== null && width !== null && width % heads === 0 ? { heads, headDim: width / heads } : null,
    maxPositions: positiveInt(modelConfig?.n_positions ?? modelConfig?.n_ctx ?? modelConfig?.max_position_embeddings),
    warnings,
  };
}
