/**
 * GET /outputs/{date}/{file} (also /files/... for the legacy dialect) and GET /inputs/{file}
 * (fooocusapi-new.md §12.3): the raw file, or a re-encoding chosen by Accept — done in the codec
 * worker, never on this loop.
 */
import type { Request, Response } from 'express';
import { chooseFileFormat } from '../response-mode.ts';
import { formatOfFile } from '../file-formats.ts';
import type { RouteDeps } from '../route-deps.ts';

async function sendImage(deps: RouteDeps, req: Request, res: Response, bytes: Buffer, name: string): Promise<void> {
  const stored = formatOfFile(name);
  const wanted = chooseFileFormat(req.headers.accept);
  if (wanted && wanted !== stored) {
    res
      .status(200)
      .type(`image/${wanted}`)
      .send(await deps.codec.convert(bytes, wanted));
    return;
  }
  res
    .status(200)
    .type(stored ? `image/${stored}` : 'application/octet-stream')
    .send(bytes);
}

export function outputFileRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const file = String(req.params.file);
    await sendImage(deps, req, res, await deps.files.readOutput(`${String(req.params.date)}/${file}`), file);
  };
}

export function inputFileRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const file = String(req.params.file);
    await sendImage(deps, req, res, await deps.files.readInput(file), file);
  };
}
