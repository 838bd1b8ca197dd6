/**
 * Merged LoRA sets on disk: `<cacheDir>/<component folder name>/<key>/` holds one merged
 * `model.onnx`, its `lora-<key>.onnx_data` side file, hard links to the original external data
 * and `set.json` (what was merged, and when it was last used). A set is found again by its key,
 * a hash of the component's files and the (LoRA file, weight) list; at most `maxSets` sets per
 * component folder name stay on disk (least recently used go first), since each can hold
 * gigabytes of patched weights.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export interface MergedSetRecord {
  key: string;
  componentDir: string;
  loras: { path: string; weight: number }[];
  changed: string[];
  skipped: string[];
  /** Strictly increasing use stamp (ms), so eviction order is total even within one millisecond. */
  lastUsed: number;
}

async function fileStamp(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

/**
 * Key of a (component, LoRAs, weights) combination. Files are identified by path, size and
 * mtime rather than content: hashing a 10 GB UNet on every request would cost more than a merge.
 * `variant` (JSON data) tells apart sets built from the same inputs in other ways (the FreeU
 * rewrite); without it the key is the LoRA merge's, unchanged.
 */
export async function mergedSetKey(
  componentDir: string,
  loras: readonly { path: string; weight: number }[],
  variant?: unknown,
): Promise<string> {
  const dir = resolve(componentDir);
  const identity = {
    version: 1,
    dir,
    model: await fileStamp(join(dir, 'model.onnx')),
    data: await fileStamp(join(dir, 'model.onnx_data')),
    loras: await Promise.all(
      loras.map(async (l) => ({ path: resolve(l.path), weight: l.weight, file: await fileStamp(l.path) })),
    ),
    ...(variant === undefined ? {} : { variant }),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

export class MergedSetCache {
  constructor(
    /** `<cacheDir>/<component folder name>`. */
    readonly root: string,
    readonly maxSets: number,
  ) {}

  setDir(key: string): string {
    return join(this.root, key);
  }

  /** The committed set with this key, marked as just used; undefined when absent or broken. */
  async lookup(key: string): Promise<MergedSetRecord | undefined> {
    const record = await this.read(key);
    if (!record || !(await fileStamp(join(this.setDir(key), 'model.onnx')))) return undefined;
    await this.touch(record);
    return record;
  }

  /** A fresh private folder to build a set in; `commit` moves it into place. */
  async stage(key: string): Promise<string> {
    const dir = join(this.root, `.${key}.partial-${process.pid}-${Date.now()}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async commit(staged: string, record: Omit<MergedSetRecord, 'lastUsed'>): Promise<MergedSetRecord> {
    const full: MergedSetRecord = { ...record, lastUsed: await this.nextStamp() };
    await writeFile(join(staged, 'set.json'), `${JSON.stringify(full, null, 2)}\n`);
    await rm(this.setDir(record.key), { recursive: true, force: true });
    await rename(staged, this.setDir(record.key));
    return full;
  }

  /** Removes sets beyond `maxSets`, least recently used first, never `keep`; returns the removed keys. */
  async evict(keep: string): Promise<string[]> {
    const records = await this.all();
    const others = records.filter((r) => r.key !== keep).sort((a, b) => b.lastUsed - a.lastUsed);
    const doomed = others.slice(Math.max(0, this.maxSets - 1));
    for (const record of doomed) await rm(this.setDir(record.key), { recursive: true, force: true });
    return doomed.map((r) => r.key);
  }

  private async touch(record: MergedSetRecord): Promise<void> {
    record.lastUsed = await this.nextStamp();
    await writeFile(join(this.setDir(record.key), 'set.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  private async nextStamp(): Promise<number> {
    const latest = Math.max(0, ...(await this.all()).map((r) => r.lastUsed));
    return Math.max(Date.now(), latest + 1);
  }

  private async all(): Promise<MergedSetRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.root);
    } catch {
      return [];
    }
    const records: MergedSetRecord[] = [];
    for (const name of names.filter((n) => !n.startsWith('.'))) {
      // A folder without a readable set.json is a broken set: stamp 0, evicted first.
      records.push(
        (await this.read(name)) ?? { key: name, componentDir: '', loras: [], changed: [], skipped: [], lastUsed: 0 },
      );
    }
    return records;
  }

  private async read(key: string): Promise<MergedSetRecord | undefined> {
    try {
      return JSON.parse(await readFile(join(this.setDir(key), 'set.json'), 'utf8')) as MergedSetRecord;
    } catch {
      return undefined;
    }
  }
}
