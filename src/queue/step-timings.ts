/**
 * Seconds per sampling step, measured from the progress events of recent tasks (the hub's
 * observer): the basis of queue ETAs and of the steps-per-second metric. Only consecutive steps of
 * one image count, so model loading and VAE decoding do not distort the rate.
 */
import { parseSamplingStep, type SamplingStep } from '../../adapters/sampling-progress.ts';
import type { TaskEventHub } from '../tasks/task-events.ts';

const WINDOW = 50;

export class StepTimings {
  private readonly intervals: number[] = [];
  private last: { taskId: string; at: SamplingStep; time: number } | null = null;
  private readonly listeners = new Set<(secondsPerStep: number, steps: number) => void>();

  constructor(
    hub: TaskEventHub,
    private readonly now: () => number,
  ) {
    hub.observe((taskId, event) => {
      if (event.type === 'progress') this.onProgress(taskId, event.live.message);
      else if (event.type === 'finished' && this.last?.taskId === taskId) this.last = null;
    });
  }

  /** Told of each timed run of steps (metrics). */
  onRate(listener: (secondsPerStep: number, steps: number) => void): void {
    this.listeners.add(listener);
  }

  /** Mean of the recent step intervals, or null before any was measured. */
  secondsPerStep(): number | null {
    if (this.intervals.length === 0) return null;
    return this.intervals.reduce((a, b) => a + b, 0) / this.intervals.length;
  }

  /** Where the running task is, by its latest sampling step (null before its first). */
  positionOf(taskId: string): SamplingStep | null {
    return this.last?.taskId === taskId ? this.last.at : null;
  }

  private onProgress(taskId: string, message: string): void {
    const at = parseSamplingStep(message);
    if (!at) return;
    const time = this.now();
    const previous = this.last;
    this.last = { taskId, at, time };
    if (!previous || previous.taskId !== taskId || previous.at.image !== at.image || at.step <= previous.at.step)
      return;
    // Coalesced progress can skip steps: the interval covers every step since the previous one.
    const steps = at.step - previous.at.step;
    const perStep = (time - previous.time) / 1000 / steps;
    this.intervals.push(perStep);
    if (this.intervals.length > WINDOW) this.intervals.shift();
    for (const listener of this.listeners) listener(perStep, steps);
  }
}
