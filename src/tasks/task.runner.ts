/**
 * Runs tasks on this node's engines (p-queue, concurrency = engines) and owns every status change
 * after acceptance. The database row is the queue's truth (house-style rule 6): tasks are claimed
 * from the table oldest first by the ClaimLoop (DECISIONS §7), so one table feeds every node, and
 * on start the node takes back what it was running when it stopped (DECISIONS §2: an interrupted
 * task runs once more, then fails).
 */
import PQueue from 'p-queue';
import type { Logger } from '../logging/logger.ts';
import { ClaimLoop } from './claim-loop.ts';
import type { ClusterBus, NodeRegistry, ReclaimOutcome, TaskClaimStore } from './cluster.types.ts';
import type { EnginePool } from './engine-pool.ts';
import { EngineJobError, type Clock, type ModelFacts, type OutputStore } from './ports.ts';
import type { TaskEventHub } from './task-events.ts';
import type { TaskRecord, TaskResultFile, TaskStatus } from '../../adapters/task-record.ts';
import type { TaskRepository } from './task.types.ts';
import type { ClientText } from './client-text.ts';
import { toEngineJob } from './to-engine-job.ts';

export interface RunnerNode {
  name: string;
  leaseMs: number;
  /** PostgreSQL: other nodes share the queue. sqlite: this process is the only node. */
  isSharedStore: boolean;
  /** Backstop wake-up for claims (events normally wake the loop at once). */
  pollMs?: number;
}

export interface RunnerDeps {
  repo: TaskRepository;
  claims: TaskClaimStore;
  nodes: NodeRegistry;
  engines: EnginePool;
  bus: ClusterBus;
  node: RunnerNode;
  outputs: OutputStore;
  hub: TaskEventHub;
  clock: Clock;
  logger: Logger;
  /** Called once per task when it reaches a final status (webhooks). */
  onFinished(task: TaskRecord): void;
  models: Pick<ModelFacts, 'installedLoras' | 'expansionUnavailable'>;
  /** Rewrites server paths in the error and warnings a client will read. */
  clientText: ClientText;
}

/** A crash of the engine child is retried this many times within one process. */
const CRASH_RETRIES = 1;
/** A task found running at start-up (or orphaned by a node) runs once more; after that many starts it is failed. */
const MAX_STARTS = 2;
const DEFAULT_POLL_MS = 2000;

/** cancel: end as cancelled. lost: another node holds the task now. handed-back: this node is stopping. */
type Intervention = 'stop' | 'cancel' | 'lost' | 'handed-back';

export class TaskRunner {
  private readonly queue: PQueue;
  private readonly interventions = new Map<string, Intervention>();
  /** Tasks this node has claimed and not yet ended. */
  private readonly active = new Map<string, TaskRecord>();
  private readonly loop: ClaimLoop;

  constructor(private readonly deps: RunnerDeps) {
    this.queue = new PQueue({ concurrency: deps.engines.size });
    this.loop = new ClaimLoop({
      claims: deps.claims,
      logger: deps.logger,
      nodeName: deps.node.name,
      leaseMs: deps.node.leaseMs,
      pollMs: deps.node.pollMs ?? DEFAULT_POLL_MS,
      now: () => deps.clock.now(),
      freeSlots: () => deps.engines.size - this.active.size,
      run: (task) => this.run(task),
      held: () => [...this.active.keys()],
      onLost: (taskIds) => this.onLost(taskIds),
      maintain: () => this.maintain(),
    });
  }

  /** Tasks running on this node. */
  runningHere(): string[] {
    return [...this.active.keys()];
  }

  /** A task was accepted (on this node): claim it if an engine is free, and tell the other nodes. */
  enqueue(_taskId: string): void {
    this.loop.wake();
    if (this.deps.node.isSharedStore) this.publish({ type: 'task-added', node: this.deps.node.name });
  }

  /** Another node added a task or freed one up. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * At start: takes back this node's interrupted tasks (on sqlite every running row: there is no
   * other node), then starts claiming. Returns how many tasks wait in the queue.
   */
  async recover(): Promise<number> {
    const { node } = this.deps;
    const outcome = await this.deps.claims.reclaim({
      ownedBy: node.name,
      everyRunning: !node.isSharedStore,
      maxStarts: MAX_STARTS,
      finishMills: this.deps.clock.now(),
      failedError: (attempts) => `interrupted ${attempts} times by a server restart; giving up`,
    });
    for (const taskId of outcome.requeued)
      this.deps.logger.warn(`task ${taskId} was interrupted by a restart; running it once more`);
    this.settleReclaimed(outcome);
    this.deps.hub.adopt(await this.deps.repo.find({ statuses: ['running'] }));
    this.loop.start();
    return this.deps.repo.count({ statuses: ['pending'] });
  }

