/**
 * Reads a Fooocus wildcards folder (`wildcards/**.txt`, fooocus-semantics §5.5) into the
 * `WildcardFiles` argument of expandPrompts: file stem → lines. Lines are split as Python's
 * `splitlines` splits them; empty ones are dropped later, at use. When two files share a stem, the
 * first in sorted path order wins, files directly in the folder before those in subfolders.
 * A leading UTF-8 BOM is dropped (it would otherwise stick to the first option invisibly).
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, basename } from 'node:path';
import { splitLines } from './prompt-lines.ts';
import type { WildcardFiles } from './wildcards.ts';

export async function loadWildcardFiles(folder: string): Promise<WildcardFiles> {
  const files: Record<string, string[]> = {};
  const visit = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (!entry.isFile() || extname(entry.name).toLowerCase() !== '.txt') continue;
      const stem = basename(entry.name, extname(entry.name));
      if (Object.hasOwn(files, stem)) continue;
      files[stem] = splitLines((await readFile(join(dir, entry.name), 'utf8')).replace(/^\uFEFF/, ''));
    }
    for (const entry of entries) if (entry.isDirectory()) await visit(join(dir, entry.name));
  };
  await visit(folder);
  return files;
}
