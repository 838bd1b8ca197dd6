/**
 * The `tasks` table as TypeORM sees it. An EntitySchema, not decorators: under tsx, esbuild emits no
 * decorator metadata (DECISIONS §6). The schema itself is created by migrations/*-CreateTasks.ts;
 * this mapping must stay in step with it (never `synchronize`).
 * Rows never leave src/persistence: task.repository.ts maps them to TaskRecord.
 */
import { EntitySchema } from 'typeorm';
import { numberColumn } from './number-column.ts';

/** One row as the store holds it: JSON columns are still text. */
export interface TaskRow {
  id: number;
  taskId: string;
  dialect: string;
  mode: string;
  responseMode: string;
  /** CommonRequest as lossless JSON (int64 seeds as plain digits). */
  request: string;
  webhookUrl: string;
  status: string;
  inQueueMills: number;
  startMills: number | null;
  finishMills: number | null;
  progress: number;
  /** TaskResultFile[] as lossless JSON. */
  result: string;
  error: string | null;
  /** string[] as JSON. */
  warnings: string;
  attempts: number;
  /** The node that claimed the task (DECISIONS §7); null while pending and for rows older than the cluster. */
  nodeName: string | null;
  /** Epoch ms on the database's clock until which the claim holds. */
  leaseUntil: number | null;
  /** A cancel reached the store while the task ran (honoured by whichever node ends it). */
  cancelRequested: boolean;
  /** The client's Idempotency-Key (unique where set) and a hash of what it sent (migration AddIdempotencyKeys). */
  idempotencyKey: string | null;
  requestFingerprint: string | null;
}

/** A row before the store gives it its id. */
export type NewTaskRow = Omit<TaskRow, 'id'>;

export const TaskEntity = new EntitySchema<TaskRow>({
  name: 'Task',
  tableName: 'tasks',
  columns: {
    // PostgreSQL's BIGINT columns arrive as strings (pg does not guess at precision): numberColumn
    // turns them back into numbers; epoch ms and row ids are far below 2^53.
    id: { type: 'integer', primary: true, generated: 'increment', transformer: numberColumn },
    taskId: { name: 'task_id', type: 'text' },
    dialect: { type: 'text' },
    mode: { type: 'text' },
    responseMode: { name: 'response_mode', type: 'text' },
    request: { type: 'text' },
    webhookUrl: { name: 'webhook_url', type: 'text', default: '' },
    status: { type: 'text' },
    inQueueMills: { name: 'in_queue_mills', type: 'integer', transformer: numberColumn },
    startMills: { name: 'start_mills', type: 'integer', nullable: true, transformer: numberColumn },
    finishMills: { name: 'finish_mills', type: 'integer', nullable: true, transformer: numberColumn },
    progress: { type: 'real', default: 0 },
    result: { type: 'text', default: '[]' },
    error: { type: 'text', nullable: true },
    warnings: { type: 'text', default: '[]' },
    attempts: { type: 'integer', default: 0 },
    nodeName: { name: 'node_name', type: 'text', nullable: true },
    leaseUntil: { name: 'lease_until', type: 'integer', nullable: true, transformer: numberColumn },
    cancelRequested: { name: 'cancel_requested', type: 'boolean', default: false },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
    requestFingerprint: { name: 'request_fingerprint', type: 'text', nullable: true },
  },
  // Same names as the migration creates, so a generated diff would be empty.
  indices: [
    { name: 'IDX_tasks_task_id', columns: ['taskId'], unique: true },
    { name: 'IDX_tasks_status', columns: ['status'] },
    { name: 'IDX_tasks_in_queue_mills', columns: ['inQueueMills'] },
    { name: 'IDX_tasks_status_id', columns: ['status', 'id'] },
    { name: 'IDX_tasks_idempotency_key', columns: ['idempotencyKey'], unique: true },
  ],
});
