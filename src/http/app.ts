/**
 * The express app: CORS → docs/specs → operation marking → JSON normalising → API key → multipart
 * (the one multer) → the one validator → the operations of the bundled spec → 404 → the one error
 * handler. Routes are mounted from the spec's operationIds, so a spec operation without a handler
 * (or the reverse) fails at start-up.
 */
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import multer from 'multer';
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
import { RequestValidationError, type PydanticErrorItem } from './validation-error.ts';

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
    const op = findOperation(operations, req);
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

function findOperation(operations: OperationInfo[], req: Request): OperationInfo | undefined {
  return operations.find((o) => o.method === req.method && o.pattern.test(req.path));
}

/** Operations only the legacy spec defines: their errors get the legacy dialect's bodies. */
function legacyOperationIds(specs: AppOptions['specs']): Set<string> {
  const ids = (spec: Record<string, unknown> | undefined) =>
    Object.values((spec?.paths ?? {}) as Record<string, Record<string, { operationId?: string }>>).flatMap((item) =>
      Object.values(item).map((op) => op?.operationId).filter((id): id is string => typeof id === 'string'),
    );
  const shared = new Set(ids(specs['all-in-one']));
  return new Set(ids(specs.legacy).filter((id) => !shared.has(id)));
}

/** Sets res.locals.operationId and res.locals.dialect ('legacy' | 'all-in-one') for routes and the error handler. */
function markOperation(operations: OperationInfo[], legacyIds: Set<string>): RequestHandler {
  return (req, res, next) => {
    const op = findOperation(operations, req);
    res.locals.operationId = op?.operationId;
    res.locals.dialect = op && legacyIds.has(op.operationId) ? 'legacy' : 'all-in-one';
    next();
  };
}

type JsonObject = Record<string, unknown>;

/** operationId → its multipart body's property names, split into file (format: binary) and text fields. */
function multipartFieldIndex(doc: JsonObject): Map<string, { files: Set<string>; texts: Set<string> }> {
  const schemas = ((doc.components as JsonObject | undefined)?.schemas ?? {}) as Record<string, JsonObject>;
  const deref = (schema: JsonObject | undefined): JsonObject | undefined => {
    const ref = schema?.$ref;
    return typeof ref === 'string' && ref.startsWith('#/components/schemas/') ? deref(schemas[ref.slice(21)]) : schema;
  };
  const isBinary = (schema: JsonObject | undefined): boolean => {
    const s = deref(schema);
    if (!s) return false;
    if (s.format === 'binary' || typeof s.contentMediaType === 'string') return true;
    const variants = [...((s.anyOf as JsonObject[]) ?? []), ...((s.oneOf as JsonObject[]) ?? [])];
    return variants.some(isBinary) || (s.type === 'array' && isBinary(s.items as JsonObject));
  };
  const index = new Map<string, { files: Set<string>; texts: Set<string> }>();
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, JsonObject>>)) {
    for (const op of Object.values(item)) {
      const content = ((op?.requestBody as JsonObject | undefined)?.content ?? {}) as Record<string, JsonObject>;
      const schema = deref(content['multipart/form-data']?.schema as JsonObject | undefined);
      if (typeof op?.operationId !== 'string' || !schema) continue;
      const entry = { files: new Set<string>(), texts: new Set<string>() };
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonObject>)) {
        (isBinary(property) ? entry.files : entry.texts).add(name);
      }
      index.set(op.operationId, entry);
    }
  }
  return index;
}

const FORM_TYPES = /^multipart\/form-data/i;
const MiB = 1024 * 1024;
/** The one multer (the validator runs with `fileUploader: false`): memory storage, bounded. */
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 20 * MiB, files: 16, fields: 64, fieldSize: 8 * MiB } }).any();

/** A parsed v1 form as the client sent it (before the validator fills in defaults). */
export interface SentForm {
  /** Text fields; a repeated field (`outpaint_selections=Left&outpaint_selections=Right`) is comma-joined. */
  fields: Record<string, string | undefined>;
  /** The first file part of each field name. */
  files: Record<string, Uint8Array | undefined>;
}

/**
 * Parses multipart bodies of operations that declare one; checks that file fields carry files
 * (the validator's placeholder would let a text value through) and text fields carry text; leaves
 * `res.locals.sentForm` for the route and an empty-string placeholder per file for the validator.
 */
function multipartBody(index: ReturnType<typeof multipartFieldIndex>): RequestHandler {
  return (req, res, next) => {
    const fields = index.get(String(res.locals.operationId));
    if (req.method !== 'POST' || !FORM_TYPES.test(req.headers['content-type'] ?? '') || !fields) return next();
    upload(req, res, (err: unknown) => {
      if (err) {
        if (err instanceof multer.MulterError) return next(err);
        const msg = `malformed multipart/form-data body: ${err instanceof Error ? err.message : String(err)}`;
        return next(new RequestValidationError([{ type: 'value_error', loc: ['body'], msg, input: null }]));
      }
      const body = { ...((req.body ?? {}) as Record<string, unknown>) };
      const uploads = (req.files as Express.Multer.File[] | undefined) ?? [];
      const problems: PydanticErrorItem[] = [];
      const sent: SentForm = { fields: {}, files: {} };
      for (const [name, value] of Object.entries(body)) {
        const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
        // FastAPI treats an empty value of a file field as "no file".
        if (fields.files.has(name) && text !== '') {
          problems.push({ type: 'value_error', loc: ['body', name], msg: `${name}: expected a file upload, received a text value`, input: text });
        }
        if (fields.files.has(name)) delete body[name];
        else sent.fields[name] = text;
      }
      for (const file of uploads) {
        if (fields.texts.has(file.fieldname)) {
          problems.push({ type: 'value_error', loc: ['body', file.fieldname], msg: `${file.fieldname}: expected a text value, received a file upload`, input: null });
          continue;
        }
        sent.files[file.fieldname] ??= new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength);
        body[file.fieldname] = '';
      }
      if (problems.length > 0) return next(new RequestValidationError(problems));
      res.locals.sentForm = sent;
      req.body = body;
      next();
    });
  };
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(cors());
  mountDocs(app, options.specs, options.document);
  const operations = buildOperationIndex(options.document);
  app.use(markOperation(operations, legacyOperationIds(options.specs)));
  app.use(jsonBody(buildBodySchemaIndex(options.document)));
  app.use(apiKeyGate(operations, options));
  // After the key check: uploads of unauthenticated clients are never buffered.
  app.use(multipartBody(multipartFieldIndex(options.document)));
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
