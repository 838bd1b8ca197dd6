/**
 * The express app, wiring only: CORS → docs/specs → known operations only (404/405) → JSON
 * normalising → API key → multipart (the one multer) → the one validator → the operations of the
 * bundled spec → the one error handler. Routes are mounted from the spec's operationIds, so a spec operation without a
 * handler
 * (or the reverse) fails at start-up.
 */
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { ApiKeyChecker } from '../auth/api-key.ts';
import { MethodNotAllowedError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { buildMultipartFieldIndex } from '../openapi/multipart-fields.ts';
import {
  allowedMethods,
  buildOperationIndex,
  canonicalPath,
  operationLookup,
  type OperationInfo,
  type OperationLookup,
} from '../openapi/operation-index.ts';
import { apiKeyGate } from './api-key-gate.ts';
import { cors } from './cors.ts';
import { mountDocs } from './docs.ts';
import { errorHandler } from './error-handler.ts';
import { buildBodySchemaIndex, jsonBody } from './json-body.ts';
import { multipartBody } from './multipart-body.ts';
import { requestId } from './request-id.ts';
import { requestValidators } from './request-validator.ts';
import type { RouteDeps } from './route-deps.ts';
import { operationHandlers } from './routes/operation-handlers.ts';

export interface AppOptions {
  /** One bundled document with every dialect (validation). */
  document: Record<string, unknown>;
  /** Each dialect's own bundled spec, served under /openapi/<name>.{json,yaml} and in Swagger UI. */
  specs: Record<string, Record<string, unknown>>;
  apiKeys: ApiKeyChecker;
  isFileAccessProtected: boolean;
  logger: Logger;
  deps: RouteDeps;
  /** Pages and endpoints outside the specs (/redoc, /playground, /metrics), mounted beside the docs. */
  mounts?: ((app: Express) => void)[];
}

function mountOperations(app: Express, operations: OperationInfo[], deps: RouteDeps): void {
  const handlers = operationHandlers(deps);
  const used = new Set<string>();
  for (const op of operations) {
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`operation ${op.operationId} (${op.method} ${op.path}) has no handler`);
    used.add(op.operationId);
    app[op.method.toLowerCase() as 'get' | 'post'](op.expressPath, handler);
  }
  const unused = Object.keys(handlers).filter((id) => !used.has(id));
  if (unused.length > 0) throw new Error(`handlers without a spec operation: ${unused.join(', ')}`);
}

/**
 * Deny by default: a request that names no operation of the spec (unknown path, other letter case,
 * a method the path does not have) is answered 404/405 here, before the body parsers, the key gate,
 * the validator or any handler see it. A trailing-slash twin is rewritten to the spec's spelling,
 * so everything after sees the path it knows.
 */
function knownOperationsOnly(operations: OperationInfo[], findOperation: OperationLookup) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const op = findOperation(req.method, req.path);
    if (op) {
      const path = canonicalPath(op, req.path);
      if (path !== req.path) req.url = `${path}${req.url.slice(req.path.length)}`;
      return next();
    }
    const allowed = allowedMethods(operations, req.path);
    next(allowed.length > 0 ? new MethodNotAllowedError(allowed) : new NotFoundError('Not Found'));
  };
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // The key gate and the validator match paths case-sensitively; Express must dispatch the same way.
  app.set('case sensitive routing', true);
  app.use(requestId(options.logger));
  app.use(cors());
  mountDocs(app, options.specs, options.document);
  for (const mount of options.mounts ?? []) mount(app);
  const operations = buildOperationIndex(options.document);
  const findOperation = operationLookup(operations);
  app.use(knownOperationsOnly(operations, findOperation));
  app.use(jsonBody(buildBodySchemaIndex(options.document)));
  app.use(apiKeyGate(findOperation, options.apiKeys, options.isFileAccessProtected));
  // After the key check: uploads of unauthenticated clients are never buffered.
  app.use(multipartBody(buildMultipartFieldIndex(options.document), findOperation));
  const validatorFor = requestValidators(options.document);
  // An operation without parameters or body (/ping, /health, the listings) has nothing to check:
  // unknown query parameters are allowed anyway, so the validator's per-request work is skipped.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const op = findOperation(req.method, req.path);
    if (op?.hasInputs === false) return next();
    // Every request here names an operation (knownOperationsOnly); `op` is only missing in theory.
    validatorFor(op?.path ?? req.path)(req, res, next);
  });
  mountOperations(app, operations, options.deps);
  // Reached only if a handler passes the request on; the same answer as the gate above.
  app.use(knownOperationsOnly(operations, () => undefined));
  app.use(errorHandler(options.logger));
  return app;
}
