/** The four response modes of the all-in-one generate route (fooocusapi-new.md §10). */
import type { Response } from 'express';
import { toFinishedEvent, toPendingStub, toProgressEvent, toTaskRow, type StreamEvent } from '../../../adapters/all-in-one/task-response.ts';
import type { ReplyPlan } from '../../../adapters/reply-plan.ts';
import type { TaskRecord } from '../../../adapters/task-record.ts';
import { pythonJsonDumps } from '../../json/python-json.ts';
import { keepNewestPreview, PacedEventStream } from '../../streaming/paced-event-stream.ts';
import { sendBinaryResult } from '../binary-reply.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

/** A client that disconnects does not lose the task: it still finishes, is recorded and notifies. */
async function respondSync(deps: RouteDeps, res: Response, task: TaskRecord): Promise<void> {
  const done = await deps.service.waitForFinish(task.taskId);
  if (!res.writableEnded) sendJson(res, 200, toTaskRow(done, deps.baseUrl));
}

function respondStream(deps: RouteDeps, res: Response, task: TaskRecord): void {
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

export async function sendAllInOneReply(deps: RouteDeps, res: Response, task: TaskRecord, reply: ReplyPlan): Promise<void> {
  switch (reply.mode) {
    case 'binary':
      // No image at all (stopped before the first): 204.
      return sendBinaryResult(deps, res, await deps.service.waitForFinish(task.taskId), reply.format, 204);
    case 'stream':
      return respondStream(deps, res, task);
    case 'async':
      return sendJson(res, 200, toPendingStub(task));
    default:
      return respondSync(deps, res, task);
  }
}
