/** The four response modes of the generate route (fooocusapi-new.md §10). */
import type { Response } from 'express';
import { toFinishedEvent, toPendingStub, toProgressEvent, toTaskRow, type StreamEvent } from '../../../adapters/all-in-one/task-response.ts';
import type { ImageFormat } from '../../images/image-codec.ts';
import { pythonJsonDumps } from '../../json/python-json.ts';
import { keepNewestPreview, PacedEventStream } from '../../streaming/paced-event-stream.ts';
import type { TaskRecord } from '../../tasks/task.types.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';
import { formatOfFile } from '../file-formats.ts';

export function respondAsync(res: Response, task: TaskRecord): void {
  sendJson(res, 200, toPendingStub(task.taskId));
}

/** A client that disconnects does not lose the task: it still finishes, is recorded and notifies. */
export async function respondSync(deps: RouteDeps, res: Response, task: TaskRecord): Promise<void> {
  const done = await deps.service.waitForFinish(task.taskId);
  if (!res.writableEnded) sendJson(res, 200, toTaskRow(done, deps.baseUrl));
}

export function respondStream(deps: RouteDeps, res: Response, task: TaskRecord): void {
  // Coalescing keeps the newest step preview (a fast job's text events would otherwise replace them all).
  const stream = new PacedEventStream<StreamEvent>(res, { render: pythonJsonDumps, coalesce: keepNewestPreview });
  const unsubscribe = deps.hub.subscribe(task.taskId, (event) => {
    if (event.type === 'progress') stream.push(toProgressEvent(event.live));
  });
  res.on('close', unsubscribe);
  deps.service.waitForFinish(task.taskId).then(
    (done) => {
      unsubscribe();
      stream.finish(toFinishedEvent(done, deps.baseUrl));
    },
    () => res.end(),
  );
}

/** Failure: 500 with the error (DECISIONS §3); no image at all (stopped early): 204. */
export async function respondBinary(deps: RouteDeps, res: Response, task: TaskRecord, format: ImageFormat): Promise<void> {
  const done = await deps.service.waitForFinish(task.taskId);
  if (done.status === 'failed') return sendJson(res, 500, { detail: done.error ?? 'generation failed' });
  const first = done.result[0];
  if (!first) {
    res.status(204).end();
    return;
  }
  const bytes = await deps.files.readOutput(first.file);
  const body = formatOfFile(first.file) === format ? bytes : await deps.codec.convert(bytes, format);
  res.status(200).type(`image/${format}`).send(body);
}
