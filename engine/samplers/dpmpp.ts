/**
 * DPM-Solver++ family (Lu et al. 2022) in k-diffusion's form, with λ = −ln σ and h = λ_{i+1} − λ_i:
 * dpmpp_2m (multistep), dpmpp_2m_sde (midpoint, η = 1), dpmpp_3m_sde, dpmpp_sde (single-step, r = ½)
 * and dpmpp_2s_ancestral. SDE noise comes from the seeded i.i.d. stream (DECISIONS §1: same
 * distribution as torchsde's Brownian tree, not the same bits). Each update is one linear
 * combination (run.combine) of x, the denoised estimates and the noise, expanded from k-diffusion's
 * nested form.
 */
import { ancestralStep, copyInto, eulerStep } from './sampler-math.ts';
import type { LatentTerm, SamplerRun } from './types.ts';

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
        await run.combine(x, [
          [ratio, x],
          [weight, current],
        ]);
      } else {
        // ratio·x + weight·(a·D_i − b·D_{i−1}), a = 1 + 1/(2r), b = 1/(2r).
        const r = Math.log(sigmas[i - 1] / sigma) / h;
        const b = 1 / (2 * r);
        await run.combine(x, [
          [ratio, x],
          [weight * (1 + b), current],
          [-weight * b, previous],
        ]);
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
      const noise: LatentTerm = [next * Math.sqrt(-Math.expm1(-2 * h)), run.noise()];
      if (previous && hLast > 0) {
        // + correction·(D_i − D_{i−1})
        const correction = 0.5 * weight * (h / hLast);
        await run.combine(x, [[decay, x], [weight + correction, current], [-correction, previous], noise]);
      } else {
        await run.combine(x, [[decay, x], [weight, current], noise]);
      }
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
      const noise: LatentTerm = [next * Math.sqrt(-Math.expm1(-2 * h)), run.noise()];
      if (d1 && d2 && h2 > 0) {
        // k-diffusion: s0 = (d0 − d1)/r0, s1 = (d1 − d2)/r1, first = s0 + (s0 − s1)·r0/(r0 + r1),
        // second = (s0 − s1)/(r0 + r1); x' = decay·x + weight·d0 + φ2·first − φ3·second.
        // So φ2·first − φ3·second = A·s0 + B·s1 with the A and B below.
        const r0 = h1 / h;
        const r1 = h2 / h;
        const phi3 = phi2 / hEta - 0.5;
        const q = r0 / (r0 + r1);
        const u = 1 / (r0 + r1);
        const a = phi2 * (1 + q) - phi3 * u;
        const b = -phi2 * q + phi3 * u;
        await run.combine(x, [[decay, x], [weight + a / r0, d0], [-a / r0 + b / r1, d1], [-b / r1, d2], noise]);
      } else if (d1 && h1 > 0) {
        const r = h1 / h;
        await run.combine(x, [[decay, x], [weight + phi2 / r, d0], [-phi2 / r, d1], noise]);
      } else {
        await run.combine(x, [[decay, x], [weight, d0], noise]);
      }
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
  const fresh = new Float32Array(x.length);
  let first: Float32Array | undefined;
  for (let i = 0; i < sigmas.length - 1; i++) {
    const sigma = sigmas[i];
    const next = sigmas[i + 1];
    first = copyInto(first, await run.model(x, sigma, i));
    if (next === 0) {
      await eulerStep(run, x, x, first, sigma, 0);
    } else {
      const sigmaS = Math.sqrt(sigma * next);
      // Stage 1: ancestral step σ → σs.
      const stage1 = ancestralStep(sigma, sigmaS);
      const w1 = -Math.expm1(Math.log(stage1.sigmaDown / sigma));
      const noiseInner = run.noise();
      await run.combine(trial, [
        [stage1.sigmaDown / sigma, x],
        [w1, first],
        [stage1.sigmaUp, noiseInner],
      ]);
      // Increment over [σ', σ] = increment over [σs, σ] + an independent one over [σ', σs]:
      // noise_outer = a·noise_inner + b·fresh.
      const innerSpan = sigma - sigmaS;
      const outerSpan = sigma - next;
      const a = Math.sqrt(innerSpan / outerSpan);
      const b = Math.sqrt((sigmaS - next) / outerSpan);
      run.rng().fill(fresh);
      const second = await run.model(trial, sigmaS, i);
      // Stage 2: ancestral step σ → σ' with the estimate D' = ½D + ½D_s (fac = 1/(2r) = 1).
      const stage2 = ancestralStep(sigma, next);
      const ratio = stage2.sigmaDown / sigma;
      const w2 = -Math.expm1(Math.log(ratio));
      await run.combine(x, [
        [ratio, x],
        [0.5 * w2, first],
        [0.5 * w2, second],
        [a * stage2.sigmaUp, noiseInner],
        [b * stage2.sigmaUp, fresh],
      ]);
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
    const noise: LatentTerm[] = sigmas[i + 1] > 0 ? [[sigmaUp, run.noise()]] : [];
    if (sigmaDown === 0) {
      await eulerStep(run, x, x, first, sigma, 0);
      if (noise.length > 0) await run.combine(x, [[1, x], ...noise]);
    } else {
      const h = Math.log(sigma / sigmaDown);
      const sigmaS = Math.sqrt(sigma * sigmaDown);
      const w1 = -Math.expm1(-h / 2);
      await run.combine(trial, [
        [sigmaS / sigma, x],
        [w1, first],
      ]);
      const second = await run.model(trial, sigmaS, i);
      const w2 = -Math.expm1(-h);
      await run.combine(x, [[sigmaDown / sigma, x], [w2, second], ...noise]);
    }
    await run.step(i, first);
  }
  return x;
}
