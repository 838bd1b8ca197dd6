/**
 * Fooocus's inpaint engine on disk (DECISIONS §4 `models/inpaint/`), converted from Fooocus's
 * files to safetensors (engine/import/fooocus/inpaint-files.ts, or the README's Python line):
 *  - `fooocus_inpaint_head.safetensors`: tensor `head` [320,5,3,3] from `fooocus_inpaint_head.pth`;
 *  - `inpaint.fooocus.safetensors` (v1), `inpaint_v25.fooocus.safetensors` (v2.5),
 *    `inpaint_v26.fooocus.safetensors` (v2.6): the `.fooocus.patch` weight deltas dequantised
 *    (w/255·(max − min) + min), under their UNet state-dict keys `diffusion_model.<…>.weight`.
 * Pure file-system reads.
 */
import { join } from 'node:path';
import { isFile } from '../models/registry.ts';
import type { InpaintEngineVersion } from '../protocol.ts';

export const INPAINT_FOLDER = 'inpaint';
export const INPAINT_HEAD_FILE = 'fooocus_inpaint_head.safetensors';
export const INPAINT_PATCH_FILES: Record<Exclude<InpaintEngineVersion, 'None'>, string> = {
  v1: 'inpaint.fooocus.safetensors',
  'v2.5': 'inpaint_v25.fooocus.safetensors',
  'v2.6': 'inpaint_v26.fooocus.safetensors',
};

export interface InpaintEngineFiles {
  head: string;
  patch: string;
}

/** The files of `version`, or the list of what is missing. */
export async function findInpaintEngine(
  modelsDir: string,
  version: Exclude<InpaintEngineVersion, 'None'>,
): Promise<{ files: InpaintEngineFiles } | { missing: string[] }> {
  const dir = join(modelsDir, INPAINT_FOLDER);
  const head = join(dir, INPAINT_HEAD_FILE);
  const patch = join(dir, INPAINT_PATCH_FILES[version]);
  const absent: string[] = [];
  for (const path of [head, patch]) if (!(await isFile(path))) absent.push(path);
  return absent.length === 0 ? { files: { head, patch } } : { missing: absent };
}
