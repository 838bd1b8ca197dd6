/**
 * Which ONNX file answers a mask model name: rembg's own file name under models/mask/
 * (`u2net.onnx`, `isnet-general-use.onnx`, ...), or one folder down (where `npm run models -- pull
 * <repo> --kind mask` puts a repository's files), wins; without it, the tiny demo of the same
 * family when demo models are on (DECISIONS §4); otherwise none (the gateway answers 503).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MASK_FOLDER, rembgModelSpec, type RembgFamily } from './rembg-models.ts';

export const TINY_DEMO_MASK_FILE = 'tiny-mask-demo.onnx';
export const TINY_DEMO_CLOTH_MASK_FILE = 'tiny-cloth-seg-demo.onnx';

export function demoMaskFile(family: RembgFamily): string {
  return family === 'cloth' ? TINY_DEMO_CLOTH_MASK_FILE : TINY_DEMO_MASK_FILE;
}

export interface MaskModelFile {
  path: string;
  isDemo: boolean;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** null for a name rembg does not have, or when neither the real file nor (allowed) demo is there. */
export async function findMaskModel(modelsDir: string, name: string, isDemoAllowed: boolean) {
  const spec = rembgModelSpec(name);
  if (!spec) return null;
  const root = join(modelsDir, MASK_FOLDER);
  const folders = await readdir(root, { withFileTypes: true }).then(
    (entries) =>
      entries
        .filter((e) => e.isDirectory())
        .map((e) => join(root, e.name))
        .sort(),
    () => [],
  );
  for (const dir of [root, ...folders]) {
    const real = join(dir, `${name}.onnx`);
    if (await isFile(real)) return { path: real, isDemo: false };
  }
  const demo = join(modelsDir, MASK_FOLDER, demoMaskFile(spec.family));
  if (isDemoAllowed && (await isFile(demo))) return { path: demo, isDemo: true };
  return null;
}
