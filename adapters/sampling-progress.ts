/**
 * Reading the engine's progress text (Fooocus's own wording, kept on the wire: `Sampling step 3/30,
 * image 1/2 ...`) and estimating how long queued work will take from recent step timings.
 */

export interface SamplingStep {
  step: number;
  steps: number;
  image: number;
  images: number;
}

const SAMPLING = /^Sampling step (\d+)\/(\d+), image (\d+)\/(\d+)/;

export function parseSamplingStep(message: string): SamplingStep | null {
  const m = SAMPLING.exec(message);
  return m ? { step: Number(m[1]), steps: Number(m[2]), image: Number(m[3]), images: Number(m[4]) } : null;
}

/** Sampling steps a task still has to run: the rest of this image and the images after it. */
export function remainingSteps(at: SamplingStep): number {
  return at.steps - at.step + (at.images - at.image) * at.steps;
}

export interface QueueEstimate {
  /** 1 = the next task to run. */
  position: number;
  /** Seconds until this task has finished, or null before any step has been timed. */
  etaSeconds: number | null;
}

/**
 * Positions and finish estimates of the pending tasks, in run order. `currentRemainingSteps` is
 * what the running task still has (null when nothing runs); `pendingSteps[i]` is the total of the
 * i-th pending task. Without a measured rate there is no estimate (never a made-up one).
 */
export function estimateQueue(
  currentRemainingSteps: number | null,
  pendingSteps: readonly number[],
  secondsPerStep: number | null,
): QueueEstimate[] {
  let ahead = currentRemainingSteps ?? 0;
  return pendingSteps.map((steps, i) => {
    ahead += steps;
    return {
      position: i + 1,
      etaSeconds: secondsPerStep === null ? null : Math.round(ahead * secondsPerStep * 10) / 10,
    };
  });
}
