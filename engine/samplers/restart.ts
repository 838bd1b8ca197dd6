/**
 * restart (Xu et al. 2023, "Restart Sampling for Improving Generative Processes"), with ComfyUI's
 * automatic restart list: Heun steps down the schedule; from 20 steps on the schedule is rebuilt as a
 * Karras one over the same σ range but shorter (n − K·R steps), and when the walk reaches the σ nearest
 * 0.1 it jumps back up to the σ nearest 2 by adding fresh noise √(σ_hi² − σ_lo²)·N and walks down again
 * over K Karras steps, R times (K = 9, R = 1 below 36 steps; K = ⌊n/4⌋, R = 2 from 36 on). Below 20 steps
 * it is plain heun over the given schedule. Each Heun step is two model calls (one on a step to 0), so
 * it costs about twice the calls of heun; its steps are reported mapped onto 0..n−1.
 */
import { karrasSigmas } from '../schedulers/sigmas.ts';
import { addScaled, copyInto, eulerStep, scheduleStepAt } from './sampler-math.ts';
import type { SamplerRun } from './types.ts';

const RESTART_MIN_STEPS = 20;
const RESTART_LOW_SIGMA = 0.1;
const RESTART_HIGH_SIGMA = 2;

function nearestIndex(sigmas: readonly number[], target: number): number {
  let best = 0;
  for (let i = 1; i < sigmas.length; i++) if (Math.abs(sigmas[i] - target) < Math.abs(sigmas[best] - target)) best = i;
  return best;
}

/** The (σ_from, σ_to) pairs restart walks, restarts included (ComfyUI's step_list). */
export function restartStepList(schedule: readonly number[]): Array<[number, number]> {
  const n = schedule.length - 1;
  let sigmas = [...schedule];
  let restart: { index: number; steps: number; times: number } | undefined;
  if (n >= RESTART_MIN_STEPS) {
    const steps = n >= 36 ? Math.floor(n / 4) : 9;
    const times = n >= 36 ? 2 : 1;
    sigmas = karrasSigmas(n - steps * times, schedule[n - 1], schedule[0]);
    restart = { index: nearestIndex(sigmas, RESTART_LOW_SIGMA), steps: steps + 1, times };
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < sigmas.length - 1; i++) {
    pairs.push([sigmas[i], sigmas[i + 1]]);
    if (restart && i + 1 === restart.index) {
      const maxIndex = nearestIndex(sigmas, RESTART_HIGH_SIGMA);
      if (maxIndex < restart.index) {
        const up = karrasSigmas(restart.steps, sigmas[restart.index], sigmas[maxIndex]).slice(0, -1);
        for (let t = 0; t < restart.times; t++) {
          for (let k = 0; k < up.length - 1; k++) pairs.push([up[k], up[k + 1]]);
        }
      }
    }
  }
  return pairs;
}

export async function sampleRestart(run: SamplerRun): Promise<Float32Array> {
  const { x } = run;
  const n = run.sigmas.length - 1;
  if (n < 1) return x;
  const pairs = restartStepList(run.sigmas);
  const trial = new Float32Array(x.length);
  let first: Float32Array | undefined;
  let lastSigma: number | undefined;
  for (let k = 0; k < pairs.length; k++) {
    const [sigma, next] = pairs[k];
    if (lastSigma !== undefined && lastSigma < sigma) {
      await addScaled(run, x, run.noise(), Math.sqrt(sigma * sigma - lastSigma * lastSigma));
    }
    const index = scheduleStepAt(k / pairs.length, n, false);
    first = copyInto(first, await run.model(x, sigma, index));
    if (next === 0) {
      await eulerStep(run, x, x, first, sigma, next);
    } else {
      // A Heun step: x + ((x − D)/σ + (trial − D')/σ')/2·dt.
      await eulerStep(run, trial, x, first, sigma, next);
      const second = await run.model(trial, next, index);
      const half = (next - sigma) / 2;
      await run.combine(x, [
        [1 + half / sigma, x],
        [-half / sigma, first],
        [half / next, trial],
        [-half / next, second],
      ]);
    }
    lastSigma = next;
    await run.step(scheduleStepAt((k + 1) / pairs.length, n, true), first);
  }
  return x;
}
