/**
 * The describe models under models/describe/ (DECISIONS §4):
 * - Anime: a WD14 tagger, as its Hugging Face repository lays it out (`<folder>/model.onnx` +
 *   `<folder>/selected_tags.csv`) or as Fooocus keeps it (`<name>.onnx` + `<name>.csv`);
 * - Photo: an image captioner in the layout transformers.js and optimum export
 *   (`<folder>/onnx/encoder_model.onnx` + `decoder_model.onnx` or `decoder_model_merged.onnx`,
 *   with `tokenizer.json`, `config.json`, `preprocessor_config.json` in the folder).
 * A real model wins over the tiny demo of its kind; the demo counts only while demo models are on.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export const DESCRIBE_FOLDER = 'describe';
export const TINY_DEMO_TAGGER_FOLDER = 'tiny-tagger-demo';
export const TINY_DEMO_CAPTIONER_FOLDER = 'tiny-caption-demo';

export interface TaggerFiles {
  model: string;
  tags: string;
  isDemo: boolean;
}

export interface CaptionerFiles {
  dir: string;
  encoder: string;
  decoder: string;
  /** optimum's merged decoder takes `use_cache_branch` and empty past key/values. */
  isMergedDecoder: boolean;
  isDemo: boolean;
}

const ENCODER_NAMES = [
  'encoder_model.onnx',
  'vision_encoder.onnx',
  'vision_model.onnx',
  'encoder_model_fp16.onnx',
  'encoder_model_quantized.onnx',
];
/** Full precision first; transformers.js repositories often add fp16 and quantized variants beside it. */
const DECODER_NAMES = [
  'decoder_model.onnx',
  'decoder_model_merged.onnx',
  'text_decoder_model.onnx',
  'decoder_model_fp16.onnx',
  'decoder_model_merged_fp16.onnx',
  'decoder_model_quantized.onnx',
  'decoder_model_merged_quantized.onnx',
];

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function entries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const found = await readdir(dir, { withFileTypes: true });
    const listed = found.map((e) => ({ name: e.name, isDir: e.isDirectory() }));
    return listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

async function firstFile(dirs: string[], names: string[]): Promise<string | null> {
  for (const name of names) for (const dir of dirs) if (await isFile(join(dir, name))) return join(dir, name);
  return null;
}

/** Real ones first (sorted by name), then the demo if allowed. */
function preferReal<T extends { isDemo: boolean }>(found: T[], isDemoAllowed: boolean): T | null {
  return found.find((f) => !f.isDemo) ?? (isDemoAllowed ? (found.find((f) => f.isDemo) ?? null) : null);
}

export async function findTagger(modelsDir: string, isDemoAllowed: boolean): Promise<TaggerFiles | null> {
  const root = join(modelsDir, DESCRIBE_FOLDER);
  const found: TaggerFiles[] = [];
  for (const entry of await entries(root)) {
    if (entry.isDir) {
      const model = join(root, entry.name, 'model.onnx');
      const tags = join(root, entry.name, 'selected_tags.csv');
      const isDemo = entry.name === TINY_DEMO_TAGGER_FOLDER;
      if ((await isFile(model)) && (await isFile(tags))) found.push({ model, tags, isDemo });
    } else if (entry.name.endsWith('.onnx')) {
      const tags = join(root, `${entry.name.slice(0, -'.onnx'.length)}.csv`);
      if (await isFile(tags)) found.push({ model: join(root, entry.name), tags, isDemo: false });
    }
  }
  return preferReal(found, isDemoAllowed);
}

export async function findCaptioner(modelsDir: string, isDemoAllowed: boolean): Promise<CaptionerFiles | null> {
  const root = join(modelsDir, DESCRIBE_FOLDER);
  const found: CaptionerFiles[] = [];
  for (const entry of await entries(root)) {
    if (!entry.isDir) continue;
    const dir = join(root, entry.name);
    if (!(await isFile(join(dir, 'tokenizer.json')))) continue;
    const places = [join(dir, 'onnx'), dir];
    const encoder = await firstFile(places, ENCODER_NAMES);
    const decoder = await firstFile(places, DECODER_NAMES);
    if (!encoder || !decoder) continue;
    const isDemo = entry.name === TINY_DEMO_CAPTIONER_FOLDER;
    found.push({ dir, encoder, decoder, isMergedDecoder: decoder.includes('merged'), isDemo });
  }
  return preferReal(found, isDemoAllowed);
}
