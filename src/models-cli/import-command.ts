/**
 * `import <fooocus models folder | file>`: converts Fooocus's model files ahead of first use, into
 * the import cache, linked where the server finds them (engine/import/fooocus-imports.ts). A single
 * file is classified by the Fooocus folder it sits in (`checkpoints/`, `upscale_models/`, …).
 */
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { classifyFooocusPath, FooocusImports, type FooocusFileKind } from '../../engine/index.ts';

const EVERY_KIND: FooocusFileKind[] = [
  'checkpoint',
  'lora',
  'embedding',
  'upscaler',
  'inpaint-head',
  'inpaint-patch',
  'control-lora',
  'ip-adapter',
  'ip-negative',
  'clip-vision',
  'expansion',
];

export async function importModels(modelsDir: string, target: string, out: (line: string) => void): Promise<string[]> {
  const info = await stat(target).catch(() => null);
  if (!info) throw new Error(`import: ${target} does not exist`);
  const progress = { log: out };
  if (info.isDirectory()) {
    const linked = await new FooocusImports(modelsDir, target).installKinds(EVERY_KIND, progress);
    if (linked.length === 0) throw new Error(`import: ${target} holds no Fooocus model file we use (see README)`);
    for (const link of linked) out(`ready: ${link}`);
    return linked;
  }
  const file = classifyFooocusPath(target);
  if (!file)
    throw new Error(
      `import: ${target} is not a Fooocus model file we use (expected inside checkpoints/, loras/, upscale_models/, inpaint/, controlnet/, clip_vision/ or fooocus_expansion/)`,
    );
  const link = await new FooocusImports(modelsDir, dirname(dirname(target))).install(file, progress);
  out(`ready: ${link}`);
  return [link];
}