  /** Stops "the" running task (its images so far are kept), on whichever node runs it. */
  stopCurrent(): void {
    const current = this.deps.hub.current();
    if (current) this.control(current.taskId, 'stop');
  }

  skipCurrent(): void {
    const current = this.deps.hub.current();
    if (current) this.control(current.taskId, 'skip');
  }

  /** Cancels a pending or running task, on any node. Returns false when it had already ended. */
  async cancel(task: TaskRecord): Promise<boolean> {
    let status = task.status;
    if (status === 'pending') {
      const cancelled = await this.deps.claims.cancelPending(task.taskId, this.deps.clock.now());
      if (cancelled) {
        this.ended(cancelled);
        return true;
      }
      // Claimed meanwhile: cancel it as a running task.
      status = (await this.deps.repo.findByTaskId(task.taskId))?.status ?? status;
    }
    if (status !== 'running') return false;
    // In the store first, so the cancel holds even if the node running it dies before hearing of it.
    if (!(await this.deps.claims.requestCancel(task.taskId))) return false;
    this.control(task.taskId, 'cancel');
    return true;
  }

  /** A stop, skip or cancel from another node, for a task that may run here. */
  applyRemoteControl(taskId: string, action: 'stop' | 'skip' | 'cancel'): void {
    if (this.active.has(taskId)) this.controlHere(taskId, action);
  }

  /** Frees the engines' loaded sessions; each engine does it between jobs (legacy clean_vram). */
  releaseEngine(): Promise<void> {
    return this.deps.engines.releaseAll();
  }

  /** Resolves when nothing is being claimed or run here. */
  async onIdle(): Promise<void> {
    do {
      await this.loop.settled();
      await this.queue.onIdle();
    } while (this.loop.isBusy || this.queue.size + this.queue.pending > 0);
  }

  /**
   * A graceful stop: no more claims; the tasks running here go back to pending for another node
   * (or this one after its restart) without counting their start; then the engines may close.
   */
  async shutdown(): Promise<void> {
    await this.loop.stop();
    const held = [...this.active.keys()];
    for (const taskId of held) this.interventions.set(taskId, 'handed-back');
    const handed = held.length > 0 ? await this.deps.claims.handBack(this.deps.node.name, held) : [];
    for (const taskId of handed)
      this.deps.logger.warn(`task ${taskId} handed back to the queue: this node is stopping`);
    if (handed.length > 0 && this.deps.node.isSharedStore)
      await this.publish({ type: 'task-added', node: this.deps.node.name });
    await this.deps.nodes.markStopped(this.deps.node.name).catch(() => undefined);
  }

  /** Waits (at most `timeoutMs`) for the tasks still running here to let go, e.g. after the engines closed. */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue.onIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  private control(taskId: string, action: 'stop' | 'skip' | 'cancel'): void {
    if (this.active.has(taskId)) this.controlHere(taskId, action);
    else if (this.deps.node.isSharedStore) this.publish({ type: 'control', node: this.deps.node.name, taskId, action });
  }

  private controlHere(taskId: string, action: 'stop' | 'skip' | 'cancel'): void {
    if (action === 'cancel') this.interventions.set(taskId, 'cancel');
    this.deps.engines.control(taskId, action === 'skip' ? 'skip' : 'stop');
  }

  private run(task: TaskRecord): void {
    this.active.set(task.taskId, task);
    this.deps.hub.started(task);
    this.queue
      .add(() => this.execute(task))
      .catch((error) => this.deps.logger.error(`task ${task.taskId} crashed the runner`, error));
  }

