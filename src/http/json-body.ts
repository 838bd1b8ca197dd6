/**
 * The normalising step of DECISIONS §2, run before the validator: JSON bodies are read whatever
 * their Content-Type (FooocusAPI's own examples post `data=json.dumps(...)` with none), parsed
 * losslessly (int64 seeds), and lax-coerced against the operation's body schema.
 */
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { parseJson } from '../json/big-json.ts';
import { RequestValidationError } from './validation-error.ts';
import { coerceLax, type JsonSchema, type SchemaResolver } from './lax-coercion.ts';

// Multipart bodies belong to the legacy form routes; anything else posted to a JSON route is read as JSON.
const FORM_TYPES = /^multipart\/form-data/i;

export interface BodySchemaIndex {
  /** Schema of the JSON request body of `METHOD path`, if the operation has one. */
  find(method: string, path: string): JsonSchema | undefined;
  resolve: SchemaResolver;
}

const readText = express.text({ type: () => true, limit: '64mb' });

/**
 * No request body of either dialect nests deeper than a few levels; 64 leaves room and bounds every recursive walk
 * after this one.
 */
export const MAX_JSON_DEPTH = 64;

/** Nesting depth of parsed JSON, walked without recursion (so a hostile body cannot exhaust the stack here). */
function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node))
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** The JSON each request sent, as parsed and lax-coerced, before the validator adds defaults. */
const sentBodies = new WeakMap<Request, unknown>();

/** What the client sent as its JSON body (an object after validation), without the validator's defaults. */
export function sentJsonBody(req: Request): Record<string, unknown> {
  return (sentBodies.get(req) ?? req.body ?? {}) as Record<string, unknown>;
}

function positionOf(error: unknown): number {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  return match ? Number(match[1]) : 0;
}

export function jsonBody(index: BodySchemaIndex) {
  return [
    (req: Request, res: Response, next: NextFunction) => {
      const type = req.headers['content-type'] ?? '';
      if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || FORM_TYPES.test(type))
        return next();
      if (!index.find(req.method, req.path)) return next();
      readText(req, res, next);
    },
    (req: Request, _res: Response, next: NextFunction) => {
      const schema = index.find(req.method, req.path);
      if (!schema || typeof req.body !== 'string') return next();
      const text = req.body;
      if (text.trim() === '') {
        req.body = undefined;
        return next(
          new RequestValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]),
        );
      }
      let parsed: unknown;
      try {
        parsed = parseJson(text);
      } catch (error) {
        return next(
          new RequestValidationError([
            {
              type: 'json_invalid',
              loc: ['body', positionOf(error)],
              msg: 'JSON decode error',
              input: {},
              ctx: { error: 'Invalid JSON' },
            },
          ]),
        );
      }
      if (exceedsDepth(parsed, MAX_JSON_DEPTH)) {
        const msg = `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
        return next(new RequestValidationError([{ type: 'value_error', loc: ['body'], msg, input: null }]));
      }
      req.body = coerceLax(parsed, schema, index.resolve);
      // The validator fills in defaults; adapters must know what the client really sent (presets, --strict).
      sentBodies.set(req, structuredClone(req.body));
      // The validator only accepts declared media types; what we parsed *is* JSON now.
      req.headers['content-type'] = 'application/json';
      next();
    },
  ];
}

/** Builds the index from the bundled OpenAPI document (static paths only: no JSON route has path parameters). */
export function buildBodySchemaIndex(doc: Record<string, unknown>): BodySchemaIndex {
  const schemas = ((doc.components as Record<string, unknown> | undefined)?.schemas ?? {}) as Record<
    string,
    JsonSchema
  >;
  const resolve: SchemaResolver = (ref) =>
    ref.startsWith('#/components/schemas/') ? schemas[ref.slice(21)] : undefined;
  const byKey = new Map<string, JsonSchema>();
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [method, op] of Object.entries(item)) {
      const content = (op as { requestBody?: { content?: Record<string, { schema?: JsonSchema }> } })?.requestBody
        ?.content;
      const schema = content?.['application/json']?.schema;
      if (schema) byKey.set(`${method.toUpperCase()} ${path}`, schema);
    }
  }
  return { find: (method, path) => byKey.get(`${method.toUpperCase()} ${path}`), resolve };
}
