/**
 * Task record → legacy (Fooocus-API) reply bodies (fooocus-api-legacy.md §5; DECISIONS §3):
 * GeneratedImageResult[], AsyncJobResponse, JobQueueInfo, JobHistoryInfo. Key order is the
 * original's serialisation order; `null`s are always emitted.
 */
import { isFinished, type LiveProgress, type TaskRecord, type TaskStatus } from '../task-record.ts';

export interface GeneratedImageResult {
  base64: string | null;
  url: string | null;
  seed: string;
  finish_reason: 'SUCCESS' | 'QUEUE_IS_FULL' | 'USER_CANCEL' | 'ERROR';
}

export interface AsyncJobResponse {
  job_id: string;
  job_type: string;
  job_stage: 'WAITING' | 'RUNNING' | 'SUCCESS' | 'ERROR';
  job_progress: number;
  job_status: string | null;
  job_step_preview: string | null;
  job_result: GeneratedImageResult[] | null;
}

export interface LegacyReplyOptions {
  baseUrl: string;
  /** base64 of a stored output file, when require_base64 */
  base64Of?: (file: string) => string | undefined;
  base64Form: 'raw' | 'data-uri';
}

/** `<date>/<name>` → `{baseUrl}/files/<date>/<name>` (the legacy spelling of the shared outputs folder). */
export const legacyFileUrl = (baseUrl: string, file: string) => `${baseUrl}/files/${file}`;

/** v0.5 names the saved format; `jpg` is spelled `jpeg` as a MIME subtype (contract §5.1). */
function dataUriPrefix(file: string): string {
  const ext = (/\.([A-Za-z0-9]+)$/.exec(file)?.[1] ?? 'png').toLowerCase();
  return `data:image/${ext === 'jpg' ? 'jpeg' : ext};base64,`;
}

function base64Of(task: TaskRecord, file: string, options: LegacyReplyOptions): string | null {
  if (!task.request.require_base64) return null;
  const data = options.base64Of?.(file);
  if (data === undefined) return null;
  return options.base64Form === 'data-uri' ? `${dataUriPrefix(file)}${data}` : data;
}

/**
 * The sync reply and the `job_result` of a finished job. A failed job has no results (`[]`, v0.5);
 * a stopped or cancelled one lists the images completed before the stop, all SUCCESS (v0.5).
 */
export function toGeneratedImageResults(task: TaskRecord, options: LegacyReplyOptions): GeneratedImageResult[] {
  if (task.status === 'failed') return [];
  return task.result.map((r) => ({
    base64: base64Of(task, r.file, options),
    url: legacyFileUrl(options.baseUrl, r.file),
    seed: r.seed.toString(),
    finish_reason: 'SUCCESS',
  }));
}

/** DECISIONS §3: RUNNING once started (v0.5 showed WAITING until done). */
function stageOf(status: TaskStatus): AsyncJobResponse['job_stage'] {
  switch (status) {
    case 'pending':
      return 'WAITING';
    case 'running':
      return 'RUNNING';
    case 'failed':
      return 'ERROR';
    default:
      return 'SUCCESS';
  }
}

/**
 * `stepPreview`: the task's newest step preview, which the legacy contract keeps after completion
 * (fooocus-api-legacy.md §5.2); without it a running task's `live` preview is used.
 */
export function toAsyncJobResponse(
  task: TaskRecord,
  live: LiveProgress | null,
  options: LegacyReplyOptions & { requireStepPreview: boolean; stepPreview?: string | null },
): AsyncJobResponse {
  const stage = stageOf(task.status);
  // Progress: 0 at enqueue; live while running; 100 on success; frozen at its last value on error.
  const progress = stage === 'SUCCESS' ? 100 : stage === 'WAITING' ? 0 : (live?.percent ?? task.progress);
  const status =
    stage === 'SUCCESS'
      ? 'Finished'
      : stage === 'ERROR'
        ? (task.error ?? 'Generation failed')
        : stage === 'RUNNING'
          ? (live?.message ?? null)
          : null;
  return {
    job_id: task.taskId,
    job_type: task.mode,
    job_stage: stage,
    job_progress: progress,
    job_status: status,
    // Raw base64 PNG (no data: prefix) even in v0.5 (contract §13.17).
    job_step_preview: options.requireStepPreview ? (options.stepPreview ?? live?.preview ?? null) : null,
    job_result: stage === 'SUCCESS' ? toGeneratedImageResults(task, options) : null,
  };
}

const queueFullResult = (): GeneratedImageResult => ({
  base64: null,
  url: null,
  seed: '',
  finish_reason: 'QUEUE_IS_FULL',
});

/** Queue full, sync JSON: HTTP 200 with one QUEUE_IS_FULL entry (clients check finish_reason, contract §13.4). */
export function toQueueFullResults(): GeneratedImageResult[] {
  return [queueFullResult()];
}

/** Queue full, async: no job was created, hence the empty job_id. */
export function toQueueFullJobResponse(jobType: string): AsyncJobResponse {
  return {
    job_id: '',
    job_type: jobType,
    job_stage: 'ERROR',
    job_progress: 0,
    job_status: null,
    job_step_preview: null,
    job_result: [queueFullResult()],
  };
}

/** The legacy 404 body for an unknown job (contract §2). */
export const JOB_NOT_FOUND: AsyncJobResponse = Object.freeze({
  job_id: '',
  job_type: 'Not Found',
  job_stage: 'ERROR',
  job_progress: 0,
  job_status: 'Job not found',
  job_step_preview: null,
  job_result: null,
});

/** running_size counts waiting + running jobs (contract §5.3). */
export function toJobQueueInfo(
  runningSize: number,
  finishedSize: number,
  lastJobId: string | null,
): { running_size: number; finished_size: number; last_job_id: string | null } {
  return { running_size: runningSize, finished_size: finishedSize, last_job_id: lastJobId };
}

export interface JobHistoryInfo {
  job_id: string;
  in_queue_mills: number;
  start_mills: number;
  finish_mills: number;
  is_finished: boolean;
}

/** Times not reached yet are 0, as the original's defaults. */
export function toJobHistoryInfo(task: TaskRecord): JobHistoryInfo {
  return {
    job_id: task.taskId,
    in_queue_mills: task.inQueueMills,
    start_mills: task.startMills ?? 0,
    finish_mills: task.finishMills ?? 0,
    is_finished: isFinished(task.status),
  };
}
