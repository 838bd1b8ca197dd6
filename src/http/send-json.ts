import type { Response } from 'express';
import { stringifyJson } from '../json/big-json.ts';

/**
 * JSON replies go through the lossless serializer so int64 seeds keep every digit. They are written
 * with one `end` rather than express's `send`, which hashes every body for an ETag (neither original
 * sends one for JSON) and copies it into a Buffer; a string body also lets node write the header and
 * the body in one call. HEAD is answered without the body by node itself.
 */
export function sendJson(res: Response, status: number, body: unknown): void {
  const text = stringifyJson(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
