/**
 * What is installed under the models folder. Pure file-system reads, no onnxruntime: the gateway
 * imports this to list models and resolve names without loading the engine.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export { readCheckpointConfig, SDXL_CONFIG, type CheckpointConfig } from './checkpoint-config.ts';

/** Folder name of the demo checkpoint written when none is installed (DECISIONS §4). */
export const TINY_DEMO_MODEL_NAME = 'tiny-sdxl-demo';

/** Suffixes Fooocus clients put on checkpoint names (they name .safetensors files). */
const CLIENT_SUFFIXES = ['.safetensors', '.ckpt', '.pth', '.onnx'];

/** A regular file at `path` (false for a folder or nothing). */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A folder entry with links followed: what a model finder needs to know of it. */
export interface ModelEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
}

/**
 * The entries of `dir` (none when it is missing), symbolic links followed: people link model folders in
 * from other disks, and imported models are links into models/.import-cache. A dangling link is skipped.
 */
export async function modelEntries(dir: string): Promise<ModelEntry[]> {
  let found: import('node:fs').Dirent[];
  try {
    found = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: ModelEntry[] = [];
  for (const entry of found) {
    if (!entry.isSymbolicLink()) {
      out.push({ name: entry.name, isFile: entry.isFile(), isDirectory: entry.isDirectory() });
      continue;
    }
    const target = await stat(join(dir, entry.name)).catch(() => null);
    if (target) out.push({ name: entry.name, isFile: target.isFile(), isDirectory: target.isDirectory() });
  }
  return out;
}

export function checkpointDir(modelsDir: string, name: string): string {
  return join(modelsDir, 'checkpoints', name);
}

/** Folders under checkpoints/ holding unet/model.onnx, sorted by code point (stable across locales). */
export async function listCheckpoints(modelsDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await modelEntries(join(modelsDir, 'checkpoints'))) {
    if (!entry.isDirectory || entry.name.startsWith('.')) continue;
    if (await isFile(join(modelsDir, 'checkpoints', entry.name, 'unet', 'model.onnx'))) names.push(entry.name);
  }
  return names.sort();
}

export const VAE_FOLDER = 'vae';

/** Folders under vae/ holding vae_decoder/model.onnx (a VAE for `vae_name`), sorted. */
export async function listVaes(modelsDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await modelEntries(join(modelsDir, VAE_FOLDER))) {
    if (!entry.isDirectory || entry.name.startsWith('.')) continue;
    if (await isFile(join(modelsDir, VAE_FOLDER, entry.name, 'vae_decoder', 'model.onnx'))) names.push(entry.name);
  }
  return names.sort();
}

/** File names of loras/*.safetensors, sorted. */
export async function listLoras(modelsDir: string): Promise<string[]> {
  return (await modelEntries(join(modelsDir, 'loras')))
    .filter((e) => e.isFile && e.name.toLowerCase().endsWith('.safetensors'))
    .map((e) => e.name)
    .sort();
}

/**
 * Maps a client-sent checkpoint name to an installed folder: exact match first, then without a
 * file suffix (`foo.safetensors` → `foo`), then case-insensitively. null when nothing matches.
 */
export function resolveCheckpointName(installed: readonly string[], requested: string): string | null {
  if (installed.includes(requested)) return requested;
  const suffix = CLIENT_SUFFIXES.find((s) => requested.toLowerCase().endsWith(s));
  const stem = suffix ? requested.slice(0, -suffix.length) : requested;
  if (installed.includes(stem)) return stem;
  const lower = stem.toLowerCase();
  return installed.find((name) => name.toLowerCase() === lower) ?? null;
}
