/**
 * The `tasks` table as TypeORM sees it. An EntitySchema, not decorators: under tsx, esbuild emits no
 * decorator metadata (DECISIONS §6). The schema itself is created by migrations/*-CreateTasks.ts;
 * this mapping must stay in step with it (never `synchronize`).
 * Rows never leave src/persistence: task.repository.ts maps them to TaskRecord.
 */
import { EntitySchema } from 'typeorm';

/** One row exactly as sqlite stores it: JSON columns are still text. */
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
  /** The client's Idempotency-Key (unique where set) and a hash of what it sent (migration AddIdempotencyKeys). */
  idempotencyKey: string | null;
  requestFingerprint: string | null;
}

export const TaskEntity = new EntitySchema<TaskRow>({
  name: 'Task',
  tableName: 'tasks',
  columns: {
    id: { type: 'integer', primary: true, generated: 'increment' },
    taskId: { name: 'task_id', type: 'text' },
    dialect: { type: 'text' },
    mode: { type: 'text' },
    responseMode: { name: 'response_mode', type: 'text' },
    request: { type: 'text' },
    webhookUrl: { name: 'webhook_url', type: 'text', default: '' },
    status: { type: 'text' },
    inQueueMills: { name: 'in_queue_mills', type: 'integer' },
    startMills: { name: 'start_mills', type: 'integer', nullable: true },
    finishMills: { name: 'finish_mills', type: 'integer', nullable: true },
    progress: { type: 'real', default: 0 },
    result: { type: 'text', default: '[]' },
    error: { type: 'text', nullable: true },
    warnings: { type: 'text', default: '[]' },
    attempts: { type: 'integer', default: 0 },
    idempotencyKey: { name: 'idempotency_key', type: 'text', nullable: true },
    requestFingerprint: { name: 'request_fingerprint', type: 'text', nullable: true },
  },
  // Same names as the migration creates, so a generated diff would be empty.
  indices: [
    { name: 'IDX_tasks_task_id', columns: ['taskId'], unique: true },
    { name: 'IDX_tasks_status', columns: ['status'] },
    { name: 'IDX_tasks_in_queue_mills', columns: ['inQueueMills'] },
    { name: 'IDX_tasks_idempotency_key', columns: ['idempotencyKey'], unique: true },
  ],
});
