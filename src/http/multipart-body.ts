/**
 * Multipart bodies of the operations that declare one, parsed by the one multer (the validator
 * runs with `fileUploader: false`): memory storage, bounded. File fields must carry files (the
 * validator's placeholder would let a text value through) and text fields text; the route reads
 * the form as sent with `sentForm`, the validator sees an empty-string placeholder per file.
 */
import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import type { MultipartFieldIndex } from '../openapi/multipart-fields.ts';
import type { OperationLookup } from '../openapi/operation-index.ts';
import { RequestValidationError, type PydanticErrorItem } from './validation-error.ts';

/** A parsed v1 form as the client sent it (before the validator fills in defaults). */
export interface SentForm {
  /** Text fields; a repeated field (`outpaint_selections=Left&outpaint_selections=Right`) is comma-joined. */
  fields: Record<string, string | undefined>;
  /** The first file part of each field name. */
  files: Record<string, Uint8Array | undefined>;
}

const FORM_TYPES = /^multipart\/form-data/i;
const MiB = 1024 * 1024;
const upload = multer({
  storage: multer.memoryStorage(),
  limits: { fileSize: 20 * MiB, files: 16, fields: 64, fieldSize: 8 * MiB },
}).any();
const sentForms = new WeakMap<Request, SentForm>();

export function sentForm(req: Request): SentForm {
  return sentForms.get(req) ?? { fields: {}, files: {} };
}

function readForm(
  req: Request,
  fields: { files: Set<string>; texts: Set<string> },
): { sent: SentForm; body: Record<string, unknown>; problems: PydanticErrorItem[] } {
  const body = { ...((req.body ?? {}) as Record<string, unknown>) };
  const uploads = (req.files as Express.Multer.File[] | undefined) ?? [];
  const problems: PydanticErrorItem[] = [];
  const sent: SentForm = { fields: {}, files: {} };
  for (const [name, value] of Object.entries(body)) {
    const text = Array.isArray(value) ? value.map(String).join(',') : String(value);
    // FastAPI treats an empty value of a file field as "no file".
    if (fields.files.has(name) && text !== '') {
      problems.push({
        type: 'value_error',
        loc: ['body', name],
        msg: `${name}: expected a file upload, received a text value`,
        input: text,
      });
    }
    if (fields.files.has(name)) delete body[name];
    else sent.fields[name] = text;
  }
  for (const file of uploads) {
    if (fields.texts.has(file.fieldname)) {
      problems.push({
        type: 'value_error',
        loc: ['body', file.fieldname],
        msg: `${file.fieldname}: expected a text value, received a file upload`,
        input: null,
      });
      continue;
    }
    sent.files[file.fieldname] ??= new Uint8Array(file.buffer.buffer, file.buffer.byteOffset, file.buffer.byteLength);
    body[file.fieldname] = '';
  }
  return { sent, body, problems };
}

export function multipartBody(index: MultipartFieldIndex, findOperation: OperationLookup): RequestHandler {
  return (req, res, next) => {
    const op = findOperation(req.method, req.path);
    const fields = op ? index.get(op.operationId) : undefined;
    if (req.method !== 'POST' || !FORM_TYPES.test(req.headers['content-type'] ?? '') || !fields) return next();
    upload(req, res, (err: unknown) => {
      if (err) {
        if (err instanceof multer.MulterError) return next(err);
        const msg = `malformed multipart/form-data body: ${err instanceof Error ? err.message : String(err)}`;
        return next(new RequestValidationError([{ type: 'value_error', loc: ['body'], msg, input: null }]));
      }
      const { sent, body, problems } = readForm(req, fields);
      if (problems.length > 0) return next(new RequestValidationError(problems));
      sentForms.set(req, sent);
      req.body = body;
      next();
    });
  };
}
