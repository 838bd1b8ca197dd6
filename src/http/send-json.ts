import type { Response } from 'express';
import { stringifyJson } from '../json/big-json.ts';

/** JSON replies go through the lossless serializer so int64 seeds keep every digit. */
export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type('application/json').send(stringifyJson(body));
}
