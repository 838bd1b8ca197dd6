/**
 * Converted imports live under `<models>/.import-cache/<kind>/<sha256 of the source>/`, so a file
 * renamed, copied or listed in two folders is converted once, and a changed file (new hash) is
 * converted again. A conversion writes into a temporary folder that is renamed into place only when
 * it succeeded: a crash or an error never leaves a half-written entry that a later start would
 * trust. Two engines (or the CLI and a server) importing the same file at once: the first takes a
 * lock folder, the other waits for its result. The source file is only ever read.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export const IMPORT_CACHE_FOLDER = '.import-cache';
const HASHES_FILE = 'hashes.json';
const SOURCE_FILE = 'source.json';
/** A lock older than this whose owner is gone is taken over (the importing process died). */
const LOCK_POLL_MS = 250;

export interface ImportProgress {
  /** A line for the log and the task's progress messages. */
  log: (line: string) => void;
}

interface HashEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export function importCacheRoot(modelsDir: string): string {
  return join(modelsDir, IMPORT_CACHE_FOLDER);
}

async function readHashes(root: string): Promise<Record<string, HashEntry>> {
  try {
    return JSON.parse(await readFile(join(root, HASHES_FILE), 'utf8')) as Record<string, HashEntry>;
  } catch {
    return {};
  }
}

/**
 * sha256 of the file, remembered per (path, size, mtime): hashing a 7 GB checkpoint takes seconds,
 * and every start asks again.
 */
export async function sourceHash(modelsDir: string, path: string): Promise<string> {
  const root = importCacheRoot(modelsDir);
  const info = await stat(path);
  const hashes = await readHashes(root);
  const known = hashes[path];
  if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.sha256;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) hash.update(chunk as Buffer);
  const sha256 = hash.digest('hex');
  await mkdir(root, { recursive: true });
  // Re-read before writing: another process may have added its own entries meanwhile.
  const latest = await readHashes(root);
  latest[path] = { size: info.size, mtimeMs: info.mtimeMs, sha256 };
  const temp = join(root, `${HASHES_FILE}.${process.pid}.${randomUUID()}.tmp`);
  await writeFile(temp, JSON.stringify(latest, null, 1));
  await rename(temp, join(root, HASHES_FILE));
  return sha256;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null)) !== null;
}

async function takeLock(lock: string): Promise<boolean> {
  try {
    await mkdir(lock);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && isAlive(owner)) return false;
    // The owner died mid-import (or had not yet written its pid: then it is a few ms old; retry later).
    const age = Date.now() - ((await stat(lock).catch(() => null))?.mtimeMs ?? Date.now());
    if (!Number.isInteger(owner) && age < 5000) return false;
    await rm(lock, { recursive: true, force: true });
    return takeLock(lock);
  }
  await writeFile(join(lock, 'pid'), String(process.pid));
  return true;
}

export interface CachedImport {
  /** The finished folder holding the conversion's output. */
  dir: string;
  sha256: string;
  /** false when an earlier run had already converted it. */
  converted: boolean;
}

/**
 * The conversion of `source` as `kind`, made now by `convert(tempDir)` unless the cache has it.
 * `convert` writes everything into the folder it is given; it is renamed into place afterwards.
 */
export async function cachedImport(
  modelsDir: string,
  kind: string,
  source: string,
  convert: (outDir: string) => Promise<void>,
  progress: ImportProgress,
): Promise<CachedImport> {
  const sha256 = await sourceHash(modelsDir, source);
  const kindDir = join(importCacheRoot(modelsDir), kind);
  const dir = join(kindDir, sha256);
  if (await exists(join(dir, SOURCE_FILE))) return { dir, sha256, converted: false };
  await mkdir(kindDir, { recursive: true });
  const lock = join(kindDir, `${sha256}.lock`);
  while (!(await takeLock(lock))) {
    await new Promise((done) => setTimeout(done, LOCK_POLL_MS));
    if (await exists(join(dir, SOURCE_FILE))) return { dir, sha256, converted: false };
  }
  try {
    if (await exists(join(dir, SOURCE_FILE))) return { dir, sha256, converted: false };
    // Holding the lock, any other temporary entry of this file is left by a process that died mid-import.
    for (const name of await readdir(kindDir))
      if (name.startsWith(`${sha256}.tmp-`)) await rm(join(kindDir, name), { recursive: true, force: true });
    const temp = join(kindDir, `${sha256}.tmp-${process.pid}`);
    await mkdir(temp, { recursive: true });
    const started = Date.now();
    progress.log(`importing ${source} (${kind}) into ${dir}`);
    try {
      await convert(temp);
      await writeFile(
        join(temp, SOURCE_FILE),
        JSON.stringify({ source, kind, sha256, importedAt: new Date().toISOString() }, null, 1),
      );
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      throw error;
    }
    progress.log(`imported ${source} (${kind}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { dir, sha256, converted: true };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** True when `path` is a link into the import cache (fooocus-imports.ts places them): listed by its Fooocus name. */
export async function isImportLink(modelsDir: string, path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => null);
  if (!info?.isSymbolicLink()) return false;
  const target = join(dirname(path), await readlink(path));
  return !relative(importCacheRoot(modelsDir), target).startsWith('..');
}
