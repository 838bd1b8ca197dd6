/**
 * Read access to what clients may download: generated images under `<data-dir>/<YYYY-MM-DD>/` and
 * stored inputs under `<data-dir>/inputs/`. Names that are not plain (traversal, nested paths,
 * other folders, non-image outputs such as db.sqlite3) read as missing, and so does a symlink that
 * leads out of its served folder.
 */
import { readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { NotFoundError } from '../errors.ts';
import { isPlainOutputName } from './output-store.ts';

const PLAIN_INPUT_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]*$/;
const IMAGE_EXTENSION = /\.(png|jpe?g|webp)$/i;

const notFound = () => new NotFoundError('Not Found');

/** The bytes of `<root>/<folder>/<name>` if, with every link resolved (the folder's too), it still lies there. */
async function readInside(root: string, folder: string, name: string): Promise<Buffer> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(join(root, folder, name))]).catch(() => {
    throw notFound();
  });
  if (dirname(realFile) !== join(realRoot, folder)) throw notFound();
  return readFile(realFile).catch(() => {
    throw notFound();
  });
}

export class StoredFiles {
  constructor(private readonly dataDir: string) {}

  /** `file` is `<YYYY-MM-DD>/<name>`; only image files are ever served from the data dir. */
  readOutput(file: string): Promise<Buffer> {
    if (!isPlainOutputName(file) || !IMAGE_EXTENSION.test(file)) return Promise.reject(notFound());
    const [folder, name] = file.split('/');
    return readInside(this.dataDir, folder, name);
  }

  readInput(name: string): Promise<Buffer> {
    if (!PLAIN_INPUT_NAME.test(name)) return Promise.reject(notFound());
    return readInside(this.dataDir, 'inputs', name);
  }
}
