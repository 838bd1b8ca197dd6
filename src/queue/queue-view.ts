/**
 * Queue visibility (position and ETA of each pending task, ETA of the running one) for `/tasks`,
 * legacy query-job and the streams. Reads the pending rows in run order (the database is the
 * queue) and the step rate the StepTimings measured; the arithmetic is adapters/sampling-progress.ts.
 */
import type { CommonRequest } from '../../adapters/common-request.ts';
import { estimateQueue, remainingSteps, type QueueEstimate } from '../../adapters/sampling-progress.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';
import { PERFORMANCE_MODES } from '../tasks/to-engine-job.ts';
import type { StepTimings } from './step-timings.ts';

export interface QueueViewDeps {
  /** Pending tasks, oldest first (the order the runner starts them). */
  pending(): Promise<TaskRecord[]>;
  current(): TaskRecord | null;
  steps: StepTimings;
}

/** Sampling steps a request runs in total (all its images). */
export function totalSteps(request: CommonRequest): number {
  const steps =
    request.overwrite_step > 0
      ? request.overwrite_step
      : (PERFORMANCE_MODES[request.performance_selection]?.steps ?? 30);
  return steps * Math.max(1, request.image_number);
}

export class QueueView {
  constructor(private readonly deps: QueueViewDeps) {}

  /** Pending task id → its position (1 = next) and ETA. */
  async estimates(): Promise<Map<string, QueueEstimate>> {
    const pending = await this.deps.pending();
    const current = this.deps.current();
    const list = estimateQueue(
      current ? this.stepsLeft(current) : null,
      pending.map((t) => totalSteps(t.request)),
      this.deps.steps.secondsPerStep(),
    );
    return new Map(pending.map((task, i) => [task.taskId, list[i]]));
  }

  async estimateOf(taskId: string): Promise<QueueEstimate | null> {
    return (await this.estimates()).get(taskId) ?? null;
  }

  /** Seconds until the running task finishes, or null (not running, or no rate measured yet). */
  runningEtaSeconds(task: TaskRecord): number | null {
    const rate = this.deps.steps.secondsPerStep();
    if (rate === null || this.deps.current()?.taskId !== task.taskId) return null;
    return Math.round(this.stepsLeft(task) * rate * 10) / 10;
  }

  private stepsLeft(task: TaskRecord): number {
    const at = this.deps.steps.positionOf(task.taskId);
    return at ? remainingSteps(at) : totalSteps(task.request);
  }
}
