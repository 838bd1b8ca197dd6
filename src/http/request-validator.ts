/**
 * The express-openapi-validator instances over the bundled document. The validator finds a
 * request's operation by compiling each path's pattern in turn, in its own sorted order, until one
 * matches: with every path in one instance, a generation POST compiled about fifteen patterns per
 * request. So the paths are split in two instances, those that take a JSON or form body (the
 * submissions) and the rest (the polls), each a copy of the document with only its paths (components
 * whole, for the refs), and a request goes to the instance of its operation's path.
 *
 * Building an instance compiles its part of the document (about 160 ms for the whole on a small
 * machine), so instances are kept per document text: a process that builds several apps over the
 * same specs (a test suite, a node with several listeners) compiles once. The validator keeps no
 * per-app state, only its compiled schemas.
 */
import express, { type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { toValidationDocument } from '../openapi/validation-copy.ts';

const KEPT = 4;
const built = new Map<string, (specPath: string) => RequestHandler>();

type PathItem = Record<string, { requestBody?: unknown } | unknown>;

const takesBody = (item: PathItem) =>
  Object.values(item).some((op) => op !== null && typeof op === 'object' && 'requestBody' in op);

function instanceOver(apiSpec: Record<string, unknown>): RequestHandler {
  const validator = express.Router();
  validator.use(
    OpenApiValidator.middleware({
      apiSpec: apiSpec as never,
      validateRequests: { allowUnknownQueryParameters: true, allErrors: true },
      validateResponses: false,
      validateSecurity: false,
      ignoreUndocumented: true,
      fileUploader: false,
    }),
  );
  return validator;
}

/** The validator for requests to the spec path `specPath` (as the document spells it). */
export function requestValidators(document: Record<string, unknown>): (specPath: string) => RequestHandler {
  const apiSpec = toValidationDocument(document);
  const key = JSON.stringify(apiSpec);
  const cached = built.get(key);
  if (cached) return cached;
  const paths = (apiSpec.paths ?? {}) as Record<string, PathItem>;
  const withBody = Object.keys(paths).filter((path) => takesBody(paths[path]));
  const bodyPaths = new Set(withBody);
  const only = (keep: (path: string) => boolean) => ({
    ...apiSpec,
    paths: Object.fromEntries(Object.entries(paths).filter(([path]) => keep(path))),
  });
  const submissions = instanceOver(only((path) => bodyPaths.has(path)));
  const polls = instanceOver(only((path) => !bodyPaths.has(path)));
  const forPath = (specPath: string) => (bodyPaths.has(specPath) ? submissions : polls);
  if (built.size >= KEPT) built.delete(built.keys().next().value as string);
  built.set(key, forPath);
  return forPath;
}
