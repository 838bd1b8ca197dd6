/**
 * GET /outputs/{date}/{file} (also /files/... for the legacy dialect) and GET /inputs/{file}
 * (fooocusapi-new.md §12.3): the raw file, or a re-encoding chosen by Accept — done in the codec
 * worker, never on this loop.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Request, Response } from 'express';
import { NotFoundError } from '../../errors.ts';
import { chooseFileFormat } from '../response-mode.ts';
import { formatOfFile } from '../file-formats.ts';
import type { RouteDeps } from '../route-deps.ts';

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]*$/;

async function sendImage(deps: RouteDeps, req: Request, res: Response, path: string, name: string): Promise<void> {
  const bytes = await readFile(path).catch(() => {
    throw new NotFoundError('Not Found');
  });
  const stored = formatOfFile(name);
  const wanted = chooseFileFormat(req.headers.accept);
  if (wanted && wanted !== stored) {
    res.status(200).type(`image/${wanted}`).send(await deps.codec.convert(bytes, wanted));
    return;
  }
  res.status(200).type(stored ? `image/${stored}` : 'application/octet-stream').send(bytes);
}

export function outputFileRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const date = String(req.params.date);
    const file = String(req.params.file);
    const path = deps.outputs.pathOf(`${date}/${file}`);
    // Only images are served from the data dir (its db.sqlite3 and logs must never be).
    if (!path || !formatOfFile(file)) throw new NotFoundError('Not Found');
    await sendImage(deps, req, res, path, file);
  };
}

export function inputFileRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const file = String(req.params.file);
    if (!PLAIN_NAME.test(file)) throw new NotFoundError('Not Found');
    await sendImage(deps, req, res, join(deps.dataDir, 'inputs', file), file);
  };
}
