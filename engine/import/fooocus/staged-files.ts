/**
 * Conversion outputs appear whole or not at all (issue 16 "never a half-written cache entry"): each
 * file is written under a hidden staging name in its final folder and renamed into place, the
 * files a model needs beside it (external data) before the file that is looked for.
 */
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { GraphBuilder } from '../../models/onnx-graph-builder.ts';

export function stagingPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Date.now()}`);
}

/** Runs `write(staging)` and renames the result to `path`; the staging file is removed on failure. */
export async function writeStaged(path: string, write: (staging: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const staging = stagingPath(path);
  try {
    await write(staging);
    await rename(staging, path);
  } finally {
    await rm(staging, { force: true });
  }
}

/**
 * Writes `graph` as `path` with initializers of ≥ 1024 values in `<file>_data` beside it (the data
 * file first, so a listed model always finds its weights). Returns the files written.
 */
export async function writeGraphStaged(graph: GraphBuilder, path: string): Promise<string[]> {
  const dataName = `${basename(path)}_data`;
  const built = graph.build({ externalDataFile: dataName, minExternal: 1024 });
  const written: string[] = [];
  if (built.externalData) {
    const dataPath = join(dirname(path), dataName);
    await writeStaged(dataPath, (staging) => writeFile(staging, built.externalData!));
    written.push(dataPath);
  }
  await writeStaged(path, (staging) => writeFile(staging, built.model));
  written.push(path);
  return written;
}

export interface StreamedTensor {
  name: string;
  dtype: 'F32' | 'F16';
  shape: number[];
}

/**
 * A `.safetensors` file written one tensor at a time: the header is known from the shapes, so no
 * more than one tensor's bytes are held (a Fooocus inpaint patch converts to gigabytes).
 */
export async function writeSafetensorsStreamed<T extends StreamedTensor>(
  path: string,
  tensors: readonly T[],
  bytesOf: (tensor: T) => Promise<Buffer>,
): Promise<void> {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const length = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + length] };
    offset += length;
  }
  let json = JSON.stringify(header);
  // Padded with spaces to a multiple of 8 so tensor data stays aligned, as the reference writer does.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeStaged(path, async (staging) => {
    const handle = await open(staging, 'w');
    try {
      let position = 0;
      const put = async (bytes: Buffer) => {
        let done = 0;
        while (done < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
          done += bytesWritten;
        }
        position += bytes.length;
      };
      await put(Buffer.concat([prefix, Buffer.from(json, 'utf8')]));
      for (const t of tensors) {
        const bytes = await bytesOf(t);
        const expected = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
        if (bytes.length !== expected)
          throw new Error(`${path}: ${t.name} produced ${bytes.length} bytes, not ${expected}`);
        await put(bytes);
      }
    } finally {
      await handle.close();
    }
  });
}
