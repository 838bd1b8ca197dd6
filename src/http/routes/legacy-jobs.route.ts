/**
 * Legacy job routes (fooocus-api-legacy.md §5.2–§5.5, §6): stop, query-job, job-queue, job-history.
 * They see every task of both dialects (one queue, one history, DECISIONS §1).
 */
import type { Request, Response } from 'express';
import { toAsyncJobResponse, toJobHistoryInfo, toJobQueueInfo } from '../../../adapters/legacy/job-response.ts';
import { MAX_PAGE, MAX_PAGE_SIZE, parsePagingValue } from '../../../adapters/paging.ts';
import { queueMessage } from '../../../adapters/all-in-one/queue-fields.ts';
import { LegacyJobNotFoundError } from '../../errors.ts';
import { FINISHED_STATUSES, isFinished, UNFINISHED_STATUSES, type TaskRecord } from '../../../adapters/task-record.ts';
import type { RouteDeps } from '../route-deps.ts';
import { sendJson } from '../send-json.ts';
import { legacyReplyOptions } from '../legacy-reply-options.ts';

/** pydantic's lax booleans for query values the spec may not declare (the old `require_step_preivew`). */
function isTrue(value: unknown): boolean {
  return ['true', '1', 'yes', 'on', 't', 'y'].includes(
    String(value ?? '')
      .trim()
      .toLowerCase(),
  );
}

function queryString(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function queryCount(req: Request, name: string, min: number, max: number): number | undefined {
  const value = req.query[name];
  if (value === undefined || value === '') return undefined;
  return parsePagingValue(name, value, min, min, max);
}

async function findJob(deps: RouteDeps, jobId: string): Promise<TaskRecord> {
  const task = await deps.service.find(jobId);
  if (!task) throw new LegacyJobNotFoundError();
  return task;
}

/** POST /v1/generation/stop: the running job, or (our addition) `?job_id=` any pending or running job. */
export function legacyStopRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const jobId = queryString(req, 'job_id');
    // An unknown id is the job-shaped 404; a job that already ended is a no-op.
    if (jobId) await deps.service.cancel((await findJob(deps, jobId)).taskId);
    else deps.service.control('stop');
    sendJson(res, 200, { msg: 'success' });
  };
}

/**
 * GET /v1/generation/query-job: both id forms; RUNNING with live progress; the old `require_step_preivew` spelling too.
 */
export function legacyQueryJobRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const task = await findJob(deps, String(req.query.job_id ?? ''));
    const requireStepPreview = isTrue(req.query.require_step_preview) || isTrue(req.query.require_step_preivew);
    const live = task.status === 'running' ? deps.hub.liveOf(task.taskId) : null;
    const stepPreview = deps.hub.previewOf(task.taskId);
    const body = toAsyncJobResponse(task, live, {
      ...(await legacyReplyOptions(deps, task)),
      requireStepPreview,
      stepPreview,
    });
    // A waiting job's job_status (null in the original) tells its place in the queue and an ETA.
    const estimate = task.status === 'pending' ? await deps.queue.estimateOf(task.taskId) : null;
    sendJson(res, 200, estimate ? { ...body, job_status: queueMessage(estimate) } : body);
  };
}

/** GET /v1/generation/job-queue (and the documented /v1/engines/job-queue). */
export function legacyJobQueueRoute(deps: RouteDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const [{ unfinished, finished }, lastJobId] = await Promise.all([
      deps.service.queueCounts(),
      deps.service.lastAcceptedTaskId(),
    ]);
    sendJson(res, 200, toJobQueueInfo(unfinished, finished, lastJobId));
  };
}

async function deleteJob(deps: RouteDeps, jobId: string | undefined): Promise<{ message: string }> {
  const task = jobId ? await deps.service.find(jobId) : null;
  // Only history can be deleted; a job still in the queue is not in it.
  if (!task || !isFinished(task.status)) return { message: 'Not found' };
  await deps.service.deleteTasks([task]);
  return { message: 'Deleted' };
}

/**
 * GET /v1/generation/job-history (DECISIONS §3): `{queue, history}` of JobHistoryInfo, oldest first;
 * the whole history unless `page` or `page_size` is sent; `job_id` filters; `delete=true&job_id=`
 * removes a finished job and its files.
 */
export function legacyJobHistoryRoute(deps: RouteDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const jobId = queryString(req, 'job_id');
    if (isTrue(req.query.delete)) return sendJson(res, 200, await deleteJob(deps, jobId));
    let queue: TaskRecord[];
    let history: TaskRecord[];
    if (jobId) {
      const task = await deps.service.find(jobId);
      queue = task && !isFinished(task.status) ? [task] : [];
      history = task && isFinished(task.status) ? [task] : [];
    } else {
      const page = queryCount(req, 'page', 0, MAX_PAGE);
      const pageSize = queryCount(req, 'page_size', 1, MAX_PAGE_SIZE);
      const isPaged = page !== undefined || pageSize !== undefined;
      queue = await deps.service.list({ statuses: UNFINISHED_STATUSES });
      history = await deps.service.list(
        isPaged
          ? { statuses: FINISHED_STATUSES, limit: pageSize ?? 20, offset: (page ?? 0) * (pageSize ?? 20) }
          : { statuses: FINISHED_STATUSES },
      );
    }
    sendJson(res, 200, { queue: queue.map(toJobHistoryInfo), history: history.map(toJobHistoryInfo) });
  };
}
