/**
 * Which ControlNet serves an image-prompt type (fooocus-semantics.md §8): under
 * models/controlnet/, a folder holding model.onnx (+ model.onnx_data) or a single .onnx file whose
 * name says the type — `canny` for PyraCanny (Fooocus's `control-lora-canny-rank128`), `cpds` for
 * CPDS (`fooocus_xl_cpds_128`) — first by name; else the demo (tiny-controlnet.ts), said in the
 * warnings; else none.
 */
import { join } from 'node:path';
import { isFile, modelEntries } from '../models/registry.ts';
import { TINY_DEMO_CONTROLNET_NAME } from './tiny-controlnet.ts';

export const CONTROLNET_FOLDER = 'controlnet';
export type ControlNetType = 'PyraCanny' | 'CPDS';

const TYPE_PATTERN: Record<ControlNetType, RegExp> = { PyraCanny: /canny/i, CPDS: /cpds/i };

export interface ControlNetFile {
  name: string;
  path: string;
  isDemo: boolean;
}

async function installed(modelsDir: string): Promise<ControlNetFile[]> {
  const root = join(modelsDir, CONTROLNET_FOLDER);
  const entries = await modelEntries(root);
  const found: ControlNetFile[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory && (await isFile(join(root, entry.name, 'model.onnx'))))
      found.push({
        name: entry.name,
        path: join(root, entry.name, 'model.onnx'),
        isDemo: entry.name === TINY_DEMO_CONTROLNET_NAME,
      });
    else if (entry.isFile && entry.name.endsWith('.onnx'))
      found.push({ name: entry.name.slice(0, -5), path: join(root, entry.name), isDemo: false });
  }
  return found;
}

export async function findControlNet(modelsDir: string, type: ControlNetType): Promise<ControlNetFile | null> {
  const all = await installed(modelsDir);
  return (
    all.find((file) => !file.isDemo && TYPE_PATTERN[type].test(file.name)) ?? all.find((file) => file.isDemo) ?? null
  );
}

/** What to install, for errors and warnings. */
export function controlNetInstallHint(modelsDir: string, type: ControlNetType): string {
  const name = type === 'PyraCanny' ? 'control-lora-canny-rank128' : 'fooocus_xl_cpds_128';
  return `install an SDXL ControlNet ONNX export for ${type} as ${join(modelsDir, CONTROLNET_FOLDER, name, 'model.onnx')} (see README, "Image prompts: PyraCanny and CPDS")`;
}
