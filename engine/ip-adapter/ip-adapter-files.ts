/**
 * Which IP-Adapter and CLIP vision models a job uses (DECISIONS §4 layout):
 *   models/clip_vision/<name>/model.onnx                      CLIP ViT-H penultimate states (convert/)
 *   models/ip_adapter/<name>/resampler.onnx + to_kv.onnx      an adapter (convert/); a folder whose
 *                                                             name holds `face` is a FaceSwap adapter
 *   models/ip_adapter/<name>/ip_negative.safetensors          its unconditional tokens, else
 *   models/ip_adapter/fooocus_ip_negative.safetensors         Fooocus's shared file
 * A real model wins over the demo; several real ones are taken in name order. Pure file reads.
 */
import { join } from 'node:path';
import { isFile, modelEntries } from '../models/registry.ts';
import { CLIP_VISION_FILE, IP_NEGATIVE_FILE, RESAMPLER_FILE, TO_KV_FILE } from './convert/convert-files.ts';

export const IP_ADAPTER_FOLDER = 'ip_adapter';
export const CLIP_VISION_FOLDER = 'clip_vision';
export const SHARED_IP_NEGATIVE_FILE = 'fooocus_ip_negative.safetensors';
export const DEMO_CLIP_VISION = 'tiny-clip-vision-demo';
export const DEMO_IP_ADAPTER = 'tiny-ip-adapter-demo';
export const DEMO_FACE_IP_ADAPTER = 'tiny-ip-adapter-face-demo';

export type IpAdapterKind = 'ImagePrompt' | 'FaceSwap';

export interface ModelFolder {
  name: string;
  dir: string;
  isDemo: boolean;
}

export interface IpAdapterFiles extends ModelFolder {
  resampler: string;
  toKv: string;
  negative: string;
}

async function folders(dir: string): Promise<string[]> {
  return (await modelEntries(dir))
    .filter((e) => e.isDirectory && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function pick(names: readonly string[], demo: string): string | undefined {
  return names.find((n) => n !== demo) ?? (names.includes(demo) ? demo : undefined);
}

export async function findClipVision(modelsDir: string): Promise<ModelFolder | null> {
  const root = join(modelsDir, CLIP_VISION_FOLDER);
  const names: string[] = [];
  for (const name of await folders(root)) if (await isFile(join(root, name, CLIP_VISION_FILE))) names.push(name);
  const name = pick(names, DEMO_CLIP_VISION);
  return name === undefined ? null : { name, dir: join(root, name), isDemo: name === DEMO_CLIP_VISION };
}

export function isFaceAdapterName(name: string): boolean {
  return /face/i.test(name);
}

/** The adapter for `kind`, or why there is none. */
export async function findIpAdapter(
  modelsDir: string,
  kind: IpAdapterKind,
): Promise<IpAdapterFiles | { reason: string }> {
  const root = join(modelsDir, IP_ADAPTER_FOLDER);
  const names: string[] = [];
  for (const name of await folders(root)) {
    if (isFaceAdapterName(name) !== (kind === 'FaceSwap')) continue;
    if ((await isFile(join(root, name, RESAMPLER_FILE))) && (await isFile(join(root, name, TO_KV_FILE))))
      names.push(name);
  }
  const name = pick(names, kind === 'FaceSwap' ? DEMO_FACE_IP_ADAPTER : DEMO_IP_ADAPTER);
  const wanted = kind === 'FaceSwap' ? 'ip-adapter-plus-face_sdxl_vit-h' : 'ip-adapter-plus_sdxl_vit-h';
  if (name === undefined)
    return {
      reason: `no ${kind} IP-Adapter under ${root} (convert ${wanted}.safetensors into ${join(root, wanted)}/; see README)`,
    };
  const dir = join(root, name);
  const own = join(dir, IP_NEGATIVE_FILE);
  const shared = join(root, SHARED_IP_NEGATIVE_FILE);
  const negative = (await isFile(own)) ? own : (await isFile(shared)) ? shared : null;
  if (negative === null)
    return {
      reason: `the IP-Adapter ${dir} has no ${IP_NEGATIVE_FILE}, and there is no ${shared} (Fooocus's fooocus_ip_negative.safetensors)`,
    };
  return {
    name,
    dir,
    isDemo: name === DEMO_FACE_IP_ADAPTER || name === DEMO_IP_ADAPTER,
    resampler: join(dir, RESAMPLER_FILE),
    toKv: join(dir, TO_KV_FILE),
    negative,
  };
}
