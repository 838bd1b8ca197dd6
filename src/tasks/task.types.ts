/** The task store's interface (owned by src/tasks) and its query and insert types. No ORM here. */
import type { TaskRecord, TaskResultFile, TaskStatus } from '../../adapters/task-record.ts';

/** What accepting writes; the rest of a TaskRecord (status, times, results) the store fills in. */
export type NewTask = Pick<
  TaskRecord,
  'taskId' | 'dialect' | 'mode' | 'responseMode' | 'request' | 'webhookUrl' | 'inQueueMills' | 'warnings'
> & {
  /** Idempotent submission: the client's key and a fingerprint of what it sent. */
  idempotency?: IdempotencyTag;
};

export interface IdempotencyTag {
  key: string;
  /** Hash of the route, Accept value and body as sent: a retry must match it. */
  fingerprint: string;
}

/** What an idempotency key already names: the task and the fingerprint it was accepted with. */
export interface IdempotentTask {
  task: TaskRecord;
  fingerprint: string;
}

export type InsertOutcome = { inserted: TaskRecord } | { isFull: true } | { existing: IdempotentTask };

export interface TaskQuery {
  /** Inclusive epoch-ms range on inQueueMills; both or neither. */
  range?: { startMills: number; endMills: number };
  statuses?: readonly TaskStatus[];
  /** Newest first when true; default oldest first. */
  newestFirst?: boolean;
  limit?: number;
  offset?: number;
}

/** Owned by src/tasks; implemented by src/persistence/task.repository.ts. */
export interface TaskRepository {
  insert(task: NewTask): Promise<TaskRecord>;
  /**
   * Inserts unless `limit` (> 0) tasks are already waiting or running, or the task's idempotency
   * key already names a task accepted at or after `keysSinceMills` — decided atomically with the
   * insert. An older task holding the key lets go of it.
   */
  insertIfRoom(task: NewTask, limit: number, keysSinceMills: number): Promise<InsertOutcome>;
  /** The task an idempotency key names, if it was accepted at or after `sinceMills`. */
  findByIdempotencyKey(key: string, sinceMills: number): Promise<IdempotentTask | null>;
  markStarted(taskId: string, startMills: number): Promise<TaskRecord>;
  markFinished(
    taskId: string,
    update: {
      status: TaskStatus;
      finishMills: number;
      result: TaskResultFile[];
      error: string | null;
      warnings: string[];
    },
  ): Promise<TaskRecord>;
  findByTaskId(taskId: string): Promise<TaskRecord | null>;
  find(query: TaskQuery): Promise<TaskRecord[]>;
  count(query: TaskQuery): Promise<number>;
  /** Rows per status in the whole store, in one read: every status, or only those asked for. */
  countByStatus<S extends TaskStatus>(statuses?: readonly S[]): Promise<Record<S, number>>;
  /** Pending and running rows, in submission order (restart recovery). */
  findUnfinished(): Promise<TaskRecord[]>;
  deleteByTaskIds(taskIds: string[]): Promise<void>;
  /** Every result file still referenced by any row (so deletion never removes a shared file). */
  isFileReferenced(file: string, exceptTaskIds: string[]): Promise<boolean>;
}
