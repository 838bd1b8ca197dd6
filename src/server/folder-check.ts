/** The start-up folder check main.ts runs before composing the server (see writable-folders.ts). */
import { listCheckpoints } from '../../engine/index.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { describeFolderProblems, probeWritable, type FolderProblem } from './writable-folders.ts';

const RECHECK_MS = 10_000;

/**
 * The folders that must be writable for this start: the data dir; the models dir when the demo checkpoint must be
 * written there.
 */
async function findProblems(config: Config, logger: Logger, isFirst: boolean): Promise<FolderProblem[]> {
  const problems: FolderProblem[] = [];
  const data = await probeWritable('--data-dir', config.dataDir);
  if (data) problems.push(data);
  const models = await probeWritable('--models-dir', config.modelsDir);
  if (models) {
    const needsDemo =
      config.isDemoModelEnabled && (await listCheckpoints(config.modelsDir).catch(() => [])).length === 0;
    if (needsDemo) problems.push(models);
    else if (isFirst)
      logger.warn(
        `${config.modelsDir} is read-only (${models.reason}): LoRA and FreeU caches and \`npm run models\` need it writable`,
      );
  }
  return problems;
}

/**
 * Resolves once the folders are writable. Without --wait-for-writable-folders a problem is thrown
 * (main exits 2 with the message); with it the message is logged and the check repeats, so a
 * container whose bind mounts are chowned later starts by itself instead of crash-looping.
 */
export async function awaitWritableFolders(
  config: Config,
  logger: Logger,
  sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)),
): Promise<void> {
  const uid = process.getuid?.() ?? null;
  const gid = process.getgid?.() ?? null;
  for (let attempt = 0; ; attempt++) {
    const problems = await findProblems(config, logger, attempt === 0);
    if (problems.length === 0) {
      if (attempt > 0) logger.info('the folders are writable now; starting');
      return;
    }
    const message = describeFolderProblems(problems, uid, gid);
    if (!config.isWaitingForWritableFolders) throw new Error(message);
    // Said once, then once a minute, so the container log stays readable.
    if (attempt % 6 === 0) logger.error(`${message}. Waiting; checking again every ${RECHECK_MS / 1000} s`);
    await sleep(RECHECK_MS);
  }
}
