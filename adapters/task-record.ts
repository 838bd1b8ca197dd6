/**
 * Plain task types beside CommonRequest, so that reply adapters import only adapters: the record
 * the service, runner and repository pass around, its statuses, live progress and result files.
 */
import type { CommonRequest, TaskMode } from './common-request.ts';

export type { TaskMode };

export type Dialect = 'all-in-one' | 'legacy';

/**
 * Internal status. Dialect adapters translate it: the all-in-one dialect has no `failed`
 * (it shows `finished` + empty result + `error`), the legacy one shows stage ERROR.
 */
export type TaskStatus = 'pending' | 'running' | 'finished' | 'stopped' | 'skipped' | 'failed' | 'cancelled';

export const UNFINISHED_STATUSES: readonly TaskStatus[] = ['pending', 'running'];
export const FINISHED_STATUSES: readonly TaskStatus[] = ['finished', 'stopped', 'skipped', 'failed', 'cancelled'];
export const TASK_STATUSES: readonly TaskStatus[] = [...UNFINISHED_STATUSES, ...FINISHED_STATUSES];

/** The one rule: a task has ended once it is neither waiting nor running. */
export function isFinished(status: TaskStatus): boolean {
  return status !== 'pending' && status !== 'running';
}

/** How the client asked for the reply; fixed at acceptance. */
export type ResponseMode = 'sync' | 'async' | 'stream' | 'binary';

/** Formats the server writes and converts to. */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface TaskResultFile {
  /** Path relative to the data dir, always `<YYYY-MM-DD>/<file>`. */
  file: string;
  /** Exact int64 seed of this image. */
  seed: bigint;
}

export interface TaskRecord {
  /** Row id (autoincrement); submission order. */
  id: number;
  /** 32-hex (all-in-one) or dashed uuid4 (legacy): the form of the creating dialect. */
  taskId: string;
  dialect: Dialect;
  mode: TaskMode;
  responseMode: ResponseMode;
  /** The canonical, fully resolved request (images already stored under inputs/). */
  request: CommonRequest;
  /** Resolved webhook target ("" = none). */
  webhookUrl: string;
  status: TaskStatus;
  /** Epoch ms. */
  inQueueMills: number;
  startMills: number | null;
  finishMills: number | null;
  /** 0..100, persisted at start and finish only. */
  progress: number;
  result: TaskResultFile[];
  error: string | null;
  warnings: string[];
  /** How many times the runner started this task (crash recovery runs an interrupted task once more). */
  attempts: number;
}

/** What a running task shows that never reaches the database. */
export interface LiveProgress {
  percent: number;
  message: string;
  /** Raw base64 PNG of the newest step preview, or null. */
  preview: string | null;
}
