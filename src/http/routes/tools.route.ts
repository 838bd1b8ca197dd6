/**
 * POST /v1/tools/describe-image and POST /v1/tools/generate_mask, one path each for both dialects
 * (fooocusapi-new.md §6, fooocus-api-legacy.md §4.4–4.5): adapt → run at once → the originals'
 * reply (`{"describe": text}`; the mask as a JSON string of base64 PNG). What the originals would
 * not say — a demo model answered — goes in X-Fooocus-Warnings.
 */
import type { Request, Response } from 'express';
import { toDescribeRequest, toMaskRequest } from '../../../adapters/tools/tool-requests.ts';
import { sentJsonBody } from '../json-body.ts';
import { sentForm } from '../multipart-body.ts';
import { setTaskHeaders } from '../response-headers.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

const FORM_TYPES = /^multipart\/form-data/i;

export function describeImageRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const isForm = FORM_TYPES.test(req.headers['content-type'] ?? '');
    const sent = isForm ? { upload: sentForm(req).files.image } : { json: sentJsonBody(req) };
    const request = toDescribeRequest(sent, req.query as Record<string, unknown>);
    const { text, warnings } = await deps.tools.describe(request);
    setTaskHeaders(res, warnings, request.ignoredFields);
    sendJson(res, 200, { describe: text });
  };
}

export function generateMaskRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const request = toMaskRequest(sentJsonBody(req));
    const { png, warnings } = await deps.tools.mask(request);
    setTaskHeaders(res, warnings, request.ignoredFields);
    sendJson(res, 200, Buffer.from(png).toString('base64'));
  };
}
