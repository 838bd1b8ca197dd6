/**
 * The binary reply of both dialects (fooocusapi-new.md §10.4, fooocus-api-legacy.md §1.3): the
 * first image in the asked format (converted in the codec worker when it was saved in another);
 * a failed task is a 500 with its error (DECISIONS §3). A task that ended without any image answers
 * `emptyStatus` (all-in-one: 204; legacy: 500, as the original).
 */
import type { Response } from 'express';
import type { ImageFormat, TaskRecord } from '../../adapters/task-record.ts';
import { formatOfFile } from './file-formats.ts';
import type { RouteDeps } from './route-deps.ts';
import { sendJson } from './send-json.ts';

export async function sendBinaryResult(
  deps: RouteDeps,
  res: Response,
  done: TaskRecord,
  format: ImageFormat,
  emptyStatus: 204 | 500,
): Promise<void> {
  if (done.status === 'failed') return sendJson(res, 500, { detail: done.error ?? 'generation failed' });
  const first = done.result[0];
  if (!first) {
    res.status(emptyStatus).end();
    return;
  }
  const bytes = await deps.files.readOutput(first.file);
  const body = formatOfFile(first.file) === format ? bytes : await deps.codec.convert(bytes, format);
  res.status(200).type(`image/${format}`).send(body);
}
