/**
 * The only place that knows status codes for errors (house-style "Error types").
 * Validator errors → pydantic 422; our AppErrors → status + body; anything else → a 500 with a
 * correlation id, the full error logged, nothing internal sent to the client.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import {
  AppError,
  ConflictError,
  FeatureUnavailableError,
  ForbiddenError,
  InvalidFieldError,
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
  return typeof err === 'object' && err !== null && typeof (err as ValidatorHttpError).status === 'number' && Array.isArray((err as ValidatorHttpError).errors);
}

function invalidFieldItems(err: InvalidFieldError): PydanticErrorItem[] {
  const item: PydanticErrorItem = { type: err.type, loc: toLoc(err.field), msg: err.message, input: err.input ?? null };
  if (err.allowed) item.ctx = { expected: err.allowed.join(', ') };
  return [item];
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
    if (err instanceof NotFoundError) return sendJson(res, 404, { detail: err.message });
    if (err instanceof MethodNotAllowedError) {
      res.setHeader('Allow', (err.allowed ?? []).join(', '));
      return sendJson(res, 405, { detail: 'Method Not Allowed' });
    }
    if (err instanceof ConflictError) return sendJson(res, 409, { detail: err.message });
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
    const status = (err as { status?: number; statusCode?: number })?.status ?? (err as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // body-parser (payload too large, bad charset) and multer errors: client mistakes, never a 500.
      const message = (err as Error).message ?? 'Bad request';
      return sendJson(res, status === 400 ? 422 : status, { detail: status === 400 ? [{ type: 'value_error', loc: ['body'], msg: message, input: null }] : message });
    }
    if (err instanceof AppError) logger.warn(`unmapped ${err.name}: ${err.message}`);
    const correlationId = randomUUID();
    logger.error(`[${correlationId}] ${req.method} ${req.path} failed`, err);
    sendJson(res, 500, { detail: `Internal Server Error (correlation id ${correlationId})` });
  };
}
