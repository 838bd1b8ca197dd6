/**
 * Read access to what clients may download: generated images under `<data-dir>/<folder>/` and
 * stored inputs under `<data-dir>/inputs/`. Names that are not plain (traversal, nested paths,
 * non-image outputs such as db.sqlite3) read as missing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../errors.ts';
import { isPlainOutputName } from './output-store.ts';

const PLAIN_INPUT_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]*$/;
const IMAGE_EXTENSION = /\.(png|jpe?g|webp)$/i;

async function readOrNotFound(path: string): Promise<Buffer> {
  return readFile(path).catch(() => {
    throw new NotFoundError('Not Found');
  });
}

export class StoredFiles {
  constructor(private readonly dataDir: string) {}

  /** `file` is `<folder>/<name>`; only image files are ever served from the data dir. */
  readOutput(file: string): Promise<Buffer> {
    if (!isPlainOutputName(file) || !IMAGE_EXTENSION.test(file)) return Promise.reject(new NotFoundError('Not Found'));
    return readOrNotFound(join(this.dataDir, file));
  }

  readInput(name: string): Promise<Buffer> {
    if (!PLAIN_INPUT_NAME.test(name)) return Promise.reject(new NotFoundError('Not Found'));
    return readOrNotFound(join(this.dataDir, 'inputs', name));
  }
}
