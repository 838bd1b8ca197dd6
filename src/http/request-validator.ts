/**
 * The one express-openapi-validator instance over the bundled document. Building it compiles the
 * whole document (about 160 ms on a small machine), so instances are kept per document text: a process
 * that builds several apps over the same specs (a test suite, a node with several listeners) compiles once.
 * The validator keeps no per-app state, only its compiled schemas.
 */
import express, { type RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { toValidationDocument } from '../openapi/validation-copy.ts';

const KEPT = 4;
const built = new Map<string, RequestHandler>();

export function requestValidator(document: Record<string, unknown>): RequestHandler {
  const apiSpec = toValidationDocument(document);
  const key = JSON.stringify(apiSpec);
  const cached = built.get(key);
  if (cached) return cached;
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
  if (built.size >= KEPT) built.delete(built.keys().next().value as string);
  built.set(key, validator);
  return validator;
}
