/** `--apikey`: operations whose spec lists a security requirement need a valid `X-API-KEY` (403 otherwise). */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiKeyChecker } from '../auth/api-key.ts';
import { ForbiddenError } from '../errors.ts';
import type { OperationLookup } from '../openapi/operation-index.ts';

/** File routes list the key only as an alternative in the spec: public unless --protect-files. */
const FILE_OPERATIONS = new Set(['getOutputFile', 'getInputFile', 'getLegacyFile']);

export function apiKeyGate(
  findOperation: OperationLookup,
  apiKeys: ApiKeyChecker,
  isFileAccessProtected: boolean,
): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!apiKeys.isEnabled) return next();
    const op = findOperation(req.method, req.path);
    const isProtected = op ? (FILE_OPERATIONS.has(op.operationId) ? isFileAccessProtected : op.isProtected) : false;
    if (!isProtected || apiKeys.accepts(req.header('x-api-key'))) return next();
    next(new ForbiddenError());
  };
}
