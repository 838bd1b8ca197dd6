/**
 * The `nodes` table (migrations/*-ClusterQueue.ts): one row per gateway process name, written at start,
 * on every heartbeat and at a graceful stop. Read by GET /health. Rows never leave src/persistence.
 */
import { EntitySchema } from 'typeorm';
import { numberColumn } from './number-column.ts';

export interface NodeRow {
  name: string;
  engines: number;
  /** string[] as JSON: the device of each engine slot. */
  devices: string;
  baseUrl: string;
  startedMills: number;
  /** Epoch ms on the database's clock. */
  heartbeatMills: number;
  stoppedMills: number | null;
  tasksCompleted: number;
}

export const NodeEntity = new EntitySchema<NodeRow>({
  name: 'Node',
  tableName: 'nodes',
  columns: {
    name: { type: 'text', primary: true },
    engines: { type: 'integer' },
    devices: { type: 'text', default: '[]' },
    baseUrl: { name: 'base_url', type: 'text', default: '' },
    startedMills: { name: 'started_mills', type: 'integer', transformer: numberColumn },
    heartbeatMills: { name: 'heartbeat_mills', type: 'integer', transformer: numberColumn },
    stoppedMills: { name: 'stopped_mills', type: 'integer', nullable: true, transformer: numberColumn },
    tasksCompleted: { name: 'tasks_completed', type: 'integer', default: 0, transformer: numberColumn },
  },
});
