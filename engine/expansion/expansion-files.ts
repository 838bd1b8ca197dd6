/**
 * Finds an installed ONNX Fooocus V2 expansion model. Fooocus keeps it in
 * `models/prompt_expansion/fooocus_expansion/`; we also accept the files directly in
 * `models/prompt_expansion/` (DECISIONS §4). The model file names are the ones
 * `optimum-cli export onnx --task text-generation(-with-past)` writes; the first found wins.
 */
import { join } from 'node:path';
import { isFile } from '../models/registry.ts';

export interface ExpansionModelFiles {
  dir: string;
  model: string;
  vocab: string;
  merges: string;
  positive: string;
}

export const EXPANSION_MODEL_NAMES = ['model.onnx', 'decoder_model_merged.onnx', 'decoder_model.onnx'] as const;
const DATA_FILES = ['vocab.json', 'merges.txt', 'positive.txt'] as const;

interface FolderCheck {
  dir: string;
  model: string | null;
  missing: string[];
  /** Fooocus's own PyTorch weights: present means "export me", worth saying in the reason. */
  hasTorchWeights: boolean;
}

async function checkFolder(dir: string): Promise<FolderCheck> {
  let model: string | null = null;
  for (const name of EXPANSION_MODEL_NAMES) {
    if (await isFile(join(dir, name))) {
      model = join(dir, name);
      break;
    }
  }
  const missing: string[] = [];
  if (model === null) missing.push(EXPANSION_MODEL_NAMES.join(' or '));
  for (const file of DATA_FILES) if (!(await isFile(join(dir, file)))) missing.push(file);
  return { dir, model, missing, hasTorchWeights: await isFile(join(dir, 'pytorch_model.bin')) };
}

/**
 * The installed expansion model under `<modelsDir>/prompt_expansion`, or null with the reason (which file is missing)
 * when there is none.
 */
export async function findExpansionModel(
  modelsDir: string,
): Promise<{ files: ExpansionModelFiles } | { files: null; reason: string }> {
  const root = join(modelsDir, 'prompt_expansion');
  const checks = [await checkFolder(join(root, 'fooocus_expansion')), await checkFolder(root)];
  for (const check of checks) {
    if (check.model !== null && check.missing.length === 0) {
      return {
        files: {
          dir: check.dir,
          model: check.model,
          vocab: join(check.dir, 'vocab.json'),
          merges: join(check.dir, 'merges.txt'),
          positive: join(check.dir, 'positive.txt'),
        },
      };
    }
  }
  // Report on the folder that got furthest (fewest missing files; Fooocus's subfolder on a tie).
  const best = checks.reduce((a, b) => (b.missing.length < a.missing.length ? b : a));
  const torchHint = best.hasTorchWeights
    ? `; pytorch_model.bin is there: convert it with npm run models -- convert expansion ${best.dir}`
    : '';
  return {
    files: null,
    reason: `no Fooocus V2 expansion model in ${best.dir}: missing ${best.missing.join(', ')}${torchHint}`,
  };
}
