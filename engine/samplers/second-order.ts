/**
 * Two-evaluation samplers from k-diffusion: heun (trapezoid), dpm_2 (midpoint in log σ) and
 * dpm_2_ancestral, plus ComfyUI's heunpp2 (up to three evaluations). Each falls back to one Euler step
 * when stepping to the schedule's last σ. Updates are written as linear combinations (run.combine):
 * x + Σ w_k·(x_k − D_k)/σ_k·dt expands to coefficients on x, each x_k and each D_k.
 */
import { ancestralStep, copyInto, eulerStep } from './sampler-math.ts';
import type { LatentTerm, SamplerRun } from './types.ts';

/** The terms of w·(point − denoised)/σ·dt. */
function slopeTerms(point: Float32Array, denoised: Float32Array, sigma: number, weightDt: number): LatentTerm[] {
  return [
    [weightDt / sigma, point],
    [-weightDt / sigma, denoised],
  ];
}

/** Heun: trial Euler step to σ_{i+1}, then average the two slopes. */
export async function sampleHeun(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const trial = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    // Copy: the second model call may reuse the buffer the first one returned.
    first = copyInto(first, await run.model(x, sigma, i));
    if (next === 0) {
      await eulerStep(run, x, x, first, sigma, next);
    } else {
      await eulerStep(run, trial, x, first, sigma, next);
      const second = await run.model(trial, next, i);
      const half = (next - sigma) / 2;
      await run.combine(x, [[1, x], ...slopeTerms(x, first, sigma, half), ...slopeTerms(trial, second, next, half)]);
    }
    await run.step(i, first);
  }
  return x;
}

/** Slope at the log-σ midpoint between σ and `target`, applied over the whole step to `target`. */
async function midpointStep(
  run: SamplerRun,
  trial: Float32Array,
  first: Float32Array,
  sigma: number,
  target: number,
  i: number,
): Promise<void> {
  const { x } = run;
  const sigmaMid = Math.sqrt(sigma * target);
  await eulerStep(run, trial, x, first, sigma, sigmaMid);
  const second = await run.model(trial, sigmaMid, i);
  await run.combine(x, [[1, x], ...slopeTerms(trial, second, sigmaMid, target - sigma)]);
}

/** DPM-Solver-2 (k-diffusion's dpm_2). */
export async function sampleDpm2(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const trial = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    first = copyInto(first, await run.model(x, sigmas[i], i));
    if (sigmas[i + 1] === 0) await eulerStep(run, x, x, first, sigmas[i], 0);
    else await midpointStep(run, trial, first, sigmas[i], sigmas[i + 1], i);
    await run.step(i, first);
  }
  return x;
}

/** dpm_2 down to σdown, then noise of scale σup. */
export async function sampleDpm2Ancestral(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const trial = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    first = copyInto(first, await run.model(x, sigmas[i], i));
    const { sigmaDown, sigmaUp } = ancestralStep(sigmas[i], sigmas[i + 1]);
    if (sigmaDown === 0) await eulerStep(run, x, x, first, sigmas[i], 0);
    else await midpointStep(run, trial, first, sigmas[i], sigmaDown, i);
    if (sigmas[i + 1] > 0)
      await run.combine(x, [
        [1, x],
        [sigmaUp, run.noise()],
      ]);
    await run.step(i, first);
  }
  return x;
}

/**
 * heunpp2 (ComfyUI, after Carzit's sd-webui-samplers-scheduler): Euler trial steps to σ_{i+1} and σ_{i+2},
 * then one step with a weighted mean of the three slopes, weights σ_{i+1}/(3σ_0) and σ_{i+2}/(3σ_0) for
 * the look-ahead slopes and the rest for the current one. The step before last uses two slopes
 * (weight σ_{i+1}/(2σ_0)); the last is plain Euler. The weights sum to 1 but shrink with σ, so the method
 * is first-order consistent rather than second-order.
 */
export async function sampleHeunpp2(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const last = sigmas.length - 1;
  const sigmaEnd = sigmas[last];
  const trial = new Float32Array(x.length);
  const trial2 = new Float32Array(x.length);
  let first: Float32Array | undefined;
  let second: Float32Array | undefined;
  for (let i = 0; i < last; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    first = copyInto(first, await run.model(x, sigma, i));
    if (next === sigmaEnd) {
      await eulerStep(run, x, x, first, sigma, next);
    } else {
      await eulerStep(run, trial, x, first, sigma, next);
      second = copyInto(second, await run.model(trial, next, i));
      const dt = next - sigma;
      if (sigmas[i + 2] === sigmaEnd) {
        const w2 = next / (2 * sigmas[0]);
        const w1 = 1 - w2;
        await run.combine(x, [
          [1, x],
          ...slopeTerms(x, first, sigma, w1 * dt),
          ...slopeTerms(trial, second, next, w2 * dt),
        ]);
      } else {
        const nextNext = sigmas[i + 2];
        await eulerStep(run, trial2, trial, second, next, nextNext);
        const third = await run.model(trial2, nextNext, i);
        const w2 = next / (3 * sigmas[0]);
        const w3 = nextNext / (3 * sigmas[0]);
        const w1 = 1 - w2 - w3;
        await run.combine(x, [
          [1, x],
          ...slopeTerms(x, first, sigma, w1 * dt),
          ...slopeTerms(trial, second, next, w2 * dt),
          ...slopeTerms(trial2, third, nextNext, w3 * dt),
        ]);
      }
    }
    await run.step(i, first);
  }
  return x;
}
