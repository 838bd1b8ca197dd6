/**
 * Connects this node's TaskEventHub to the other nodes (DECISIONS §7), so a stream, a poll, a sync
 * reply or a webhook works on any node for a task running on any other:
 *  - out: this node's started / progress / finished go on the bus; a step preview is written to the
 *    task's `task_live` row first and the event only says there is one (payloads stay small);
 *  - in: other nodes' events are replayed into the hub (records and previews read from the store),
 *    control messages go to the runner, "task added" wakes the claim loop.
 * Events of one task are handled in order, each direction through its own chain per task; progress
 * that a newer step overtook is skipped. Every few seconds (and after the bus reconnects) the hub's
 * view is checked against the store, so a lost event cannot leave a waiter hanging.
 */
import type { Logger } from '../logging/logger.ts';
import type { LiveProgress } from '../../adapters/task-record.ts';
import { isFinished } from '../../adapters/task-record.ts';
import type { ClusterBus, ClusterEvent, LiveProgressStore } from '../tasks/cluster.types.ts';
import type { TaskEvent, TaskEventHub } from '../tasks/task-events.ts';
import type { TaskRepository } from '../tasks/task.types.ts';

export interface ClusterRelayDeps {
  bus: ClusterBus;
  hub: TaskEventHub;
  repo: Pick<TaskRepository, 'findByTaskId' | 'find'>;
  live: LiveProgressStore;
  runner: {
    wake(): void;
    applyRemoteControl(taskId: string, action: 'stop' | 'skip' | 'cancel'): void;
    runningHere(): string[];
  };
  nodeName: string;
  logger: Logger;
  /** How often the hub is checked against the store. */
  reconcileMs?: number;
}

/** Engine messages are short; a cap keeps any payload far below NOTIFY's limit. */
const MAX_MESSAGE_CHARS = 500;
const DEFAULT_RECONCILE_MS = 5000;

type RemoteEvent = Exclude<ClusterEvent, { type: 'task-added' | 'control' | 'resync' }>;

export class ClusterRelay {
  private readonly outgoing = new Map<string, Promise<void>>();
  private readonly pendingProgress = new Map<string, LiveProgress>();
  private readonly incoming = new Map<string, Promise<void>>();
  private readonly latestRemoteProgress = new Map<string, ClusterEvent>();
  private readonly stops: (() => void)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ClusterRelayDeps) {}

  start(): void {
    this.stops.push(this.deps.bus.subscribe((event) => this.onClusterEvent(event)));
    this.stops.push(this.deps.hub.tapLocal((taskId, event) => this.onLocalEvent(taskId, event)));
    this.timer = setInterval(() => void this.reconcile(), this.deps.reconcileMs ?? DEFAULT_RECONCILE_MS);
    this.timer.unref();
  }

  /** Stops relaying and waits for what is under way. */
  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.outgoing.values(), ...this.incoming.values()]);
  }

  private onLocalEvent(taskId: string, event: TaskEvent): void {
    const node = this.deps.nodeName;
    if (event.type === 'progress') {
      const isQueued = this.pendingProgress.has(taskId);
      this.pendingProgress.set(taskId, event.live);
      // One send per task at a time: a step that arrives meanwhile replaces the one still waiting.
      if (!isQueued) this.send(taskId, () => this.sendProgress(taskId));
      return;
    }
    if (event.type === 'started') {
      this.send(taskId, () => this.deps.bus.publish({ type: 'started', node, taskId }));
      return;
    }
    this.pendingProgress.delete(taskId);
    this.send(taskId, async () => {
      await this.deps.bus.publish({ type: 'finished', node, taskId });
      await this.deps.live.remove(taskId);
    });
  }

  private async sendProgress(taskId: string): Promise<void> {
    const live = this.pendingProgress.get(taskId);
    if (!live) return;
    this.pendingProgress.delete(taskId);
    const message = live.message.slice(0, MAX_MESSAGE_CHARS);
    if (live.preview !== null)
      await this.deps.live.write(taskId, { percent: live.percent, message, preview: live.preview });
    await this.deps.bus.publish({
      type: 'progress',
      node: this.deps.nodeName,
      taskId,
      percent: live.percent,
      message,
      hasPreview: live.preview !== null,
    });
  }

  private send(taskId: string, job: () => Promise<void>): void {
    this.chain(this.outgoing, taskId, job, 'sending');
  }

  private onClusterEvent(event: ClusterEvent): void {
    if (event.type === 'resync') {
      void this.reconcile();
      return;
    }
    if (event.node === this.deps.nodeName) return;
    switch (event.type) {
      case 'task-added':
        this.deps.runner.wake();
        return;
      case 'control':
        this.deps.runner.applyRemoteControl(event.taskId, event.action);
        return;
      default:
        if (event.type === 'progress') this.latestRemoteProgress.set(event.taskId, event);
        this.chain(this.incoming, event.taskId, () => this.replay(event), 'replaying');
    }
  }

  private async replay(event: RemoteEvent): Promise<void> {
    const { hub, repo, live } = this.deps;
    if (event.type === 'progress') {
      if (this.latestRemoteProgress.get(event.taskId) !== event) return;
      this.latestRemoteProgress.delete(event.taskId);
      const preview = event.hasPreview ? ((await live.read(event.taskId))?.preview ?? null) : null;
      hub.progress(event.taskId, event.percent, event.message, preview, true);
      return;
    }
    this.latestRemoteProgress.delete(event.taskId);
    const task = await repo.findByTaskId(event.taskId);
    if (!task) {
      hub.forget(event.taskId);
      return;
    }
    if (event.type === 'started' && task.status === 'running') hub.started(task, true);
    if (event.type === 'finished') {
      if (isFinished(task.status)) hub.finished(task, true);
      // Back in the queue (its node stopped): no longer running anywhere.
      else if (task.status === 'pending') hub.forget(task.taskId);
    }
  }

  /** The store's word against the hub's: tasks that ended unheard are finished here, strays dropped. */
  private async reconcile(): Promise<void> {
    const { hub, repo } = this.deps;
    try {
      const here = new Set(this.deps.runner.runningHere());
      const suspects = new Set(
        [...hub.watchedTaskIds(), ...hub.runningTasks().map((t) => t.taskId)].filter((id) => !here.has(id)),
      );
      for (const taskId of suspects) {
        const task = await repo.findByTaskId(taskId);
        if (!task) hub.forget(taskId);
        else if (isFinished(task.status)) hub.finished(task, true);
        else if (task.status === 'pending') hub.forget(taskId);
      }
      hub.adopt(await repo.find({ statuses: ['running'] }));
      this.deps.runner.wake();
    } catch (error) {
      this.deps.logger.warn(
        `checking live tasks against the store failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  private chain(chains: Map<string, Promise<void>>, taskId: string, job: () => Promise<void>, what: string): void {
    const next = (chains.get(taskId) ?? Promise.resolve())
      .then(job)
      .catch((error: unknown) =>
        this.deps.logger.warn(
          `${what} a cluster event of task ${taskId} failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
      );
    chains.set(taskId, next);
    void next.then(() => {
      if (chains.get(taskId) === next) chains.delete(taskId);
    });
  }
}
