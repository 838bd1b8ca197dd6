/**
 * Per-thread time from Linux's /proc/thread-self/schedstat: nanoseconds this thread ran on a CPU
 * and nanoseconds it waited runnable for one. On a loaded machine wall time mixes the two; the
 * run time alone is what a piece of code costs, the wait is what the machine (and our own busy
 * threads) made it wait. Elsewhere both read as NaN.
 */
import { readFileSync } from 'node:fs';

export interface ThreadTime {
  wallMs: number;
  cpuMs: number;
  waitMs: number;
}

function schedstat(): [number, number] {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ').map(Number);
    return [run, wait];
  } catch {
    return [NaN, NaN];
  }
}

/** Times `work` on the calling thread. */
export async function timeOnThread<T>(work: () => Promise<T> | T): Promise<{ value: T; time: ThreadTime }> {
  const [run0, wait0] = schedstat();
  const started = performance.now();
  const value = await work();
  const wallMs = performance.now() - started;
  const [run1, wait1] = schedstat();
  return { value, time: { wallMs, cpuMs: (run1 - run0) / 1e6, waitMs: (wait1 - wait0) / 1e6 } };
}
