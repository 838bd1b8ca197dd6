/**
 * Which super-resolution model an upscale uses: an ONNX ESRGAN-family export under
 * `models/upscale_models/` (DECISIONS §4). A real one wins over the demo; several real ones are
 * taken in name order. Pure file-system reads.
 */
import { modelEntries } from '../models/registry.ts';
import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { TINY_DEMO_UPSCALER_FILE } from '../models/tiny-upscaler.ts';

export const UPSCALE_MODELS_FOLDER = 'upscale_models';

export interface UpscalerFile {
  path: string;
  name: string;
  isDemo: boolean;
}

export async function findUpscaler(modelsDir: string): Promise<UpscalerFile | null> {
  const dir = join(modelsDir, UPSCALE_MODELS_FOLDER);
  const names = (await modelEntries(dir))
    .filter((e) => e.isFile && e.name.toLowerCase().endsWith('.onnx') && !e.name.startsWith('.'))
    .map((e) => e.name);
  const real = names.filter((n) => n !== TINY_DEMO_UPSCALER_FILE).sort();
  const name = real[0] ?? (names.includes(TINY_DEMO_UPSCALER_FILE) ? TINY_DEMO_UPSCALER_FILE : undefined);
  if (name === undefined) return null;
  // A linked model (an import, or a file linked in by hand) loads from where it lies: its external data is there.
  const path = await realpath(join(dir, name)).catch(() => join(dir, name));
  return { path, name, isDemo: name === TINY_DEMO_UPSCALER_FILE };
}
