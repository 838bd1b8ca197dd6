/**
 * Which conversion a file of a Fooocus `models/` folder needs, by its place in that folder, and where
 * the result goes in ours (DECISIONS §4), so the server can list a Fooocus name and convert it on first
 * use through one call. Control-LoRAs, checkpoints, LoRAs and embeddings are other importers' files and
 * answer null here. Folder outputs are built under a staging name and renamed into place, so a listed
 * folder is always complete; the Fooocus folder is only read.
 */
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { convertClipVision, convertIpAdapter } from '../../ip-adapter/convert/convert-files.ts';
import { CLIP_VISION_FOLDER, IP_ADAPTER_FOLDER, SHARED_IP_NEGATIVE_FILE } from '../../ip-adapter/ip-adapter-files.ts';
import { convertEsrganUpscaler, upscalerTargetPath } from './esrgan-upscaler.ts';
import { convertExpansionModel, EXPANSION_SOURCE_WEIGHTS, expansionTargetDir } from './gpt2-expansion.ts';
import { convertInpaintHead, convertInpaintPatch, inpaintTargetPath } from './inpaint-files.ts';
import { stagingPath } from './staged-files.ts';

export type FooocusFileKind =
  'upscaler' | 'inpaint-head' | 'inpaint-patch' | 'ip-adapter' | 'clip-vision' | 'expansion';

export interface FooocusConversion {
  kind: FooocusFileKind;
  /** The Fooocus file (for the expansion: its pytorch_model.bin; the folder's other files are read too). */
  source: string;
  /** What the engine's finder reads: a file, or a folder for ip-adapter, clip-vision and expansion. */
  target: string;
  /** Runs the conversion; resolves with its summary. */
  convert(): Promise<unknown>;
}

/** Architecture facts a .bin cannot carry (safetensors may say them in metadata); the defaults fit Fooocus's files. */
export interface FooocusConversionOptions {
  /** IP-Adapter Resampler head width (default 64). */
  ipDimHead?: number;
  /** CLIP vision attention heads (default 16). */
  clipHeads?: number;
}

const WEIGHTS = /\.(bin|pth|pt|ckpt|safetensors)$/i;

function stem(path: string): string {
  return basename(path).replace(/\.[^.]+$/, '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Builds `dir` under a staging name and renames it into place (replacing an older conversion). */
async function intoFolder(dir: string, build: (staging: string) => Promise<unknown>): Promise<unknown> {
  await mkdir(dirname(dir), { recursive: true });
  const staging = stagingPath(dir);
  try {
    await mkdir(staging);
    const summary = await build(staging);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return summary;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The conversion of `relativePath` (as under Fooocus's `models/`, `/`-separated) into `modelsDir`, or
 * null when this module does not convert that file.
 */
export function planFooocusConversion(
  fooocusModelsDir: string,
  relativePath: string,
  modelsDir: string,
  options: FooocusConversionOptions = {},
): FooocusConversion | null {
  const parts = relativePath.split('/');
  const source = join(fooocusModelsDir, ...parts);
  const [folder, name] = [parts[0], parts[parts.length - 1]];
  if (folder === 'upscale_models' && parts.length === 2 && WEIGHTS.test(name)) {
    const target = upscalerTargetPath(modelsDir, name);
    return { kind: 'upscaler', source, target, convert: () => convertEsrganUpscaler(source, target) };
  }
  if (folder === 'inpaint' && parts.length === 2 && /^fooocus_inpaint_head\.(pth|pt|bin)$/i.test(name)) {
    const target = inpaintTargetPath(modelsDir, name);
    return { kind: 'inpaint-head', source, target, convert: () => convertInpaintHead(source, target) };
  }
  if (folder === 'inpaint' && parts.length === 2 && /\.fooocus\.patch$/i.test(name)) {
    const target = inpaintTargetPath(modelsDir, name);
    return { kind: 'inpaint-patch', source, target, convert: () => convertInpaintPatch(source, target) };
  }
  if (folder === 'controlnet' && parts.length === 2 && /^ip-adapter.*\.(bin|safetensors)$/i.test(name)) {
    const target = join(modelsDir, IP_ADAPTER_FOLDER, stem(name));
    const negative = join(fooocusModelsDir, 'controlnet', SHARED_IP_NEGATIVE_FILE);
    return {
      kind: 'ip-adapter',
      source,
      target,
      convert: async () => {
        const hasNegative = await exists(negative);
        return intoFolder(target, (dir) =>
          convertIpAdapter(source, dir, { dimHead: options.ipDimHead, ...(hasNegative ? { negative } : {}) }),
        );
      },
    };
  }
  if (folder === 'clip_vision' && parts.length === 2 && /\.(bin|safetensors)$/i.test(name)) {
    const target = join(modelsDir, CLIP_VISION_FOLDER, stem(name));
    return {
      kind: 'clip-vision',
      source,
      target,
      convert: () => intoFolder(target, (dir) => convertClipVision(source, dir, { heads: options.clipHeads })),
    };
  }
  if (relativePath === `prompt_expansion/fooocus_expansion/${EXPANSION_SOURCE_WEIGHTS}`) {
    const target = expansionTargetDir(modelsDir);
    return {
      kind: 'expansion',
      source,
      target,
      convert: () => intoFolder(target, (dir) => convertExpansionModel(dirname(source), dir)),
    };
  }
  return null;
}
