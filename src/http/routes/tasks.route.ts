/** GET /tasks, GET /tasks/{id}, POST /tasks/{id}/cancel (all-in-one dialect). */
import type { Request, Response } from 'express';
import { toCurrentRecord, toTaskRow } from '../../../adapters/all-in-one/task-response.ts';
import { planTasksQuery, type TasksQueryInput } from '../../../adapters/all-in-one/tasks-query.ts';
import { ConflictError } from '../../errors.ts';
import type { TaskRecord } from '../../../adapters/task-record.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';

const localEpoch = ([y, mo, d, h, mi, s]: number[]) => new Date(y, mo - 1, d, h, mi, s).getTime();
const HISTORY_STATUSES = ['running', 'finished', 'stopped', 'skipped', 'failed', 'cancelled'] as const;

export function listTasksRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const plan = planTasksQuery(req.query as TasksQueryInput, deps.now(), localEpoch);
    if (plan.isDelete) {
      if (plan.range) await deps.service.deleteTasks(await deps.service.list({ range: plan.range, statuses: [...HISTORY_STATUSES].filter((s) => s !== 'running') }));
      return sendJson(res, 200, null);
    }
    const history = !plan.lists.history
      ? []
      : plan.range
        ? await deps.service.list({ range: plan.range, statuses: [...HISTORY_STATUSES] })
        : await deps.service.list({ statuses: [...HISTORY_STATUSES], newestFirst: true, limit: plan.pageSize, offset: plan.page * plan.pageSize });
    const pending = plan.lists.pending ? await deps.service.list({ statuses: ['pending'], limit: plan.pageSize, offset: plan.page * plan.pageSize }) : [];
    // Every task running anywhere in the cluster (one per engine), oldest first.
    const running = plan.lists.current ? await deps.service.list({ statuses: ['running'] }) : [];
    sendJson(res, 200, {
      history: history.map((t) => toTaskRow(t, deps.baseUrl)),
      current: running.map((t) => toCurrentRecord(t, deps.hub.liveOf(t.taskId), deps.baseUrl)),
      pending: pending.map((t) => toTaskRow(t, deps.baseUrl)),
    });
  };
}

function view(deps: RouteDeps, task: TaskRecord): Record<string, unknown> {
  return task.status === 'running' ? toCurrentRecord(task, deps.hub.liveOf(task.taskId), deps.baseUrl) : toTaskRow(task, deps.baseUrl);
}

export function getTaskRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    sendJson(res, 200, view(deps, await deps.service.get(String(req.params.task_id))));
  };
}

export function cancelTaskRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const { task, isCancelled } = await deps.service.cancel(String(req.params.task_id));
    // The spec answers a task that has already ended with 409, not a 200 saying nothing happened.
    if (!isCancelled) throw new ConflictError(`task ${task.taskId} has already ended (${task.status}); only pending or running tasks can be cancelled`);
    sendJson(res, 200, {
      task_id: task.taskId,
      cancelled: true,
      message: task.status === 'running' ? 'task is being cancelled' : 'task cancelled',
    });
  };
}
