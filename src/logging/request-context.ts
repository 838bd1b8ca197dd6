/**
 * Which HTTP request a log line belongs to. Lines written while a request is handled carry its id
 * (AsyncLocalStorage); a task accepted by that request is remembered under its task id, so the
 * runner's later lines about the task (`task <id> ...`, written outside any request) carry the
 * same request id without the runner knowing about requests.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** Task id → request id of the request that created it; the oldest entries go first. */
const taskRequests = new Map<string, string>();
const MAX_REMEMBERED_TASKS = 10_000;

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Called where a task id is minted: inside a request, the task joins that request. */
export function rememberTaskRequest(taskId: string): void {
  const requestId = currentRequestId();
  if (!requestId) return;
  taskRequests.set(taskId.replace(/-/g, '').toLowerCase(), requestId);
  if (taskRequests.size > MAX_REMEMBERED_TASKS) taskRequests.delete(taskRequests.keys().next().value as string);
}

export function requestIdOfTask(taskId: string): string | undefined {
  return taskRequests.get(taskId.replace(/-/g, '').toLowerCase());
}

/** Task ids in both forms (32-hex and dashed uuid4), as our log lines write them. */
const TASK_ID = /\b([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/;

/** The structured fields of a line: its request id, and the task it names with that task's request id. */
export function correlationOf(message: string): { request_id?: string; task_id?: string } {
  const taskId = TASK_ID.exec(message)?.[1];
  const fromTask = taskId ? requestIdOfTask(taskId) : undefined;
  const requestId = currentRequestId() ?? fromTask;
  return { ...(requestId ? { request_id: requestId } : {}), ...(taskId ? { task_id: taskId } : {}) };
}
