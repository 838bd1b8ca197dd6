/** The four response modes of the all-in-one generate route (fooocusapi-new.md §10). */
import type { Response } from 'express';
import { toOriginalStreamEvent } from '../../../adapters/all-in-one/queue-fields.ts';
import { toPendingStub, toTaskRow, type StreamEvent } from '../../../adapters/all-in-one/task-response.ts';
import type { ReplyPlan } from '../../../adapters/reply-plan.ts';
import type { TaskRecord } from '../../../adapters/task-record.ts';
import { pythonJsonDumps } from '../../json/python-json.ts';
import { followTask } from '../../streaming/follow-task.ts';
import { keepNewestPreview, PacedEventStream } from '../../streaming/paced-event-stream.ts';
import { sendBinaryResult } from '../binary-reply.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

/** A client that disconnects does not lose the task: it still finishes, is recorded and notifies. */
async function respondSync(deps: RouteDeps, res: Response, task: TaskRecord): Promise<void> {
  const done = await deps.service.waitForFinish(task.taskId);
  if (!res.writableEnded) sendJson(res, 200, toTaskRow(done, deps.baseUrl));
}

/**
 * FooocusAPI's framing and keys; the queue position and the demo checkpoint are said in `message` (queue-fields.ts).
 */
function respondStream(deps: RouteDeps, res: Response, task: TaskRecord): void {
  // Coalescing keeps the newest step preview (a fast job's text events would otherwise replace them all).
  const render = (event: StreamEvent) => pythonJsonDumps(toOriginalStreamEvent(event));
  const stream = new PacedEventStream<StreamEvent>(res, { render, coalesce: keepNewestPreview });
  const stop = followTask(deps, task, { push: (event) => stream.push(event), finish: (event) => stream.finish(event) });
  res.on('close', stop);
}

export async function sendAllInOneReply(
  deps: RouteDeps,
  res: Response,
  task: TaskRecord,
  reply: ReplyPlan,
): Promise<void> {
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
