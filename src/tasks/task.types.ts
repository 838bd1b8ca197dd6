/** The task store's interface (owned by src/tasks) and its query and insert types. No ORM here. */
import type { CommonRequest } from '../../adapters/common-request.ts';
import type { Dialect, ResponseMode, TaskMode, TaskRecord, TaskResultFile, TaskStatus } from '../../adapters/task-record.ts';

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
  statuses?: readonly TaskStatus[];
  /** Newest first when true; default oldest first. */
  newestFirst?: boolean;
  limit?: number;
  offset?: number;
}

/** Owned by src/tasks; implemented by src/persistence/task.repository.ts. */
export interface TaskRepository {
  insert(task: NewTask): Promise<TaskRecord>;
  /** Inserts only while fewer than `limit` tasks are pending or running store-wide (0 = no limit); null when full. */
  insertIfRoom(task: NewTask, limit: number): Promise<TaskRecord | null>;
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
