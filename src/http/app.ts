/**
 * The express app: CORS → docs/specs → JSON normalising → API key → the one validator → the
 * operations of the bundled spec → 404 → the one error handler. Routes are mounted from the spec's
 * operationIds, so a spec operation without a handler (or the reverse) fails at start-up.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import swaggerUi from 'swagger-ui-express';
import { stringify as toYaml } from 'yaml';
import type { ApiKeyChecker } from '../auth/api-key.ts';
import { ForbiddenError, MethodNotAllowedError, NotFoundError } from '../errors.ts';
import type { Logger } from '../logging/logger.ts';
import { cors } from './cors.ts';
import { errorHandler } from './error-handler.ts';
import { buildBodySchemaIndex, jsonBody } from './json-body.ts';
import { buildOperationIndex, type OperationInfo } from './operation-index.ts';
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
}

const FILE_OPERATIONS = new Set(['getOutputFile', 'getInputFile', 'getLegacyFile']);

function mountDocs(app: Express, specs: AppOptions['specs'], document: Record<string, unknown>): void {
  app.get('/openapi.json', (_req, res) => void res.json(document));
  app.get('/openapi/:file', (req, res, next) => {
    const match = /^([a-z0-9-]+)\.(json|yaml)$/.exec(String(req.params.file));
    const spec = match ? specs[match[1]] : undefined;
    if (!match || !spec) return next(new NotFoundError('Not Found'));
    if (match[2] === 'json') return void res.json(spec);
    res.type('application/yaml').send(toYaml(spec));
  });
  const urls = Object.keys(specs).map((name) => ({ url: `/openapi/${name}.json`, name }));
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(undefined, { explorer: true, swaggerOptions: { urls } }));
}

function apiKeyGate(operations: OperationInfo[], options: AppOptions): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (!options.apiKeys.isEnabled) return next();
    const op = operations.find((o) => o.method === req.method && o.pattern.test(req.path));
    // File routes list the key only as an alternative in the spec: public unless --protect-files.
    const isProtected = op ? (FILE_OPERATIONS.has(op.operationId) ? options.isFileAccessProtected : op.isProtected) : false;
    if (!isProtected || options.apiKeys.accepts(req.header('x-api-key'))) return next();
    next(new ForbiddenError());
  };
}

/**
 * Query values reach us unencoded from real clients (`/tasks?start_at=2024-03-01T10:30:00`, as
 * FooocusAPI's docs and browsers send it; FastAPI accepts them). The validator refuses reserved
 * characters such as `:` in a query value unless the parameter says `allowReserved`, so every query
 * parameter of the validation copy says so.
 */
function allowReservedQueryCharacters(document: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(document);
  const mark = (parameter: unknown) => {
    const p = parameter as { in?: string; allowReserved?: boolean } | null;
    if (p && typeof p === 'object' && p.in === 'query') p.allowReserved = true;
  };
  for (const item of Object.values((copy.paths ?? {}) as Record<string, Record<string, { parameters?: unknown[] }>>)) {
    (item.parameters as unknown[] | undefined)?.forEach(mark);
    for (const op of Object.values(item)) if (op && typeof op === 'object' && Array.isArray(op.parameters)) op.parameters.forEach(mark);
  }
  Object.values(((copy.components as Record<string, unknown> | undefined)?.parameters ?? {}) as Record<string, unknown>).forEach(mark);
  return copy;
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(cors());
  mountDocs(app, options.specs, options.document);
  const operations = buildOperationIndex(options.document);
  app.use(jsonBody(buildBodySchemaIndex(options.document)));
  app.use(apiKeyGate(operations, options));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: allowReservedQueryCharacters(options.document) as never,
      validateRequests: { allowUnknownQueryParameters: true, allErrors: true },
      validateResponses: false,
      validateSecurity: false,
      ignoreUndocumented: true,
      fileUploader: false,
    }),
  );
  const handlers = operationHandlers(options.deps);
  const used = new Set<string>();
  for (const op of operations) {
    const handler = handlers[op.operationId];
    if (!handler) throw new Error(`operation ${op.operationId} (${op.method} ${op.path}) has no handler`);
    used.add(op.operationId);
    app[op.method.toLowerCase() as 'get' | 'post'](op.expressPath, handler);
  }
  const unused = Object.keys(handlers).filter((id) => !used.has(id));
  if (unused.length > 0) throw new Error(`handlers without a spec operation: ${unused.join(', ')}`);
  // As Starlette: a path we serve, asked with another method, is a 405 (not a 404).
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const allowed = [...new Set(operations.filter((o) => o.pattern.test(req.path)).map((o) => o.method))];
    next(allowed.length > 0 ? new MethodNotAllowedError(allowed) : new NotFoundError('Not Found'));
  });
  app.use(errorHandler(options.logger));
  return app;
}
