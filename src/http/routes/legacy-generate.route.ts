/**
 * The legacy (Fooocus-API) generation routes: v1 text-to-image and the v2 JSON routes, the v1
 * multipart routes, and the enhance routes (501). Adapt → accept → reply in the mode the adapter
 * chose (fooocus-api-legacy.md §1.3).
 */
import type { Request, Response } from 'express';
import {
  toCommonRequestFromLegacyForm,
  toCommonRequestFromLegacyJson,
  type LegacyFormRoute,
  type LegacyJsonRoute,
} from '../../../adapters/legacy/legacy-request.ts';
import { toAsyncJobResponse, toGeneratedImageResults } from '../../../adapters/legacy/job-response.ts';
import type { AdaptResult } from '../../../adapters/server-snapshot.ts';
import { NotImplementedFeatureError } from '../../errors.ts';
import { sendBinaryResult } from '../binary-reply.ts';
import type { IdempotencyTag } from '../../tasks/task.types.ts';
import { formForFingerprint, idempotencyOf } from '../idempotency.ts';
import { sentJsonBody } from '../json-body.ts';
import { legacyReplyOptions } from '../legacy-reply-options.ts';
import { sentForm } from '../multipart-body.ts';
import { setTaskHeaders } from '../response-headers.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

/** §1.3: the `accept` query value, when non-empty, overrides the header. */
function acceptValue(req: Request): string {
  const query = typeof req.query.accept === 'string' ? req.query.accept : '';
  return query !== '' ? query : (req.headers.accept ?? '');
}

async function acceptAndReply(
  deps: RouteDeps,
  res: Response,
  adapted: AdaptResult,
  idempotency: IdempotencyTag | undefined,
): Promise<void> {
  const task = await deps.service.accept(adapted, 'legacy', idempotency);
  setTaskHeaders(res, task.warnings, adapted.ignoredFields);
  if (adapted.reply.mode === 'async') {
    return sendJson(
      res,
      200,
      toAsyncJobResponse(task, null, { ...(await legacyReplyOptions(deps, task)), requireStepPreview: false }),
    );
  }
  // A client that disconnects does not lose the task: it still finishes, is recorded and notifies.
  const done = await deps.service.waitForFinish(task.taskId);
  if (res.writableEnded) return;
  if (adapted.reply.mode === 'binary') return sendBinaryResult(deps, res, done, 'png', 500);
  sendJson(res, 200, toGeneratedImageResults(done, await legacyReplyOptions(deps, done)));
}

export function legacyJsonGenerateRoute(deps: RouteDeps, route: LegacyJsonRoute) {
  return async (req: Request, res: Response): Promise<void> => {
    const accept = acceptValue(req);
    const body = sentJsonBody(req);
    const idempotency = idempotencyOf(req, route, accept, body);
    const adapted = toCommonRequestFromLegacyJson(route, body, await deps.catalogue.refresh(), {
      randomSeed: deps.ids.randomSeed(),
      accept,
    });
    await acceptAndReply(deps, res, adapted, idempotency);
  };
}

export function legacyFormGenerateRoute(deps: RouteDeps, route: LegacyFormRoute) {
  return async (req: Request, res: Response): Promise<void> => {
    const form = sentForm(req);
    const accept = acceptValue(req);
    const idempotency = idempotencyOf(req, route, accept, formForFingerprint(form));
    const adapted = toCommonRequestFromLegacyForm(route, form.fields, form.files, await deps.catalogue.refresh(), {
      randomSeed: deps.ids.randomSeed(),
      accept,
    });
    await acceptAndReply(deps, res, adapted, idempotency);
  };
}

/** Fooocus 2.5 enhance is out of scope (DECISIONS §1). */
export function legacyEnhanceRoute() {
  return (): never => {
    throw new NotImplementedFeatureError(
      'image-enhance: Fooocus enhance is not supported by this server yet; use image-upscale-vary, image-inpaint-outpaint or image-prompt',
    );
  };
}
