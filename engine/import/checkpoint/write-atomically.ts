/**
 * Writes a folder under a hidden temporary name beside its destination and renames it into place only when
 * complete, so a failed or interrupted import never leaves a half-written result where a reader looks. A killed
 * process can leave a `.<name>.partial-*` folder behind; readers skip dot folders.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export async function writeAtomically<T>(outDir: string, write: (tempDir: string) => Promise<T>): Promise<T> {
  if (
    await stat(outDir).then(
      () => true,
      () => false,
    )
  )
    throw new Error(`${outDir} already exists; remove it or import under another name`);
  const parent = dirname(outDir);
  await mkdir(parent, { recursive: true });
  const temp = join(parent, `.${basename(outDir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = await write(temp);
    await rename(temp, outDir);
    return result;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}
