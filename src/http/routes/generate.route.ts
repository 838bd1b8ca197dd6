/** POST /v1/engine/generate/ (both spellings): adapt → accept → reply in the mode the adapter chose. */
import type { Request, Response } from 'express';
import { toCommonRequest } from '../../../adapters/all-in-one/generate.ts';
import { idempotencyOf } from '../idempotency.ts';
import { sentJsonBody } from '../json-body.ts';
import { setTaskHeaders } from '../response-headers.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendAllInOneReply } from './generate-responders.ts';

export function generateRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const accept = req.headers.accept ?? '';
    const body = sentJsonBody(req);
    const idempotency = idempotencyOf(req, 'generate', accept, body);
    const adapted = toCommonRequest(body, await deps.catalogue.refresh(), {
      randomSeed: deps.ids.randomSeed(),
      accept,
    });
    const task = await deps.service.accept(adapted, 'all-in-one', idempotency);
    setTaskHeaders(res, task.warnings, adapted.ignoredFields);
    await sendAllInOneReply(deps, res, task, adapted.reply);
  };
}
