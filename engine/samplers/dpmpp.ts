/**
 * DPM-Solver++ family (Lu et al. 2022) in k-diffusion's form, with λ = −ln σ and h = λ_{i+1} − λ_i:
 * dpmpp_2m (multistep), dpmpp_2m_sde (midpoint, η = 1), dpmpp_3m_sde, dpmpp_sde (single-step, r = ½)
 * and dpmpp_2s_ancestral. SDE noise comes from the seeded i.i.d. stream (DECISIONS §1: same
 * distribution as torchsde's Brownian tree, not the same bits).
 */
import { addScaledInPlace, ancestralStep, copyInto, eulerStepInPlace } from './sampler-math.ts';
import type { SamplerRun } from './types.ts';

/** Step to σ = 0: x ← D. Shared by every solver here. */
function finalDenoise(x: Float32Array, denoised: Float32Array): void {
  x.set(denoised);
}

export async function sampleDpmpp2m(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  let current: Float32Array | undefined;
  let previous: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    current = copyInto(current, await run.model(x, sigma, i));
    if (next === 0) {
      finalDenoise(x, current);
    } else {
      const h = Math.log(sigma / next);
      const ratio = next / sigma;
      const weight = -Math.expm1(-h);
      if (!previous || i === 0) {
        for (let j = 0; j < x.length; j++) x[j] = ratio * x[j] + weight * current[j];
      } else {
        const r = Math.log(sigmas[i - 1] / sigma) / h;
        const a = 1 + 1 / (2 * r);
        const b = 1 / (2 * r);
        for (let j = 0; j < x.length; j++) x[j] = ratio * x[j] + weight * (a * current[j] - b * previous[j]);
      }
    }
    await run.step(i, current);
    [previous, current] = [current, previous];
  }
  return x;
}

/** dpmpp_2m_sde with η = 1, s_noise = 1, midpoint correction (Fooocus's default sampler). */
export async function sampleDpmpp2mSde(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  let current: Float32Array | undefined;
  let previous: Float32Array | undefined;
  let hLast = 0;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    current = copyInto(current, await run.model(x, sigma, i));
    if (next === 0) {
      finalDenoise(x, current);
    } else {
      const h = Math.log(sigma / next);
      // (σ'/σ)·e^{−ηh} and 1 − e^{−(1+η)h} with η = 1.
      const decay = (next / sigma) * Math.exp(-h);
      const weight = -Math.expm1(-2 * h);
      if (previous && hLast > 0) {
        const correction = 0.5 * weight * (h / hLast);
        for (let j = 0; j < x.length; j++) {
          x[j] = decay * x[j] + weight * current[j] + correction * (current[j] - previous[j]);
        }
      } else {
        for (let j = 0; j < x.length; j++) x[j] = decay * x[j] + weight * current[j];
      }
      addScaledInPlace(x, run.noise(), next * Math.sqrt(-Math.expm1(-2 * h)));
      hLast = h;
    }
    await run.step(i, current);
    [previous, current] = [current, previous];
  }
  return x;
}

/** dpmpp_3m_sde (η = 1): third-order multistep with SDE noise. */
export async function sampleDpmpp3mSde(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  let d0: Float32Array | undefined; // this step's denoised
  let d1: Float32Array | undefined; // previous step's
  let d2: Float32Array | undefined; // the one before
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    d0 = copyInto(d0, await run.model(x, sigma, i));
    let h = 0;
    if (next === 0) {
      finalDenoise(x, d0);
    } else {
      h = Math.log(sigma / next);
      const hEta = 2 * h;
      const decay = Math.exp(-hEta);
      const weight = -Math.expm1(-hEta);
      const phi2 = Math.expm1(-hEta) / hEta + 1;
      if (d1 && d2 && h2 > 0) {
        const r0 = h1 / h;
        const r1 = h2 / h;
        const phi3 = phi2 / hEta - 0.5;
        for (let j = 0; j < x.length; j++) {
          const slope0 = (d0[j] - d1[j]) / r0;
          const slope1 = (d1[j] - d2[j]) / r1;
          const first = slope0 + ((slope0 - slope1) * r0) / (r0 + r1);
          const second = (slope0 - slope1) / (r0 + r1);
          x[j] = decay * x[j] + weight * d0[j] + phi2 * first - phi3 * second;
        }
      } else if (d1 && h1 > 0) {
        const r = h1 / h;
        for (let j = 0; j < x.length; j++) x[j] = decay * x[j] + weight * d0[j] + (phi2 * (d0[j] - d1[j])) / r;
      } else {
        for (let j = 0; j < x.length; j++) x[j] = decay * x[j] + weight * d0[j];
      }
      addScaledInPlace(x, run.noise(), next * Math.sqrt(-Math.expm1(-2 * h)));
    }
    await run.step(i, d0);
    [d2, d1, d0] = [d1, d0, d2];
    [h2, h1] = [h1, h];
  }
  return x;
}

