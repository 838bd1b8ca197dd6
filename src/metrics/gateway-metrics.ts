/**
 * Prometheus metrics (prom-client) of one server: queue depth, tasks by status, dialect and mode,
 * run and wait durations, sampling steps per second, engine restarts and webhook failures. Fed
 * through narrow hooks (the hub's observer, the engine client's restart callback, the webhook
 * sender's failure callback), so the runner and service stay unaware of it.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { TaskStatus } from '../../adapters/task-record.ts';
import type { StepTimings } from '../queue/step-timings.ts';
import type { TaskEventHub } from '../tasks/task-events.ts';

export interface MetricsSources {
  hub: TaskEventHub;
  steps: StepTimings;
  queueDepth(): Promise<{ running: number; pending: number }>;
  /** Rows per status, from the database (the queue's truth). */
  countByStatus(status: TaskStatus): Promise<number>;
}

const STATUSES: readonly TaskStatus[] = ['pending', 'running', 'finished', 'stopped', 'skipped', 'failed', 'cancelled'];
const DURATION_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly engineRestarts: Counter;
  private readonly webhookFailures: Counter<'final'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'fooocus_queue_depth',
      help: 'Tasks waiting and running in the task store (every node of a cluster)',
      labelNames: ['state'],
      registers,
      async collect() {
        const { running, pending } = await sources.queueDepth();
        this.set({ state: 'pending' }, pending);
        this.set({ state: 'running' }, running);
      },
    });
    new Gauge({
      name: 'fooocus_tasks',
      help: 'Tasks in the database by status (both dialects)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await Promise.all(STATUSES.map((s) => sources.countByStatus(s)));
        STATUSES.forEach((status, i) => this.set({ status }, counts[i]));
      },
    });
    const started = new Counter({
      name: 'fooocus_tasks_started_total',
      help: 'Tasks the engine started',
      labelNames: ['dialect', 'mode'],
      registers,
    });
    const finished = new Counter({
      name: 'fooocus_tasks_finished_total',
      help: 'Tasks that reached a final status',
      labelNames: ['status', 'dialect', 'mode'],
      registers,
    });
    const runSeconds = new Histogram({
      name: 'fooocus_task_run_seconds',
      help: 'Start to finish of a task',
      labelNames: ['status', 'dialect', 'mode'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const waitSeconds = new Histogram({
      name: 'fooocus_task_wait_seconds',
      help: 'Acceptance to start of a task',
      labelNames: ['dialect', 'mode'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const stepsTotal = new Counter({ name: 'fooocus_sampling_steps_total', help: 'Sampling steps timed', registers });
    const stepsPerSecond = new Gauge({
      name: 'fooocus_sampling_steps_per_second',
      help: 'Recent sampling speed (mean over the last steps)',
      registers,
    });
    this.engineRestarts = new Counter({
      name: 'fooocus_engine_restarts_total',
      help: 'Engine child processes restarted after exiting unasked',
      registers,
    });
    this.webhookFailures = new Counter({
      name: 'fooocus_webhook_failures_total',
      help: 'Failed webhook attempts; final="true" when the webhook was given up',
      labelNames: ['final'],
      registers,
    });
    sources.hub.observe((_taskId, event) => {
      if (event.type === 'started') {
        const { task } = event;
        started.inc({ dialect: task.dialect, mode: task.mode });
        if (task.startMills !== null)
          waitSeconds.observe(
            { dialect: task.dialect, mode: task.mode },
            Math.max(0, task.startMills - task.inQueueMills) / 1000,
          );
      } else if (event.type === 'finished') {
        const { task } = event;
        const labels = { status: task.status, dialect: task.dialect, mode: task.mode };
        finished.inc(labels);
        if (task.startMills !== null && task.finishMills !== null)
          runSeconds.observe(labels, Math.max(0, task.finishMills - task.startMills) / 1000);
      }
    });
    sources.steps.onRate((_perStep, steps) => {
      stepsTotal.inc(steps);
      const mean = sources.steps.secondsPerStep();
      if (mean) stepsPerSecond.set(1 / mean);
    });
  }

  engineRestarted(): void {
    this.engineRestarts.inc();
  }

  webhookFailed(isFinal: boolean): void {
    this.webhookFailures.inc({ final: String(isFinal) });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
