/**
 * What src/tasks needs from the store and the network to share one queue between nodes
 * (DECISIONS §7). Owned here, implemented in src/persistence (claims, nodes, live rows) and
 * src/cluster (the event bus); main.ts picks the sqlite or PostgreSQL flavour.
 */
import type { TaskRecord, TaskResultFile, TaskStatus } from '../../adapters/task-record.ts';

export interface FinishUpdate {
  status: TaskStatus;
  finishMills: number;
  result: TaskResultFile[];
  error: string | null;
  warnings: string[];
}

export interface ReclaimOutcome {
  /** Back to pending, to run once more (the restart rule). */
  requeued: string[];
  /** Ended here (failed after its last start, or cancelled while its node was gone). */
  ended: TaskRecord[];
}

/** The queue side of the task table: claims with leases. Every method is atomic in the store. */
export interface TaskClaimStore {
  /**
   * Takes the oldest pending task for `node`: running, attempts + 1, start time, a fresh lease.
   * null when nothing is pending. Two nodes never get the same task.
   */
  claimNext(node: string, startMills: number): Promise<TaskRecord | null>;
  /** Extends the leases of the node's running tasks; returns the ids it still holds. */
  renew(node: string, taskIds: readonly string[]): Promise<string[]>;
  /**
   * Ends or requeues running tasks nobody holds any more: those whose lease ran out, and with
   * `ownedBy` every running task of that node name (a node restarting finds its own). A task
   * that has started `maxStarts` times fails with `failedError(attempts)`.
   */
  reclaim(options: {
    ownedBy?: string;
    /** Leaves this node's tasks alone, lease or not. */
    sparing?: string;
    /** Every running task, held or not: a store only one node uses (sqlite), at that node's start. */
    everyRunning?: boolean;
    maxStarts: number;
    finishMills: number;
    failedError(attempts: number): string;
  }): Promise<ReclaimOutcome>;
  /**
   * Records the end of a task `node` runs, as cancelled if a cancel reached the store. null when
   * the node no longer holds it (its lease ran out and another node took it): nothing is written,
   * so a result is never recorded twice.
   */
  finishClaimed(taskId: string, node: string, update: FinishUpdate): Promise<TaskRecord | null>;
  /** Ends a task that is still pending; null when it has left pending meanwhile. */
  cancelPending(taskId: string, finishMills: number): Promise<TaskRecord | null>;
  /** Marks a running task to be cancelled by whichever node ends it; false when it is not running. */
  requestCancel(taskId: string): Promise<boolean>;
  /** A graceful stop: the node's running tasks go back to pending, their start not counted. */
  handBack(node: string, taskIds: readonly string[]): Promise<string[]>;
}

export interface NodeInfo {
  name: string;
  engines: number;
  devices: string[];
  baseUrl: string;
}

export interface NodeStatus extends NodeInfo {
  startedMills: number;
  heartbeatMills: number;
  stoppedMills: number | null;
  tasksCompleted: number;
  /** Tasks the node holds now, oldest first. */
  runningTasks: string[];
  state: 'up' | 'stopped' | 'lost';
}

/** The `nodes` table: who is in the cluster and how they are doing (GET /health). */
export interface NodeRegistry {
  register(node: NodeInfo): Promise<void>;
  heartbeat(name: string): Promise<void>;
  countCompleted(name: string): Promise<void>;
  markStopped(name: string): Promise<void>;
  /** Every node, with `state` judged against `leaseMs` since its last heartbeat. */
  list(leaseMs: number): Promise<NodeStatus[]>;
}

export interface LiveSnapshot {
  percent: number;
  message: string;
  /** Raw base64 PNG. */
  preview: string | null;
}

/** The newest progress of each running task, readable by every node (previews by reference). */
export interface LiveProgressStore {
  write(taskId: string, live: LiveSnapshot): Promise<void>;
  read(taskId: string): Promise<LiveSnapshot | null>;
  remove(taskId: string): Promise<void>;
}

/**
 * Messages between nodes; small by design (PostgreSQL NOTIFY payloads stay under 8000 bytes):
 * they name tasks, and the receiver reads what it needs from the store.
 */
export type ClusterEvent =
  | { type: 'task-added'; node: string }
  | { type: 'started'; node: string; taskId: string }
  | { type: 'progress'; node: string; taskId: string; percent: number; message: string; hasPreview: boolean }
  | { type: 'finished'; node: string; taskId: string }
  | { type: 'control'; node: string; taskId: string; action: 'stop' | 'skip' | 'cancel' }
  /** Local only: the bus reconnected and may have missed events; listeners re-read the store. */
  | { type: 'resync'; node: string };

export interface ClusterBus {
  /** Delivered to every node, this one included. Resolves once the event has been handed on. */
  publish(event: ClusterEvent): Promise<void>;
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  close(): Promise<void>;
}