/**
 * dpmpp_sde (η = 1, r = ½): an ancestral half step to the log-σ midpoint σs, a second model call there,
 * then the full step from a blend of both estimates. The two noise draws are Brownian increments over
 * nested σ intervals [σs, σ] ⊂ [σ', σ], so the second is correlated with the first as a Brownian tree's would be.
 */
export async function sampleDpmppSde(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const trial = new Float32Array(x.length);
  const noiseOuter = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    first = copyInto(first, await run.model(x, sigma, i));
    if (next === 0) {
      eulerStepInPlace(x, first, sigma, 0);
    } else {
      const sigmaS = Math.sqrt(sigma * next);
      // Stage 1: ancestral step σ → σs.
      const stage1 = ancestralStep(sigma, sigmaS);
      const w1 = -Math.expm1(Math.log(stage1.sigmaDown / sigma));
      const noiseInner = run.noise();
      for (let j = 0; j < x.length; j++) {
        trial[j] = (stage1.sigmaDown / sigma) * x[j] + w1 * first[j] + noiseInner[j] * stage1.sigmaUp;
      }
      // Increment over [σ', σ] = increment over [σs, σ] + an independent one over [σ', σs].
      const innerSpan = sigma - sigmaS;
      const outerSpan = sigma - next;
      const a = Math.sqrt(innerSpan / outerSpan);
      const b = Math.sqrt((sigmaS - next) / outerSpan);
      const rng = run.rng();
      for (let j = 0; j < x.length; j++) noiseOuter[j] = a * noiseInner[j] + b * rng.next();
      const second = await run.model(trial, sigmaS, i);
      // Stage 2: ancestral step σ → σ' with the estimate D' = ½D + ½D_s (fac = 1/(2r) = 1).
      const stage2 = ancestralStep(sigma, next);
      const ratio = stage2.sigmaDown / sigma;
      const w2 = -Math.expm1(Math.log(ratio));
      for (let j = 0; j < x.length; j++) {
        x[j] = ratio * x[j] + w2 * (0.5 * first[j] + 0.5 * second[j]) + noiseOuter[j] * stage2.sigmaUp;
      }
    }
    await run.step(i, first);
  }
  return x;
}

/** dpmpp_2s_ancestral: DPM-Solver++(2S) to σdown, then noise of scale σup. */
export async function sampleDpmpp2sAncestral(run: SamplerRun): Promise<Float32Array> {
  const { x, sigmas } = run;
  const trial = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    first = copyInto(first, await run.model(x, sigma, i));
    const { sigmaDown, sigmaUp } = ancestralStep(sigma, sigmas[i + 1]);
    if (sigmaDown === 0) {
      eulerStepInPlace(x, first, sigma, 0);
    } else {
      const h = Math.log(sigma / sigmaDown);
      const sigmaS = Math.sqrt(sigma * sigmaDown);
      const w1 = -Math.expm1(-h / 2);
      for (let j = 0; j < x.length; j++) trial[j] = (sigmaS / sigma) * x[j] + w1 * first[j];
      const second = await run.model(trial, sigmaS, i);
      const w2 = -Math.expm1(-h);
      for (let j = 0; j < x.length; j++) x[j] = (sigmaDown / sigma) * x[j] + w2 * second[j];
    }
    if (sigmas[i + 1] > 0) addScaledInPlace(x, run.noise(), sigmaUp);
    await run.step(i, first);
  }
  return x;
}
