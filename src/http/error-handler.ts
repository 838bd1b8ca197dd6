/**
 * The only place that knows status codes for errors (house-style "Error types").
 * Validator errors → pydantic 422; our AppErrors → status + body; anything else → a 500 with a
 * correlation id, the full error logged, nothing internal sent to the client.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import multer from 'multer';
import { JOB_NOT_FOUND, toQueueFullJobResponse, toQueueFullResults } from '../../adapters/legacy/job-response.ts';
import {
  AppError,
  ConflictError,
  FeatureUnavailableError,
  ForbiddenError,
  InvalidFieldError,
  LegacyJobNotFoundError,
  MethodNotAllowedError,
  NotFoundError,
  NotImplementedFeatureError,
  QueueFullError,
} from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { fromValidatorErrors, RequestValidationError, toLoc, type PydanticErrorItem } from './validation-error.ts';
import { sendJson } from './send-json.ts';

interface ValidatorHttpError {
  status: number;
  message?: string;
  errors?: { path?: string; message?: string; errorCode?: string }[];
}

function isValidatorError(err: unknown): err is ValidatorHttpError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as ValidatorHttpError).status === 'number' &&
    Array.isArray((err as ValidatorHttpError).errors)
  );
}

function invalidFieldItems(err: InvalidFieldError): PydanticErrorItem[] {
  const item: PydanticErrorItem = { type: err.type, loc: toLoc(err.field), msg: err.message, input: err.input ?? null };
  if (err.allowed) item.ctx = { expected: err.allowed.join(', ') };
  return [item];
}

const MULTER_LIMITS = new Set([
  'LIMIT_PART_COUNT',
  'LIMIT_FILE_SIZE',
  'LIMIT_FILE_COUNT',
  'LIMIT_FIELD_KEY',
  'LIMIT_FIELD_VALUE',
  'LIMIT_FIELD_COUNT',
]);

/**
 * Queue full in the legacy dialect (§1.3): clients check finish_reason, not the status — 200 with
 * the QUEUE_IS_FULL shapes for the JSON modes, 409 text for a binary Accept (even under async_process).
 */
function sendLegacyQueueFull(res: Response, err: QueueFullError): void {
  if (err.reply.isBinaryAccept) {
    res.status(409).type('text/plain').send('QUEUE_IS_FULL');
    return;
  }
  sendJson(res, 200, err.reply.mode === 'async' ? toQueueFullJobResponse(err.reply.jobType) : toQueueFullResults());
}

function sendMulterError(res: Response, err: multer.MulterError): void {
  const field = err.field ? `${err.field}: ` : '';
  if (MULTER_LIMITS.has(err.code))
    return sendJson(res, 413, {
      detail: `${field}${err.message} (files up to 20 MiB, at most 16 files and 64 fields)`,
    });
  sendJson(res, 422, {
    detail: [
      {
        type: 'value_error',
        loc: err.field ? ['body', err.field] : ['body'],
        msg: `${field}${err.message}`,
        input: null,
      },
    ],
  });
}

export function errorHandler(logger: Logger) {
  // Express recognises error middleware by arity: keep all four parameters.
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      logger.error(`error after headers were sent on ${req.method} ${req.path}`, err);
      res.end();
      return;
    }
    if (err instanceof RequestValidationError) return sendJson(res, 422, { detail: err.items });
    if (err instanceof InvalidFieldError) return sendJson(res, 422, { detail: invalidFieldItems(err) });
    if (err instanceof ForbiddenError) return sendJson(res, 403, { detail: 'Forbidden' });
    if (err instanceof LegacyJobNotFoundError) return sendJson(res, 404, JOB_NOT_FOUND);
    if (err instanceof NotFoundError) return sendJson(res, 404, { detail: err.message });
    if (err instanceof multer.MulterError) return sendMulterError(res, err);
    if (err instanceof MethodNotAllowedError) {
      res.setHeader('Allow', (err.allowed ?? []).join(', '));
      return sendJson(res, 405, { detail: 'Method Not Allowed' });
    }
    if (err instanceof ConflictError) return sendJson(res, 409, { detail: err.message });
    if (err instanceof QueueFullError && err.dialect === 'legacy') return sendLegacyQueueFull(res, err);
    if (err instanceof QueueFullError) {
      res.setHeader('Retry-After', String(err.retryAfterSeconds));
      return sendJson(res, 503, { detail: err.message });
    }
    if (err instanceof FeatureUnavailableError) return sendJson(res, 503, { detail: err.message });
    if (err instanceof NotImplementedFeatureError) return sendJson(res, 501, { detail: err.message });
    if (isValidatorError(err)) {
      if (err.status === 404) return sendJson(res, 404, { detail: 'Not Found' });
      if (err.status === 405) return sendJson(res, 405, { detail: 'Method Not Allowed' });
      return sendJson(res, 422, { detail: fromValidatorErrors(err.errors ?? [], req) });
    }
    const status =
      (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser (payload too large, bad charset) and multer errors: client mistakes, never a 500.
      const message = (err as Error).message ?? 'Bad request';
      return sendJson(res, status === 400 ? 422 : status, {
        detail: status === 400 ? [{ type: 'value_error', loc: ['body'], msg: message, input: null }] : message,
      });
    }
    if (err instanceof AppError) logger.warn(`unmapped ${err.name}: ${err.message}`);
    const correlationId = randomUUID();
    logger.error(`[${correlationId}] ${req.method} ${req.path} failed`, err);
    sendJson(res, 500, { detail: `Internal Server Error (correlation id ${correlationId})` });
  };
}
