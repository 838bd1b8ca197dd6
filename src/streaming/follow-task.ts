/**
 * What a stream tells about one task, whichever framing carries it (the generate route's FooocusAPI
 * stream, or the resumable `/tasks/{id}/events`): while it waits, its queue position and ETA
 * (re-sent whenever a task ahead starts or ends); while it runs, each progress event with an ETA;
 * then the final event. Every event names the demo checkpoint when the task runs on it.
 */
import { toQueuedEvent, withDemoModel } from '../../adapters/all-in-one/queue-fields.ts';
import { toFinishedEvent, toProgressEvent, type StreamEvent } from '../../adapters/all-in-one/task-response.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';
import type { RouteDeps } from '../http/route-deps.ts';

export interface TaskEventSink {
  push(event: StreamEvent): void;
  finish(event: StreamEvent): void;
}

/** Follows the task until its final event; returns a function that stops following (client gone). */
export function followTask(deps: RouteDeps, task: TaskRecord, sink: TaskEventSink): () => void {
  const demo = deps.catalogue.demoModelName;
  const decorate = (event: StreamEvent) => withDemoModel(event, task, demo);
  let isStarted = task.status !== 'pending';
  let isStopped = false;
  const progress = (event: StreamEvent) =>
    sink.push(decorate({ ...event, eta_seconds: deps.queue.runningEtaSeconds(task) }));
  const sendQueued = () => {
    void deps.queue.estimateOf(task.taskId).then((estimate) => {
      if (estimate && !isStarted && !isStopped) sink.push(decorate(toQueuedEvent(estimate)));
    });
  };
  const unsubscribe = deps.hub.subscribe(task.taskId, (event) => {
    if (event.type === 'started') isStarted = true;
    if (event.type === 'progress') progress(toProgressEvent(event.live));
  });
  // A task ahead starting or ending moves this one up.
  const unobserve = deps.hub.observe((taskId, event) => {
    if (!isStarted && taskId !== task.taskId && event.type !== 'progress') sendQueued();
  });
  const stop = () => {
    isStopped = true;
    unsubscribe();
    unobserve();
  };
  if (!isStarted) sendQueued();
  else {
    const live = deps.hub.liveOf(task.taskId);
    if (live) progress(toProgressEvent(live));
  }
  deps.service.waitForFinish(task.taskId).then(
    (done) => {
      if (isStopped) return;
      stop();
      sink.finish(decorate(toFinishedEvent(done, deps.baseUrl)));
    },
    () => stop(),
  );
  return stop;
}
