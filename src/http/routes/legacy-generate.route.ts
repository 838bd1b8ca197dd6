/**
 * The legacy (Fooocus-API) generation routes: v1 text-to-image and the v2 JSON routes, the v1
 * multipart routes, and the enhance routes (501). Adapt → resolve inputs → accept → reply in the
 * mode the client chose (fooocus-api-legacy.md §1.3).
 */
import type { Request, Response } from 'express';
import {
  LEGACY_JOB_TYPES,
  toCommonRequestFromLegacyForm,
  toCommonRequestFromLegacyJson,
  type LegacyFormRoute,
  type LegacyJsonRoute,
} from '../../../adapters/legacy/legacy-request.ts';
import { toAsyncJobResponse, toGeneratedImageResults } from '../../../adapters/legacy/job-response.ts';
import type { AdaptResult } from '../../../adapters/server-snapshot.ts';
import type { CommonRequest } from '../../../adapters/common-request.ts';
import { InvalidFieldError, NotImplementedFeatureError } from '../../errors.ts';
import type { TaskRecord } from '../../tasks/task.types.ts';
import type { SentForm } from '../app.ts';
import { setTaskHeaders } from '../response-headers.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';
import { legacyReplyOptions } from './legacy-replies.route.ts';

type LegacyReplyMode = 'binary' | 'async' | 'sync';

/**
 * §1.3: the `accept` query value (when non-empty) overrides the header; binary iff exactly
 * `image/png`. async_process wins over binary, except that binary still forces one image and a
 * full queue still answers binary's 409.
 */
function isBinaryAccept(req: Request): boolean {
  const query = typeof req.query.accept === 'string' ? req.query.accept : '';
  return (query !== '' ? query : (req.headers.accept ?? '')) === 'image/png';
}

/** Binary: the first image re-encoded as PNG; a failed job or one without images is a 500. */
async function replyBinary(deps: RouteDeps, res: Response, done: TaskRecord): Promise<void> {
  if (done.status === 'failed') return sendJson(res, 500, { detail: done.error ?? 'generation failed' });
  const first = done.result[0];
  if (!first) {
    res.status(500).end();
    return;
  }
  const bytes = await deps.files.readOutput(first.file);
  res.status(200).type('image/png').send(first.file.endsWith('.png') ? bytes : await deps.codec.convert(bytes, 'png'));
}

/** CommonRequest image fields → the names legacy clients sent (v1 file parts / v2 JSON keys). */
function legacyImageField(field: string, isForm: boolean): string {
  const slot = /^controlnet_image\.(\d+)\.cn_img$/.exec(field);
  if (slot) return isForm ? `cn_img${Number(slot[1]) + 1}` : `image_prompts.${slot[1]}.cn_img`;
  return ({ uov_input_image: 'input_image', inpaint_input_image: 'input_image', inpaint_mask_image_upload: 'input_mask' } as Record<string, string>)[field] ?? field;
}

/** Input resolution names CommonRequest fields; a 422 must name the field as this client sent it. */
function resolveInputs(deps: RouteDeps, route: LegacyJsonRoute | LegacyFormRoute, request: CommonRequest): Promise<CommonRequest> {
  return deps.inputs.resolve(request).catch((error: unknown) => {
    if (!(error instanceof InvalidFieldError) || !error.field) throw error;
    const name = legacyImageField(error.field, !route.startsWith('v2/') && route !== 'v1/text-to-image');
    if (name === error.field) throw error;
    throw new InvalidFieldError(name, error.message.split(error.field).join(name), { type: error.type, input: error.input, cause: error });
  });
}

async function acceptAndReply(deps: RouteDeps, req: Request, res: Response, route: LegacyJsonRoute | LegacyFormRoute, adapted: AdaptResult): Promise<void> {
  const isBinary = isBinaryAccept(req);
  const mode: LegacyReplyMode = adapted.request.async_process ? 'async' : isBinary ? 'binary' : 'sync';
  // Binary returns one image (§1.3), and the stored request says so.
  if (isBinary) adapted.request.image_number = 1;
  // For the error handler's QUEUE_IS_FULL replies (the only shapes that depend on the mode).
  res.locals.legacyReplyMode = isBinary ? 'binary' : mode;
  res.locals.legacyJobType = LEGACY_JOB_TYPES[route];
  const request = await resolveInputs(deps, route, adapted.request);
  const task = await deps.service.accept({ request, dialect: 'legacy', responseMode: mode, warnings: adapted.warnings });
  setTaskHeaders(res, task.warnings, adapted.ignoredFields);
  if (mode === 'async') return sendJson(res, 200, toAsyncJobResponse(task, null, { ...(await legacyReplyOptions(deps, task)), requireStepPreview: false }));
  // A client that disconnects does not lose the task: it still finishes, is recorded and notifies.
  const done = await deps.service.waitForFinish(task.taskId);
  if (res.writableEnded) return;
  if (mode === 'binary') return replyBinary(deps, res, done);
  sendJson(res, 200, toGeneratedImageResults(done, await legacyReplyOptions(deps, done)));
}

export function legacyJsonGenerateRoute(deps: RouteDeps, route: LegacyJsonRoute) {
  return async (req: Request, res: Response): Promise<void> => {
    const body = (res.locals.sentBody ?? req.body ?? {}) as Record<string, unknown>;
    const adapted = toCommonRequestFromLegacyJson(route, body, await deps.snapshot(), { randomSeed: deps.ids.randomSeed() });
    await acceptAndReply(deps, req, res, route, adapted);
  };
}

export function legacyFormGenerateRoute(deps: RouteDeps, route: LegacyFormRoute) {
  return async (req: Request, res: Response): Promise<void> => {
    const form = (res.locals.sentForm as SentForm | undefined) ?? { fields: {}, files: {} };
    const adapted = toCommonRequestFromLegacyForm(route, form.fields, form.files, await deps.snapshot(), { randomSeed: deps.ids.randomSeed() });
    await acceptAndReply(deps, req, res, route, adapted);
  };
}

/** Fooocus 2.5 enhance is out of scope (DECISIONS §1). */
export function legacyEnhanceRoute() {
  return (): never => {
    throw new NotImplementedFeatureError('image-enhance: Fooocus enhance is not supported by this server yet; use image-upscale-vary, image-inpaint-outpaint or image-prompt');
  };
}
