/**
 * A Fooocus `models/` folder as Fooocus itself lays it out, read without writing to it: which
 * folder holds which kind of model (Fooocus's defaults, overridden by the `path_*` keys of its
 * `config.txt` when one sits in the folder or its parent), and which files in them we can use.
 * Pure file-system reads.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { modelEntries } from '../models/registry.ts';

/** What a file of Fooocus's models folder is to us; each kind has one conversion (fooocus-imports.ts). */
export type FooocusFileKind =
  | 'checkpoint'
  | 'vae'
  | 'lora'
  | 'embedding'
  | 'upscaler'
  | 'inpaint-head'
  | 'inpaint-patch'
  | 'control-lora'
  | 'ip-adapter'
  | 'ip-negative'
  | 'clip-vision'
  | 'expansion';

/** Fooocus's folder settings (config.txt keys) and their defaults under models/. */
const FOLDER_KEYS = {
  checkpoints: ['path_checkpoints', 'checkpoints'],
  loras: ['path_loras', 'loras'],
  embeddings: ['path_embeddings', 'embeddings'],
  vae: ['path_vae', 'vae'],
  upscale_models: ['path_upscale_models', 'upscale_models'],
  inpaint: ['path_inpaint', 'inpaint'],
  controlnet: ['path_controlnet', 'controlnet'],
  clip_vision: ['path_clip_vision', 'clip_vision'],
  fooocus_expansion: ['path_fooocus_expansion', 'prompt_expansion/fooocus_expansion'],
} as const;
export type FooocusFolderName = keyof typeof FOLDER_KEYS;
export type FooocusFolders = Record<FooocusFolderName, string[]>;

export interface FooocusFile {
  kind: FooocusFileKind;
  /** The name Fooocus lists it by (file name, as clients send it). */
  name: string;
  path: string;
}

export interface FooocusLayout {
  root: string;
  /** The config.txt whose paths were used, if any. */
  configFile: string | null;
  folders: FooocusFolders;
}

export class FooocusConfigError extends Error {
  override readonly name = 'FooocusConfigError';
}

async function readConfig(root: string): Promise<{ file: string; values: Record<string, unknown> } | null> {
  for (const file of [join(root, 'config.txt'), join(dirname(root), 'config.txt')]) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    try {
      const values: unknown = JSON.parse(text);
      if (values && typeof values === 'object' && !Array.isArray(values))
        return { file, values: values as Record<string, unknown> };
    } catch (error) {
      throw new FooocusConfigError(`${file}: not the JSON Fooocus writes (${(error as Error).message})`);
    }
    throw new FooocusConfigError(`${file}: not a JSON object`);
  }
  return null;
}

/** Folders per kind: config.txt's paths (relative ones against the Fooocus folder that holds config.txt). */
export async function readFooocusLayout(root: string): Promise<FooocusLayout> {
  const base = resolve(root);
  const config = await readConfig(base);
  const folders = {} as FooocusFolders;
  for (const [name, [key, fallback]] of Object.entries(FOLDER_KEYS) as [FooocusFolderName, readonly string[]][]) {
    const raw = config?.values[key];
    const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v) => typeof v === 'string') : [];
    folders[name] =
      listed.length > 0
        ? listed.map((p) => (isAbsolute(p) ? p : resolve(dirname(config!.file), p)))
        : [join(base, fallback)];
  }
  return { root: base, configFile: config?.file ?? null, folders };
}

const lower = (name: string) => name.toLowerCase();

/** The kind of a file found in one of Fooocus's folders, or null when it is not something we import. */
export function classifyFooocusFile(folder: FooocusFolderName, fileName: string): FooocusFileKind | null {
  const name = lower(fileName);
  const isSafetensors = name.endsWith('.safetensors');
  const isPickle = /\.(bin|pth|pt|ckpt)$/.test(name);
  switch (folder) {
    case 'checkpoints':
      return isSafetensors ? 'checkpoint' : null;
    case 'vae':
      return isSafetensors ? 'vae' : null;
    case 'loras':
      return isSafetensors ? 'lora' : null;
    case 'embeddings':
      return isSafetensors || isPickle ? 'embedding' : null;
    case 'upscale_models':
      return isPickle || isSafetensors ? 'upscaler' : null;
    case 'inpaint':
      if (name === 'fooocus_inpaint_head.pth') return 'inpaint-head';
      return name.endsWith('.fooocus.patch') ? 'inpaint-patch' : null;
    case 'controlnet':
      // Fooocus keeps its IP-Adapters and their shared negative embedding in the controlnet folder.
      if (name.startsWith('ip-adapter') && (isPickle || isSafetensors)) return 'ip-adapter';
      if (name === 'fooocus_ip_negative.safetensors') return 'ip-negative';
      return isSafetensors ? 'control-lora' : null;
    case 'clip_vision':
      return isSafetensors || isPickle ? 'clip-vision' : null;
    case 'fooocus_expansion':
      return name === 'pytorch_model.bin' ? 'expansion' : null;
  }
}

const FOLDER_NAMES: Record<string, FooocusFolderName> = {
  checkpoints: 'checkpoints',
  loras: 'loras',
  embeddings: 'embeddings',
  vae: 'vae',
  upscale_models: 'upscale_models',
  inpaint: 'inpaint',
  controlnet: 'controlnet',
  clip_vision: 'clip_vision',
  fooocus_expansion: 'fooocus_expansion',
};

/** A single file outside a scanned layout, classified by the Fooocus folder it sits in. */
export function classifyFooocusPath(path: string): FooocusFile | null {
  const folder = FOLDER_NAMES[basename(dirname(path))];
  const kind = folder ? classifyFooocusFile(folder, basename(path)) : null;
  return kind ? { kind, name: basename(path), path } : null;
}

/** Every file of the layout we can use, by Fooocus name, in folder then name order. */
export async function scanFooocusFiles(layout: FooocusLayout): Promise<FooocusFile[]> {
  const found: FooocusFile[] = [];
  for (const [folder, dirs] of Object.entries(layout.folders) as [FooocusFolderName, string[]][]) {
    for (const dir of dirs) {
      const entries = (await modelEntries(dir)).filter((e) => e.isFile && !e.name.startsWith('.'));
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const kind = classifyFooocusFile(folder, entry.name);
        if (kind) found.push({ kind, name: entry.name, path: join(dir, entry.name) });
      }
    }
  }
  return found;
}
