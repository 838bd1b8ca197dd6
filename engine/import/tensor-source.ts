/**
 * A state dict on disk, read one tensor at a time: what every import (single-file checkpoints,
 * Fooocus's own model files) reads from, whatever the container. `.safetensors` is read through
 * SafetensorsReader; PyTorch's zip + pickle files (`.bin`, `.pth`, `.ckpt`, `.patch`) through the
 * safe pickle reader, registered here as a second opener so callers never branch on the format.
 */
import { open } from 'node:fs/promises';
import { SafetensorsReader, type FloatTensor } from '../lora/safetensors.ts';

export interface TensorInfo {
  name: string;
  /** safetensors spelling: F32, F16, BF16, I64, … */
  dtype: string;
  shape: number[];
}

export interface TensorSource {
  readonly path: string;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** safetensors `__metadata__`; empty for other containers. */
  readonly metadata: Readonly<Record<string, string>>;
  /** One tensor decoded to float32 (F16/BF16 widened exactly). */
  readFloat32(name: string): Promise<FloatTensor>;
  close(): Promise<void>;
}

/** Opens a container this module does not know by its first bytes, or answers null. */
export type TensorSourceOpener = (path: string, head: Buffer) => Promise<TensorSource | null>;

const openers: TensorSourceOpener[] = [];

/** Lets another container format (the PyTorch pickle reader) serve openTensorSource. */
export function registerTensorSourceOpener(opener: TensorSourceOpener): void {
  openers.push(opener);
}

export async function safetensorsSource(path: string): Promise<TensorSource> {
  const reader = await SafetensorsReader.open(path);
  const tensors = new Map<string, TensorInfo>();
  for (const [name, entry] of reader.entries) tensors.set(name, { name, dtype: entry.dtype, shape: entry.shape });
  return {
    path,
    tensors,
    metadata: reader.metadata,
    readFloat32: (name) => reader.readFloat32(name),
    close: () => reader.close(),
  };
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Opens `path` by content: a registered opener that recognises it, else safetensors. */
export async function openTensorSource(path: string): Promise<TensorSource> {
  // Loaded here, not imported at the top: the reader imports this module to register itself.
  await import('./torch/torch-opener.ts');
  const head = await readHead(path);
  for (const opener of openers) {
    const source = await opener(path, head);
    if (source) return source;
  }
  return safetensorsSource(path);
}

/** Runs `use` on the opened source and always closes it. */
export async function withTensorSource<T>(path: string, use: (source: TensorSource) => Promise<T>): Promise<T> {
  const source = await openTensorSource(path);
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}
