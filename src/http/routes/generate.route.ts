/** POST /v1/engine/generate/ (both spellings): adapt → resolve inputs → accept → respond in the chosen mode. */
import type { Request, Response } from 'express';
import { toCommonRequest } from '../../../adapters/all-in-one/generate.ts';
import { chooseResponseMode } from '../response-mode.ts';
import type { RouteDeps } from '../route-deps.ts';
import { setTaskHeaders } from '../response-headers.ts';
import { respondAsync, respondBinary, respondStream, respondSync } from './generate-responders.ts';

export function generateRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const adapted = toCommonRequest(res.locals.sentBody ?? req.body ?? {}, await deps.snapshot(), { randomSeed: deps.ids.randomSeed() });
    const mode = chooseResponseMode(req.headers.accept, adapted.request);
    // Binary mode returns one image, and req_params says so (fooocusapi-new.md §10.4).
    if (mode.kind === 'binary') adapted.request.image_number = 1;
    const request = await deps.inputs.resolve(adapted.request);
    const task = await deps.service.accept({ request, dialect: 'all-in-one', responseMode: mode.kind, warnings: adapted.warnings });
    setTaskHeaders(res, task.warnings, adapted.ignoredFields);
    if (mode.kind === 'binary') return respondBinary(deps, res, task, mode.format);
    if (mode.kind === 'stream') return respondStream(deps, res, task);
    if (mode.kind === 'async') return respondAsync(res, task);
    return respondSync(deps, res, task);
  };
}
