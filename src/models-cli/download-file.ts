/**
 * One file from the hub into its place: written to `<dest>.part` (a later run resumes it with a
 * Range request), checked against the hub's checksum (sha256 of LFS files, the git blob sha1 of the
 * others) and only then renamed into place. A mismatch deletes the partial file and names both sums.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { HubFile } from './hub-client.ts';

export class ChecksumError extends Error {
  constructor(file: string, algorithm: string, expected: string, actual: string) {
    super(
      `${file}: ${algorithm} mismatch (hub says ${expected}, downloaded ${actual}); the partial file was deleted, run the pull again`,
    );
    this.name = 'ChecksumError';
  }
}

export interface DownloadOptions {
  url: string;
  dest: string;
  file: HubFile;
  headers: Record<string, string>;
  fetch?: typeof fetch;
  /** Bytes so far and the total, as they arrive. */
  onProgress?(done: number, total: number): void;
}

async function sizeOf(path: string): Promise<number> {
  return (await stat(path).catch(() => null))?.size ?? 0;
}

/** sha256 of the content, or git's blob sha1 (`blob <size>\0` + content) for plain files. */
async function checksumOf(
  path: string,
  file: HubFile,
): Promise<{ algorithm: string; expected: string; actual: string } | null> {
  const expected = file.sha256 ?? file.gitSha1;
  if (!expected) return null;
  const algorithm = file.sha256 ? 'sha256' : 'git-sha1';
  const hash = createHash(file.sha256 ? 'sha256' : 'sha1');
  if (!file.sha256) hash.update(`blob ${await sizeOf(path)}\0`);
  await pipeline(createReadStream(path), hash);
  return { algorithm, expected: expected.toLowerCase(), actual: hash.digest('hex') };
}

/** Returns 'present' when the finished file is already there with the right size, else 'downloaded'. */
export async function downloadFile(options: DownloadOptions): Promise<'present' | 'downloaded'> {
  const { dest, file } = options;
  if ((await sizeOf(dest)) === file.size) return 'present';
  await mkdir(dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let offset = await sizeOf(part);
  if (offset > file.size) {
    await rm(part, { force: true });
    offset = 0;
  }
  if (offset < file.size) {
    const headers = offset > 0 ? { ...options.headers, Range: `bytes=${offset}-` } : options.headers;
    const res = await (options.fetch ?? fetch)(options.url, { headers, redirect: 'follow' });
    if (res.status !== 200 && res.status !== 206) throw new Error(`${file.path}: download answered ${res.status}`);
    // 200 to a Range request: the server sends the whole file, so start over.
    if (res.status === 200) offset = 0;
    // Each chunk is written before the next is read, so a dropped connection keeps every byte that
    // arrived (a piped write stream destroyed by the error drops its queued writes) and the next
    // run resumes from there.
    const out = await open(part, offset > 0 ? 'a' : 'w');
    let done = offset;
    try {
      for await (const chunk of Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>) {
        await out.write(chunk);
        done += chunk.length;
        options.onProgress?.(done, file.size);
      }
    } catch {
      // Short of the size: said below with the byte count.
    } finally {
      await out.close();
    }
  }
  const got = await sizeOf(part);
  if (got < file.size)
    throw new Error(`${file.path}: the connection ended at ${got} of ${file.size} bytes; run the pull again to resume`);
  const sum = await checksumOf(part, file);
  if (sum && sum.expected !== sum.actual) {
    await rm(part, { force: true });
    throw new ChecksumError(file.path, sum.algorithm, sum.expected, sum.actual);
  }
  await rename(part, dest);
  return 'downloaded';
}
