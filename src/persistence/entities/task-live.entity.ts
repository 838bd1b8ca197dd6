/**
 * The `task_live` table (migrations/*-ClusterQueue.ts): the newest progress and step preview of a
 * running task, so cross-node events carry a reference instead of the image (DECISIONS §7).
 */
import { EntitySchema } from 'typeorm';
import { numberColumn } from './number-column.ts';

export interface TaskLiveRow {
  taskId: string;
  percent: number;
  message: string;
  /** Raw base64 PNG, or null when the step had no preview. */
  preview: string | null;
  updatedMills: number;
}

export const TaskLiveEntity = new EntitySchema<TaskLiveRow>({
  name: 'TaskLive',
  tableName: 'task_live',
  columns: {
    taskId: { name: 'task_id', type: 'text', primary: true },
    percent: { type: 'real', default: 0 },
    message: { type: 'text', default: '' },
    preview: { type: 'text', nullable: true },
    updatedMills: { name: 'updated_mills', type: 'integer', transformer: numberColumn },
  },
});
