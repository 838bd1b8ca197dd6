/**
 * One conversion per kind of Fooocus file, each writing into the folder it is given (the import
 * cache's temporary entry) the files our finders load: see fooocus-imports.ts for where each is linked.
 */
import { convertClipVision, convertIpAdapter } from '../ip-adapter/convert/convert-files.ts';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SHARED_IP_NEGATIVE_FILE } from '../ip-adapter/ip-adapter-files.ts';
import { convertEsrganUpscaler } from './fooocus/esrgan-upscaler.ts';
import { convertExpansionModel } from './fooocus/gpt2-expansion.ts';
import { convertInpaintHead, convertInpaintPatch } from './fooocus/inpaint-files.ts';
import { importCheckpoint } from './checkpoint/import-checkpoint.ts';
import { importVae } from './checkpoint/import-vae.ts';
import type { FooocusFileKind } from './fooocus-folder.ts';

export interface ConvertRequest {
  source: string;
  outDir: string;
  modelsDir: string;
  log: (line: string) => void;
}

export type FooocusConverter = (request: ConvertRequest) => Promise<void>;

/** Folders inside a checkpoint's or VAE's cache entry (the import writes them atomically itself). */
export const CHECKPOINT_SUBFOLDER = 'checkpoint';
export const VAE_SUBFOLDER = 'vae';

/** Reports a long conversion in tenths: a real checkpoint takes minutes. */
function tenths(log: (line: string) => void, label: string): (done: number, total: number) => void {
  let shown = 0;
  return (done, total) => {
    const tenth = Math.floor((done / total) * 10);
    if (tenth > shown) {
      shown = tenth;
      log(`${label}: ${tenth * 10} %`);
    }
  };
}

/** Architecture facts a .bin cannot carry (safetensors may say them in metadata); the defaults fit Fooocus's files. */
export interface FooocusConversionOptions {
  /** IP-Adapter Resampler head width (default 64). */
  ipDimHead?: number;
  /** CLIP vision attention heads (default 16). */
  clipHeads?: number;
}

/** Inside a single-file import's cache entry: the file its link names. */
export const IMPORTED_ONNX_FILE = 'model.onnx';
export const IMPORTED_SAFETENSORS_FILE = 'model.safetensors';

export function fooocusConverters(
  options: FooocusConversionOptions = {},
): Partial<Record<FooocusFileKind, FooocusConverter>> {
  return {
    checkpoint: async ({ source, outDir, log }) => {
      await importCheckpoint(source, join(outDir, CHECKPOINT_SUBFOLDER), {
        log,
        onProgress: tenths(log, `Importing ${basename(source)}`),
      });
    },
    // float32 whatever the file stores: the stock SDXL VAE overflows in half precision.
    vae: async ({ source, outDir, log }) => {
      await importVae(source, join(outDir, VAE_SUBFOLDER), { dtype: 'float32', log, field: 'vae_name' });
    },
    upscaler: async ({ source, outDir }) => {
      await convertEsrganUpscaler(source, join(outDir, IMPORTED_ONNX_FILE));
    },
    'inpaint-head': async ({ source, outDir }) => {
      await convertInpaintHead(source, join(outDir, IMPORTED_SAFETENSORS_FILE));
    },
    'inpaint-patch': async ({ source, outDir }) => {
      await convertInpaintPatch(source, join(outDir, IMPORTED_SAFETENSORS_FILE));
    },
    'ip-adapter': async ({ source, outDir }) => {
      // Fooocus keeps the adapters' shared negative embedding beside them.
      const negative = join(dirname(source), SHARED_IP_NEGATIVE_FILE);
      const hasNegative = (await stat(negative).catch(() => null))?.isFile() ?? false;
      await convertIpAdapter(source, outDir, { dimHead: options.ipDimHead, ...(hasNegative ? { negative } : {}) });
    },
    'clip-vision': async ({ source, outDir }) => {
      await convertClipVision(source, outDir, { heads: options.clipHeads });
    },
    expansion: async ({ source, outDir }) => {
      await convertExpansionModel(dirname(source), outDir);
    },
  };
}

export const FOOOCUS_CONVERTERS = fooocusConverters();
