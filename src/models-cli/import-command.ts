/**
 * `import <fooocus models folder | file>`: converts Fooocus's model files ahead of first use, into
 * the import cache, linked where the server finds them (engine/import/fooocus-imports.ts). A single
 * file is classified by the Fooocus folder it sits in (`checkpoints/`, `upscale_models/`, …).
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  checkpointDir,
  classifyFooocusPath,
  FooocusImports,
  listCheckpoints,
  resolveCheckpointName,
  type FooocusFileKind,
} from '../../engine/index.ts';

const EVERY_KIND: FooocusFileKind[] = [
  'checkpoint',
  'lora',
  'embedding',
  'upscaler',
  'inpaint-head',
  'inpaint-patch',
  'ip-adapter',
  'ip-negative',
  'clip-vision',
  'expansion',
];

/**
 * Control-LoRAs are merged onto a base UNet, so they are converted for `base` (a checkpoint under models/checkpoints,
 * imported first when it is one of the folder's) or, without it, on first use with the job's checkpoint.
 */
export async function importModels(
  modelsDir: string,
  target: string,
  out: (line: string) => void,
  base?: string,
): Promise<string[]> {
  const info = await stat(target).catch(() => null);
  if (!info) throw new Error(`import: ${target} does not exist`);
  const progress = { log: out };
  if (info.isDirectory()) {
    const imports = new FooocusImports(modelsDir, target);
    const linked = await imports.installKinds(EVERY_KIND, progress);
    const controlLoras = (await imports.files()).filter((f) => f.kind === 'control-lora');
    if (controlLoras.length > 0 && base === undefined)
      out(
        `${controlLoras.length} Control-LoRA(s) are converted onto the job's checkpoint on first use (or: --base <checkpoint>)`,
      );
    if (controlLoras.length > 0 && base !== undefined) {
      const name =
        resolveCheckpointName(await listCheckpoints(modelsDir), base) ??
        (await imports.installCheckpoint(base, progress));
      if (name === null) throw new Error(`import: --base ${base} is not an installed checkpoint`);
      linked.push(...(await imports.installControlLoras(join(checkpointDir(modelsDir, name), 'unet'), /./, progress)));
    }
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
