/**
 * Queue visibility and demo honesty as additive fields of the all-in-one bodies (rows, current
 * record, stream events): `queue_position`, `eta_seconds`, `demo_model`. The originals' keys keep
 * their order and meaning; clients that do not know ours ignore them.
 */
import type { QueueEstimate } from '../sampling-progress.ts';
import type { TaskRecord } from '../task-record.ts';
import type { StreamEvent } from './task-response.ts';

/** `Waiting in queue: position 2, about 14 s` (the ETA left out until a step has been timed). */
export function queueMessage(estimate: QueueEstimate): string {
  const eta = estimate.etaSeconds === null ? '' : `, about ${Math.max(1, Math.round(estimate.etaSeconds))} s`;
  return `Waiting in queue: position ${estimate.position}${eta}`;
}

export function toQueueFields(estimate: QueueEstimate | null): {
  queue_position: number | null;
  eta_seconds: number | null;
} {
  return { queue_position: estimate?.position ?? null, eta_seconds: estimate?.etaSeconds ?? null };
}

/** The event a stream sends while its task waits. */
export function toQueuedEvent(estimate: QueueEstimate): StreamEvent {
  return {
    progress: 0,
    preview: null,
    message: queueMessage(estimate),
    images: [],
    queue_position: estimate.position,
    eta_seconds: estimate.etaSeconds,
  };
}

/** Whether the task runs on the demo checkpoint (named by the catalogue while it is the installed one). */
export function isOnDemoModel(task: TaskRecord, demoModelName: string | null): boolean {
  return demoModelName !== null && task.request.base_model_name === demoModelName;
}

export function withDemoModel<T extends object>(
  body: T,
  task: TaskRecord,
  demoModelName: string | null,
): T & { demo_model?: string } {
  return isOnDemoModel(task, demoModelName) ? { ...body, demo_model: demoModelName as string } : body;
}

/**
 * The generate route's stream keeps FooocusAPI's exact event keys (its clients parse them; DECISIONS
 * §3): our fields are dropped, the queue position stays in `message`, and a waiting event on the
 * demo checkpoint says so in its message too.
 */
export function toOriginalStreamEvent(event: StreamEvent): StreamEvent {
  const { queue_position: position, eta_seconds: _eta, demo_model: demo, ...original } = event;
  if (demo && position !== undefined) original.message += ` (demo checkpoint '${demo}': its images are noise)`;
  return original;
}
