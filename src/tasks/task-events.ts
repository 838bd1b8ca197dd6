/**
 * Live task state that never reaches the database (progress, newest preview) and the in-process
 * fan-out to waiters (sync replies, streams). The database stays the source of truth for status.
 */
import type { LiveProgress, TaskRecord } from '../../adapters/task-record.ts';

export type TaskEvent =
  | { type: 'started'; task: TaskRecord }
  | { type: 'progress'; live: LiveProgress }
  | { type: 'finished'; task: TaskRecord };

type Listener = (event: TaskEvent) => void;

export class TaskEventHub {
  private readonly live = new Map<string, LiveProgress>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private running: TaskRecord | null = null;
  private readonly observers = new Set<(taskId: string, event: TaskEvent) => void>();

  subscribe(taskId: string, listener: Listener): () => void {
    let set = this.listeners.get(taskId);
    if (!set) this.listeners.set(taskId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(taskId);
    };
  }

  /** Every event of every task (metrics, queue estimates); returns the unsubscribe. */
  observe(observer: (taskId: string, event: TaskEvent) => void): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  /** The task the engine is working on, if any. */
  current(): TaskRecord | null {
    return this.running;
  }

  liveOf(taskId: string): LiveProgress | null {
    return this.live.get(taskId) ?? null;
  }

  started(task: TaskRecord): void {
    this.running = task;
    this.live.set(task.taskId, { percent: 0, message: 'Waiting for task to start ...', preview: null });
    this.emit(task.taskId, { type: 'started', task });
  }

  progress(taskId: string, percent: number, message: string, preview: Uint8Array | undefined): void {
    const previous = this.live.get(taskId);
    const live: LiveProgress = {
      // Fooocus' percentages are non-decreasing in practice; keep them so for clients that assume it.
      percent: Math.max(previous?.percent ?? 0, Math.min(100, Math.trunc(percent))),
      message,
      preview: preview ? Buffer.from(preview).toString('base64') : null,
    };
    this.live.set(taskId, live);
    this.emit(taskId, { type: 'progress', live });
  }

  /** Called just before the final row is written, so control never answers for a task that is ending. */
  releaseCurrent(taskId: string): void {
    if (this.running?.taskId === taskId) this.running = null;
  }

  finished(task: TaskRecord): void {
    if (this.running?.taskId === task.taskId) this.running = null;
    this.live.delete(task.taskId);
    this.emit(task.taskId, { type: 'finished', task });
  }

  private emit(taskId: string, event: TaskEvent): void {
    for (const observer of [...this.observers]) observer(taskId, event);
    for (const listener of [...(this.listeners.get(taskId) ?? [])]) listener(event);
  }
}
