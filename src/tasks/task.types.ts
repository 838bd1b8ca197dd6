/** Plain task types shared by the service, runner, repository and reply adapters. No ORM here. */
import type { CommonRequest, TaskMode } from '../../adapters/common-request.ts';

export type { TaskMode };

export type Dialect = 'all-in-one' | 'legacy';

/**
 * Internal status. Dialect adapters translate it: the all-in-one dialect has no `failed`
 * (it shows `finished` + empty result + `error`), the legacy one shows stage ERROR.
 */
export type TaskStatus = 'pending' | 'running' | 'finished' | 'stopped' | 'skipped' | 'failed' | 'cancelled';

/** How the client asked for the reply; fixed at acceptance. */
export type ResponseMode = 'sync' | 'async' | 'stream' | 'binary';


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

export interface NewTask {
  taskId: string;
  dialect: Dialect;
  mode: TaskMode;
  responseMode: ResponseMode;
  request: CommonRequest;
  webhookUrl: string;
  inQueueMills: number;
  warnings: string[];
}

export interface TaskQuery {
  /** Inclusive epoch-ms range on inQueueMills; both or neither. */
  range?: { startMills: number; endMills: number };
  statuses?: TaskStatus[];
  /** Newest first when true; default oldest first. */
  newestFirst?: boolean;
  limit?: number;
  offset?: number;
}

/** Owned by src/tasks; implemented by src/persistence/task.repository.ts. */
export interface TaskRepository {
  insert(task: NewTask): Promise<TaskRecord>;
  markStarted(taskId: string, startMills: number): Promise<TaskRecord>;
  markFinished(
    taskId: string,
    update: { status: TaskStatus; finishMills: number; result: TaskResultFile[]; error: string | null; warnings: string[] },
  ): Promise<TaskRecord>;
  findByTaskId(taskId: string): Promise<TaskRecord | null>;
  find(query: TaskQuery): Promise<TaskRecord[]>;
  count(query: TaskQuery): Promise<number>;
  /** Pending and running rows, in submission order (restart recovery). */
  findUnfinished(): Promise<TaskRecord[]>;
  deleteByTaskIds(taskIds: string[]): Promise<void>;
  /** Every result file still referenced by any row (so deletion never removes a shared file). */
  isFileReferenced(file: string, exceptTaskIds: string[]): Promise<boolean>;
}
