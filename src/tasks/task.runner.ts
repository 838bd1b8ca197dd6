/**
 * Runs accepted tasks one at a time (p-queue, concurrency 1) and owns every status change after
 * acceptance. The database row is the queue's truth (house-style rule 6): the p-queue only holds
 * task ids, and on start the queue is rebuilt from the rows (DECISIONS §2).
 */
import PQueue from 'p-queue';
import type { Logger } from '../logging/logger.ts';
import { EngineJobError, type Clock, type EngineClient, type ModelFacts, type OutputStore } from './ports.ts';
import type { TaskEventHub } from './task-events.ts';
import { isFinished, type TaskRecord, type TaskResultFile, type TaskStatus } from '../../adapters/task-record.ts';
import type { TaskRepository } from './task.types.ts';
import type { ClientText } from './client-text.ts';
import { toEngineJob } from './to-engine-job.ts';

export interface RunnerDeps {
  repo: TaskRepository;
  engine: EngineClient;
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
/** A task found running at start-up runs once more; after that many starts it is failed. */
const MAX_STARTS = 2;

type Intervention = 'stop' | 'cancel';

export class TaskRunner {
  private readonly queue = new PQueue({ concurrency: 1 });
  private readonly interventions = new Map<string, Intervention>();
  private isStopping = false;

  constructor(private readonly deps: RunnerDeps) {}

  /** Waiting + running tasks (the `--queue-size` count). */
  size(): number {
    return this.queue.size + this.queue.pending;
  }

  pendingCount(): number {
    return this.queue.size;
  }

  enqueue(taskId: string): void {
    this.queue.add(() => this.execute(taskId)).catch((error) => this.deps.logger.error(`task ${taskId} crashed the runner`, error));
  }

  /** Rebuilds the queue from the database: pending in order; an interrupted task once more. */
  async recover(): Promise<number> {
    let requeued = 0;
    for (const task of await this.deps.repo.findUnfinished()) {
      if (task.status === 'running' && task.attempts >= MAX_STARTS) {
        await this.finish(task.taskId, 'failed', [], `interrupted ${task.attempts} times by a server restart; giving up`, task.warnings);
        continue;
      }
      if (task.status === 'running') this.deps.logger.warn(`task ${task.taskId} was interrupted by a restart; running it once more`);
      this.enqueue(task.taskId);
      requeued += 1;
    }
    return requeued;
  }

  /**
   * Graceful shutdown: nothing more starts, and the task the engine is working on is neither
   * retried nor failed — its row stays `running`, so the next start runs it again (as after a crash).
   */
  stop(): void {
    this.isStopping = true;
    this.queue.pause();
    this.queue.clear();
    const current = this.deps.hub.current();
    if (current) this.deps.logger.warn(`shutting down while task ${current.taskId} runs: it runs again at the next start`);
  }

  /** Stops the running task (its images so far are kept). */
  stopCurrent(): void {
    const current = this.deps.hub.current();
    if (current) this.deps.engine.control(current.taskId, 'stop');
  }

  skipCurrent(): void {
    const current = this.deps.hub.current();
    if (current) this.deps.engine.control(current.taskId, 'skip');
  }

  /** Cancels a pending or running task. Returns false when it had already ended. */
  async cancel(task: TaskRecord): Promise<boolean> {
    if (task.status === 'pending') {
      await this.finish(task.taskId, 'cancelled', [], null, task.warnings);
      return true;
    }
    if (task.status === 'running') {
      this.interventions.set(task.taskId, 'cancel');
      this.deps.engine.control(task.taskId, 'stop');
      return true;
    }
    return false;
  }

  /** Frees the engine's loaded sessions; the engine does it between jobs (legacy clean_vram). */
  releaseEngine(): Promise<void> {
    return this.deps.engine.release();
  }

  async onIdle(): Promise<void> {
    await this.queue.onIdle();
  }

  private async execute(taskId: string): Promise<void> {
    if (this.isStopping) return;
    const before = await this.deps.repo.findByTaskId(taskId);
    // Cancelled (or finished by a previous process) while it waited.
    if (!before || isFinished(before.status)) return;
    const task = await this.deps.repo.markStarted(taskId, this.deps.clock.now());
    this.deps.hub.started(task);
    const files: TaskResultFile[] = [];
    const warnings = [...task.warnings];
    let status: TaskStatus = 'finished';
    let error: string | null = null;
    try {
      const { job } = toEngineJob(taskId, task.request, this.deps.models.installedLoras(), this.deps.models.expansionUnavailable());
      for (let attempt = 0; ; attempt++) {
        try {
          const outcome = await this.deps.engine.run(job, {
            onProgress: (m) => this.deps.hub.progress(taskId, m.percent, m.message, m.preview),
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
          if (this.isStopping) throw e;
          const isRetryable = e instanceof EngineJobError && e.kind === 'crashed' && attempt < CRASH_RETRIES && !this.interventions.has(taskId);
          if (!isRetryable) throw e;
          this.deps.logger.warn(`engine crashed during task ${taskId}; running it again on the restarted engine`);
          // Partial images of the crashed attempt would duplicate the rerun's: drop them.
          await Promise.all(files.map((f) => this.deps.outputs.remove(f.file)));
          files.length = 0;
        }
      }
    } catch (e) {
      // The engine went away because the server is stopping: the row stays running for the next
      // start, which renders the images again (these partial ones would be duplicates).
      if (this.isStopping) {
        await Promise.all(files.map((f) => this.deps.outputs.remove(f.file))).catch(() => undefined);
        return;
      }
      status = 'failed';
      error = e instanceof Error ? e.message : String(e);
      this.deps.logger.warn(`task ${taskId} failed: ${error}`);
    }
    if (this.interventions.get(taskId) === 'cancel') status = 'cancelled';
    this.interventions.delete(taskId);
    await this.finish(taskId, status, files, error, warnings);
  }

  private async finish(taskId: string, status: TaskStatus, result: TaskResultFile[], error: string | null, warnings: string[]): Promise<void> {
    this.deps.hub.releaseCurrent(taskId);
    const { clientText } = this.deps;
    const update = { status, finishMills: this.deps.clock.now(), result, error: error === null ? null : clientText(error), warnings: warnings.map(clientText) };
    const task = await this.deps.repo.markFinished(taskId, update);
    this.deps.hub.finished(task);
    this.deps.onFinished(task);
  }
}
