/**
 * Model hashes for metadata: the first 10 hex chars of a SHA-256 (Fooocus's `sha256(...)[:10]`,
 * fooocus-semantics §10.2), computed once per file set and kept in memory for the process.
 *
 * Fooocus hashes the one .safetensors file. Our checkpoint is a folder; we hash its UNet, the part
 * that differs between fine-tunes: `unet/model.onnx`, followed by `unet/model.onnx_data` when the
 * weights are external. A real SDXL UNet is always external (protobuf's 2 GB limit), and its
 * model.onnx alone is only the graph, identical for every checkpoint from the same exporter, so
 * hashing it alone would give every such model the same hash. Files are streamed (a 10 GB
 * model.onnx_data is never held in memory); the cache key includes size and mtime so a replaced
 * file is hashed again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const HASH_LENGTH = 10;
const cache = new Map<string, Promise<string>>();

async function existing(paths: readonly string[]): Promise<{ path: string; size: number; mtimeMs: number }[]> {
  const found: { path: string; size: number; mtimeMs: number }[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (info.isFile()) found.push({ path, size: info.size, mtimeMs: info.mtimeMs });
    } catch {
      // Absent: optional part (model.onnx_data) or a missing file (the caller gets null).
    }
  }
  return found;
}

async function sha256Prefix(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  }
  return hash.digest('hex').slice(0, HASH_LENGTH);
}

/**
 * SHA-256 prefix of the concatenation of the files in `paths` that exist (in order); null when the
 * first one is missing. Concurrent callers share one computation.
 */
export async function filesHash(paths: readonly [string, ...string[]]): Promise<string | null> {
  const files = await existing(paths);
  if (files[0]?.path !== paths[0]) return null;
  const key = files.map((f) => `${f.path}\0${f.size}\0${f.mtimeMs}`).join('\n');
  let entry = cache.get(key);
  if (!entry) {
    entry = sha256Prefix(files.map((f) => f.path));
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  try {
    return await entry;
  } catch {
    return null;
  }
}

/** Hash of a checkpoint folder (see the file comment); null when it has no unet/model.onnx. */
export function checkpointHash(checkpointDir: string): Promise<string | null> {
  return filesHash([join(checkpointDir, 'unet', 'model.onnx'), join(checkpointDir, 'unet', 'model.onnx_data')]);
}

/** Hash of one file (LoRA .safetensors), as Fooocus computes it. */
export function fileHash(path: string): Promise<string | null> {
  return filesHash([path]);
}
