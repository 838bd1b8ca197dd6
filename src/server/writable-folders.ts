/**
 * The folders the server writes (the data dir always; the models dir when the demo checkpoint must
 * be written into it) checked before anything else starts. In a container, bind-mounted folders
 * that Docker created on the host belong to root while the server runs as uid 1000: the check turns
 * the EACCES crash loop into one clear message with the fix.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FolderProblem {
  /** What the folder is for (`--data-dir`, `--models-dir`). */
  flag: string;
  dir: string;
  reason: string;
}

/** Creates the folder if needed and writes then removes a probe file; the problem, or null when it is writable. */
export async function probeWritable(flag: string, dir: string): Promise<FolderProblem | null> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.write-probe-${randomBytes(4).toString('hex')}`);
    await writeFile(probe, '');
    await rm(probe, { force: true });
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { flag, dir, reason: code ?? (error instanceof Error ? error.message : String(error)) };
  }
}

/** One message naming every folder, who the server runs as, and the command that fixes it. */
export function describeFolderProblems(
  problems: readonly FolderProblem[],
  uid: number | null,
  gid: number | null,
): string {
  const who = uid === null ? 'this user' : `uid ${uid}`;
  const list = problems.map((p) => `${p.flag} ${p.dir} (${p.reason})`).join(', ');
  const owner = uid === null ? '<you>' : `${uid}:${gid ?? uid}`;
  const dirs = problems.map((p) => p.dir).join(' ');
  return (
    `cannot write to ${list} as ${who}. Make the folders writable for it, e.g. on the host of a bind mount: ` +
    `sudo chown -R ${owner} <host folders mounted at ${dirs}> (README, Docker)`
  );
}
