/**
 * Output files under `<data-dir>/<YYYY-MM-DD>/` (DECISIONS §3 "Output files"): named by the
 * creating dialect's rule, with a collision-free counter (exclusive create) instead of the
 * originals' random suffix, so two tasks can never overwrite each other's images.
 */
import { mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { OutputStore, SavedOutput } from '../tasks/ports.ts';
import type { Dialect } from '../../adapters/task-record.ts';

const isDirectory = (path: string) =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local time, as the originals name their folders. */
export function dateFolder(now: Date): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function timestamp(now: Date): string {
  return `${dateFolder(now)}_${pad(now.getHours())}-${pad(now.getMinutes())}-${pad(now.getSeconds())}`;
}

const DATE_FOLDER = /^\d{4}-\d{2}-\d{2}$/;

/** A stored output is always exactly `<YYYY-MM-DD>/<file>`: nothing else may be read or deleted. */
export function isPlainOutputName(file: string): boolean {
  const parts = file.split('/');
  return (
    parts.length === 2 &&
    DATE_FOLDER.test(parts[0]) &&
    parts[1] !== '' &&
    parts[1] !== '.' &&
    parts[1] !== '..' &&
    !/[\\\0]/.test(parts[1])
  );
}

/** Why storing an image failed, in words a client may read (no server paths). */
function describeStoreFailure(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    ENAMETOOLONG: 'the file name is too long',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exhausted',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a file stands where the date folder should be',
    EEXIST: 'a file stands where the date folder should be',
  };
  return `could not store the image as ${file}: ${(code && why[code]) ?? code ?? 'write failed'}`;
}

/** A result image could not be written; the task fails with this message, the server goes on. */
export class OutputStoreError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'OutputStoreError';
  }
}

export class FsOutputStore implements OutputStore {
  constructor(private readonly dataDir: string) {}

  async save(
    bytes: Uint8Array,
    options: { ext: string; dialect: Dialect; taskId: string; index: number; saveName: string | null; now: Date },
  ): Promise<SavedOutput> {
    const date = dateFolder(options.now);
    const candidates = this.candidates(options);
    for (let attempt = 0; attempt < 100000; attempt++) {
      const stem = candidates(attempt);
      const file = posix.normalize(`${date}/${stem}.${options.ext}`);
      if (!isPlainOutputName(file))
        throw new OutputStoreError(`refusing to write outside the dated output folder: ${file}`);
      try {
        await mkdir(join(this.dataDir, date), { recursive: true });
        await writeFile(join(this.dataDir, file), bytes, { flag: 'wx' });
        return { file };
      } catch (error) {
        const isTaken =
          (error as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(join(this.dataDir, date)));
        if (!isTaken) throw new OutputStoreError(describeStoreFailure(error, file), { cause: error });
      }
    }
    throw new OutputStoreError('no free output file name');
  }

  private candidates(options: {
    dialect: Dialect;
    taskId: string;
    index: number;
    saveName: string | null;
    now: Date;
  }): (attempt: number) => string {
    if (options.saveName) {
      // `{save_name}-{i}`; reused names get a counter instead of overwriting (DECISIONS §3).
      return (attempt) => `${options.saveName}-${options.index}${attempt === 0 ? '' : `-${attempt}`}`;
    }
    if (options.dialect === 'legacy') {
      return (attempt) => `${options.taskId}-${options.index}${attempt === 0 ? '' : `-${attempt}`}`;
    }
    const stamp = timestamp(options.now);
    return (attempt) => `${stamp}_${pad(attempt, 4)}`;
  }

  async remove(file: string): Promise<void> {
    const path = this.pathOf(file);
    if (!path) return;
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  pathOf(file: string): string | null {
    return isPlainOutputName(file) ? join(this.dataDir, file) : null;
  }
}