  private async execute(task: TaskRecord): Promise<void> {
    const { taskId } = task;
    const engine = this.deps.engines.acquire(taskId);
    const files: TaskResultFile[] = [];
    const warnings = [...task.warnings];
    let status: TaskStatus = 'finished';
    let error: string | null = null;
    try {
      const { job } = toEngineJob(
        taskId,
        task.request,
        this.deps.models.installedLoras(),
        this.deps.models.expansionUnavailable(),
      );
      for (let attempt = 0; ; attempt++) {
        try {
          const outcome = await engine.run(job, {
            onProgress: (m) => {
              // Another node runs it now: its progress, not this run's, is the task's.
              if (this.interventions.get(taskId) !== 'lost')
                this.deps.hub.progress(taskId, m.percent, m.message, m.preview);
            },
            onImage: async (m) => {
              const saved = await this.deps.outputs.save(m.bytes, {
                ext: m.format === 'jpeg' ? 'jpg' : m.format,
                dialect: task.dialect,
                taskId,
                index: m.index,
                saveName: task.request.save_name,
                now: new Date(this.deps.clock.now()),
              });
              files.push({ file: saved.file, seed: m.seed });
            },
          });
          warnings.push(...outcome.warnings.filter((w) => !warnings.includes(w)));
          this.deps.logger.info(`task ${taskId}: engine ${outcome.engineMs} ms for ${files.length} image(s)`);
          status = outcome.outcome === 'stopped' ? 'stopped' : 'finished';
          break;
        } catch (e) {
          const isRetryable =
            e instanceof EngineJobError &&
            e.kind === 'crashed' &&
            attempt < CRASH_RETRIES &&
            !this.interventions.has(taskId);
          if (!isRetryable) throw e;
          this.deps.logger.warn(`engine crashed during task ${taskId}; running it again on the restarted engine`);
          // Partial images of the crashed attempt would duplicate the rerun's: drop them.
          await Promise.all(files.map((f) => this.deps.outputs.remove(f.file)));
          files.length = 0;
        }
      }
    } catch (e) {
      status = 'failed';
      error = e instanceof Error ? e.message : String(e);
      // A task handed back by a stopping node is not a failure: its engine went away with the node.
      if (this.interventions.get(taskId) !== 'handed-back') this.deps.logger.warn(`task ${taskId} failed: ${error}`);
    } finally {
      this.deps.engines.release(taskId);
    }
    if (this.interventions.get(taskId) === 'cancel') status = 'cancelled';
    await this.finish(taskId, status, files, error, warnings);
  }

  private async finish(
    taskId: string,
    status: TaskStatus,
    result: TaskResultFile[],
    error: string | null,
    warnings: string[],
  ): Promise<void> {
    this.deps.hub.releaseCurrent(taskId);
    // Out of the held set before the write, so a renewal running meanwhile does not call it lost.
    this.active.delete(taskId);
    const intervention = this.interventions.get(taskId);
    this.interventions.delete(taskId);
    const finishMills = this.deps.clock.now();
    // Replies never show server paths: errors and warnings name files relative to the models/data folders.
    const { clientText } = this.deps;
    const update = {
      status,
      finishMills,
      result,
      error: error === null ? null : clientText(error),
      warnings: warnings.map(clientText),
    };
    const task = await this.deps.claims.finishClaimed(taskId, this.deps.node.name, update);
    if (!task) {
      // Another node holds it now (or it went back to the queue): its run, not this one, is the result.
      this.deps.hub.forget(taskId);
      await Promise.all(result.map((f) => this.deps.outputs.remove(f.file)));
      if (intervention !== 'handed-back')
        this.deps.logger.warn(`task ${taskId}: this node lost its claim; its result here was discarded`);
      return;
    }
    this.deps.nodes
      .countCompleted(this.deps.node.name)
      .catch((e: unknown) => this.deps.logger.warn(`counting a completed task failed: ${String(e)}`));
    this.ended(task);
    this.loop.wake();
  }

  private ended(task: TaskRecord): void {
    this.deps.hub.finished(task);
    this.deps.onFinished(task);
  }

  private onLost(taskIds: string[]): void {
    for (const taskId of taskIds) {
      if (!this.active.has(taskId)) continue;
      this.deps.logger.warn(`task ${taskId}: the claim ran out while this node was unresponsive; stopping it here`);
      this.interventions.set(taskId, 'lost');
      this.deps.engines.control(taskId, 'stop');
    }
  }

  /**
   * Every third of a lease: heartbeat, and take back the tasks of other nodes that stopped renewing.
   * Never this node's own (it is alive, it is asking; its next renewal fixes a late lease), and on
   * sqlite nobody's: there is no other node.
   */
  private async maintain(): Promise<void> {
    await this.deps.nodes.heartbeat(this.deps.node.name);
    if (!this.deps.node.isSharedStore) return;
    const outcome = await this.deps.claims.reclaim({
      sparing: this.deps.node.name,
      maxStarts: MAX_STARTS,
      finishMills: this.deps.clock.now(),
      failedError: (attempts) => `interrupted ${attempts} times (its node stopped: no lease renewal); giving up`,
    });
    for (const taskId of outcome.requeued)
      this.deps.logger.warn(`task ${taskId}: its node stopped renewing its claim; running it once more`);
    this.settleReclaimed(outcome);
  }

  private settleReclaimed(outcome: ReclaimOutcome): void {
    for (const task of outcome.ended) this.ended(task);
    if (outcome.requeued.length > 0) {
      this.loop.wake();
      if (this.deps.node.isSharedStore) this.publish({ type: 'task-added', node: this.deps.node.name });
    }
  }

  private publish(event: Parameters<ClusterBus['publish']>[0]): Promise<void> {
    return this.deps.bus.publish(event).catch((error: unknown) => {
      this.deps.logger.warn(
        `cluster event ${event.type} not sent: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  }
}
