/**
 * Legacy service routes (fooocus-api-legacy.md §1.1, §5.5): the removed-but-still-called
 * refresh-models (same body as all-models), clean_vram, ping and /files/{date}/{file}.
 */
import type { Request, Response } from 'express';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';
import { allModelsRoute } from './engines.route.ts';
import { outputFileRoute } from './files.route.ts';

/** POST /v1/engines/refresh-models (≤ v0.3.33): rescans the model folders now. */
export function legacyRefreshModelsRoute(deps: RouteDeps) {
  return allModelsRoute(deps, { rescan: true });
}

/**
 * GET /v1/engines/clean_vram: answers once the engine has released its sessions (after the job in progress, if any).
 */
export function legacyCleanVramRoute(deps: RouteDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    await deps.service.releaseEngine();
    sendJson(res, 200, { message: 'ok' });
  };
}

/** GET /ping: the JSON string "pong" (v0.4+). */
export function legacyPingRoute() {
  return (_req: Request, res: Response): void => {
    sendJson(res, 200, 'pong');
  };
}

/** GET /files/{date}/{file}: the same folder as /outputs, with the same Accept conversion. */
export function legacyFileRoute(deps: RouteDeps) {
  const serve = outputFileRoute(deps);
  return async (req: Request, res: Response): Promise<void> => {
    // The spec may call the second segment `file_name`, as the original does.
    const params = req.params as Record<string, string | undefined>;
    if (params.file === undefined && params.file_name !== undefined) params.file = params.file_name;
    await serve(req, res);
  };
}
