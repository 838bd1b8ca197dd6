/**
 * Live task state that never reaches the task row (progress, newest preview) and the in-process
 * fan-out to waiters (sync replies, streams). The database stays the source of truth for status.
 *
 * Previews: each progress event carries only its own preview (null on text-only updates, as
 * FooocusAPI sends them), but the live state readers poll (/tasks/{id}, query-job) keeps the newest
 * step preview until the task ends, so a text update such as "Saving image" never blanks it; a fast
 * job would otherwise show none to a poller. After the end, query-job still shows it (legacy
 * contract: "kept after completion"), for the last FINISHED_PREVIEWS_KEPT tasks.
 * In a cluster (DECISIONS §7) the hub also holds what other nodes report: ClusterRelay feeds their
 * events in as `remote`, and takes this node's own (`tapLocal`) out to them.
 */
import type { LiveProgress, TaskRecord } from '../../adapters/task-record.ts';

export type TaskEvent =
  | { type: 'started'; task: TaskRecord }
  | { type: 'progress'; live: LiveProgress }
  | { type: 'finished'; task: TaskRecord };

type Listener = (event: TaskEvent) => void;
type LocalTap = (taskId: string, event: TaskEvent) => void;

/** Finished tasks whose newest preview stays readable (memory only, like all live state). */
export const FINISHED_PREVIEWS_KEPT = 32;

export class TaskEventHub {
  private readonly live = new Map<string, LiveProgress>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /** Running tasks this node knows of, its own and (in a cluster) other nodes'. */
  private readonly running = new Map<string, TaskRecord>();
  private readonly taps = new Set<LocalTap>();
  /** Newest step preview of recently finished tasks, oldest first (Map keeps insertion order). */
  private readonly finishedPreviews = new Map<string, string>();
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

  /** Every event this node itself produces, for forwarding to other nodes. */
  tapLocal(tap: LocalTap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  /** Every event of every task (metrics, queue estimates); returns the unsubscribe. */
  observe(observer: (taskId: string, event: TaskEvent) => void): () => void {
    this.observers.add(observer);
    return () => void this.observers.delete(observer);
  }

  /** Tasks someone here is waiting on (a sync reply, a stream). */
  watchedTaskIds(): string[] {
    return [...this.listeners.keys()];
  }

  /**
   * "The" running task of the single-queue world (control, legacy stop): the one that was accepted
   * first among those running anywhere in the cluster.
   */
  current(): TaskRecord | null {
    let oldest: TaskRecord | null = null;
    for (const task of this.running.values()) if (!oldest || task.id < oldest.id) oldest = task;
    return oldest;
  }

  runningTasks(): TaskRecord[] {
    return [...this.running.values()].sort((a, b) => a.id - b.id);
  }

  /** Progress of a running task, with the newest step preview seen so far (not only this event's). */
  liveOf(taskId: string): LiveProgress | null {
    return this.live.get(taskId) ?? null;
  }

  /** The newest step preview of a task, running or among the last finished ones; null when none was made. */
  previewOf(taskId: string): string | null {
    return this.live.get(taskId)?.preview ?? this.finishedPreviews.get(taskId) ?? null;
  }

  /** Tasks found running at start (on other nodes): known, without telling anyone. */
  adopt(tasks: readonly TaskRecord[]): void {
    for (const task of tasks) if (!this.running.has(task.taskId)) this.running.set(task.taskId, task);
  }

  started(task: TaskRecord, isRemote = false): void {
    this.running.set(task.taskId, task);
    this.live.set(task.taskId, { percent: 0, message: 'Waiting for task to start ...', preview: null });
    this.emit(task.taskId, { type: 'started', task }, isRemote);
  }

  /** `preview` is PNG bytes from this node's engine, or raw base64 as another node stored it. */
  progress(
    taskId: string,
    percent: number,
    message: string,
    preview: Uint8Array | string | undefined | null,
    isRemote = false,
  ): void {
    const previous = this.live.get(taskId);
    const own = typeof preview === 'string' ? preview : preview ? Buffer.from(preview).toString('base64') : null;
    const live: LiveProgress = {
      // Fooocus' percentages are non-decreasing in practice; keep them so for clients that assume it.
      percent: Math.max(previous?.percent ?? 0, Math.min(100, Math.trunc(percent))),
      message,
      preview: own,
    };
    this.live.set(taskId, { ...live, preview: own ?? previous?.preview ?? null });
    this.emit(taskId, { type: 'progress', live }, isRemote);
  }

  /** Called just before the final row is written, so control never answers for a task that is ending. */
  releaseCurrent(taskId: string): void {
    this.running.delete(taskId);
  }

  /** This node lost its claim on a task (another node runs it now): drop what was shown, tell no one. */
  forget(taskId: string): void {
    this.running.delete(taskId);
    this.live.delete(taskId);
  }

  finished(task: TaskRecord, isRemote = false): void {
    this.running.delete(task.taskId);
    const preview = this.live.get(task.taskId)?.preview;
    if (preview) this.keepFinishedPreview(task.taskId, preview);
    this.live.delete(task.taskId);
    this.emit(task.taskId, { type: 'finished', task }, isRemote);
  }

  private keepFinishedPreview(taskId: string, preview: string): void {
    this.finishedPreviews.delete(taskId);
    this.finishedPreviews.set(taskId, preview);
    for (const oldest of this.finishedPreviews.keys()) {
      if (this.finishedPreviews.size <= FINISHED_PREVIEWS_KEPT) break;
      this.finishedPreviews.delete(oldest);
    }
  }

  private emit(taskId: string, event: TaskEvent, isRemote: boolean): void {
    for (const observer of [...this.observers]) observer(taskId, event);
    for (const listener of [...(this.listeners.get(taskId) ?? [])]) listener(event);
    if (!isRemote) for (const tap of [...this.taps]) tap(taskId, event);
  }
}
