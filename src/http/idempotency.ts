/**
 * `Idempotency-Key` on the generation routes: a client that retries after a timeout sends the
 * same key and gets the same task instead of paying twice. The fingerprint is a hash of what the
 * client sent (route, Accept value, body as sent; uploaded files by their hash), so the same key
 * with another request is told apart.
 */
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { InvalidFieldError } from '../errors.ts';
import { stringifyJson } from '../json/big-json.ts';
import type { IdempotencyTag } from '../tasks/task.types.ts';
import type { SentForm } from './multipart-body.ts';

const KEY = /^[\x21-\x7e]{1,255}$/;

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/**
 * The request's idempotency tag, or undefined without the header; a malformed key is a 422. `sent`: the JSON body, or
 * formForFingerprint(form).
 */
export function idempotencyOf(req: Request, route: string, accept: string, sent: unknown): IdempotencyTag | undefined {
  const key = req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!KEY.test(key)) {
    throw new InvalidFieldError(
      'header.idempotency-key',
      'Idempotency-Key: 1 to 255 visible ASCII characters (a UUID is a good choice)',
      { input: key.slice(0, 80) },
    );
  }
  return { key, fingerprint: sha256(stringifyJson({ route, accept, body: sent })) };
}

/** A form as fingerprinted: its text fields, and each file by its hash. */
export function formForFingerprint(form: SentForm): unknown {
  const files = Object.entries(form.files).map(([name, bytes]) => [name, bytes ? sha256(bytes) : null]);
  return { fields: form.fields, files: Object.fromEntries(files) };
}
