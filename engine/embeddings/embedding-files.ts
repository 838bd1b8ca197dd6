/**
 * Embedding files by name, as Fooocus's loader finds them: `models/embeddings/<name>` itself, else
 * `<name>.safetensors`, `.pt`, `.bin`, looked for in the folder and then in every folder below it
 * (ComfyUI walks them all, so `embedding:foo` also finds `sub/foo.pt`; we go root first, then
 * subfolders in code-point order, where ComfyUI's order is a Python set's). A name may hold `/`
 * (`embedding:sub/foo`) but never leaves the folder.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export const EMBEDDINGS_FOLDER = 'embeddings';
export const EMBEDDING_EXTENSIONS = ['.safetensors', '.pt', '.bin'] as const;
/** Symlinked folders may loop; Fooocus folders nest a level or two. */
const MAX_DEPTH = 8;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** `root` and every folder below it (symlinks followed), root first, then sorted. */
async function foldersUnder(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        if (!(await stat(path)).isDirectory()) continue;
      } catch {
        continue;
      }
      found.push(path);
      if (depth < MAX_DEPTH) await walk(path, depth + 1);
    }
  };
  await walk(root, 1);
  return [root, ...found.sort()];
}

/** The file `name` refers to under any of `roots`, or null. */
export async function findEmbeddingFile(roots: readonly string[], name: string): Promise<string | null> {
  if (name === '' || name.includes('\0')) return null;
  for (const root of roots) {
    for (const folder of await foldersUnder(resolve(root))) {
      const path = resolve(folder, name);
      const inside = relative(folder, path);
      if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) continue;
      if (await isFile(path)) return path;
      for (const extension of EMBEDDING_EXTENSIONS) if (await isFile(path + extension)) return path + extension;
    }
  }
  return null;
}

/** Names the folders offer (paths below a root without the extension), sorted: what an error lists. */
export async function listEmbeddingNames(roots: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const root of roots) {
    for (const folder of await foldersUnder(resolve(root))) {
      let entries: string[];
      try {
        entries = await readdir(folder);
      } catch {
        continue;
      }
      for (const entry of entries) {
        const extension = EMBEDDING_EXTENSIONS.find((e) => entry.toLowerCase().endsWith(e));
        if (!extension || !(await isFile(join(folder, entry)))) continue;
        names.add(
          relative(resolve(root), join(folder, entry.slice(0, -extension.length)))
            .split('\\')
            .join('/'),
        );
      }
    }
  }
  return [...names].sort();
}
