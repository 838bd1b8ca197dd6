/**
 * DPM-Solver (Lu et al. 2022, noise-prediction form) as k-diffusion runs it for dpm_fast and
 * dpm_adaptive, in t = −ln σ with ε(x, t) = (x − D(x, σ))/σ. Both use only the schedule's ends:
 * σmax = σ_0 and σmin = the last non-zero σ (ComfyUI's wrapper), and both stop at σmin without a final
 * denoise, as k-diffusion does (η = 0: deterministic).
 */
import { scheduleStepAt } from './sampler-math.ts';
import type { LatentTerm, SamplerRun } from './types.ts';

const sigmaAt = (t: number): number => Math.exp(-t);

/** Evaluates ε at (x, t) and remembers named values for the stages of one step (k-diffusion's eps_cache). */
class EpsilonSolver {
  private readonly cache = new Map<string, Float32Array>();

  constructor(
    private readonly run: SamplerRun,
    private readonly stepIndex: () => number,
  ) {}

  /** Forgets the cached stage values (a new step starts). */
  reset(keep?: string): void {
    for (const key of [...this.cache.keys()]) if (key !== keep) this.cache.delete(key);
  }

  async eps(key: string, x: Float32Array, t: number): Promise<Float32Array> {
    const cached = this.cache.get(key);
    if (cached) return cached;
    const sigma = sigmaAt(t);
    const denoised = await this.run.model(x, sigma, this.stepIndex());
    const out = await this.combine([
      [1 / sigma, x],
      [-1 / sigma, denoised],
    ]);
    this.cache.set(key, out);
    return out;
  }

  /** A new latent Σ c·v (run.combine into a fresh buffer). */
  combine(terms: readonly LatentTerm[]): Promise<Float32Array> {
    return this.run.combine(new Float32Array(terms[0][1].length), terms);
  }

  /** DPM-Solver-1 (= Euler in σ): x − σ(t')·(e^h − 1)·ε. */
  async step1(x: Float32Array, t: number, tNext: number): Promise<Float32Array> {
    const eps = await this.eps('eps', x, t);
    const k = sigmaAt(tNext) * Math.expm1(tNext - t);
    return this.combine([
      [1, x],
      [-k, eps],
    ]);
  }

  /** DPM-Solver-2 with its intermediate point at t + r1·h. */
  async step2(x: Float32Array, t: number, tNext: number, r1 = 1 / 2): Promise<Float32Array> {
    const h = tNext - t;
    const eps = await this.eps('eps', x, t);
    const s1 = t + r1 * h;
    const k1 = sigmaAt(s1) * Math.expm1(r1 * h);
    const u1 = await this.combine([
      [1, x],
      [-k1, eps],
    ]);
    const epsR1 = await this.eps('eps_r1', u1, s1);
    const k = sigmaAt(tNext) * Math.expm1(h);
    const kCorrection = k / (2 * r1);
    // x − k·ε − kc·(ε_r1 − ε)
    return this.combine([
      [1, x],
      [kCorrection - k, eps],
      [-kCorrection, epsR1],
    ]);
  }

  /** DPM-Solver-3 with intermediate points at t + h/3 and t + 2h/3. */
  async step3(x: Float32Array, t: number, tNext: number, r1 = 1 / 3, r2 = 2 / 3): Promise<Float32Array> {
    const h = tNext - t;
    const eps = await this.eps('eps', x, t);
    const s1 = t + r1 * h;
    const s2 = t + r2 * h;
    const k1 = sigmaAt(s1) * Math.expm1(r1 * h);
    const u1 = await this.combine([
      [1, x],
      [-k1, eps],
    ]);
    const epsR1 = await this.eps('eps_r1', u1, s1);
    const k2 = sigmaAt(s2) * Math.expm1(r2 * h);
    const k2Correction = sigmaAt(s2) * (r2 / r1) * (Math.expm1(r2 * h) / (r2 * h) - 1);
    const u2 = await this.combine([
      [1, x],
      [k2Correction - k2, eps],
      [-k2Correction, epsR1],
    ]);
    const epsR2 = await this.eps('eps_r2', u2, s2);
    const k = sigmaAt(tNext) * Math.expm1(h);
    const kCorrection = (sigmaAt(tNext) / r2) * (Math.expm1(h) / h - 1);
    return this.combine([
      [1, x],
      [kCorrection - k, eps],
      [-kCorrection, epsR2],
    ]);
  }
}

/** σmin and σmax as ComfyUI passes them to k-diffusion: a trailing 0 is skipped. */
function endpoints(sigmas: readonly number[]): { tStart: number; tEnd: number } {
  let sigmaMin = sigmas[sigmas.length - 1];
  if (sigmaMin === 0) sigmaMin = sigmas[sigmas.length - 2];
  if (!(sigmaMin > 0))
    throw new Error(`dpm_fast/dpm_adaptive need a positive smallest sigma; schedule ${sigmas.join(', ')}`);
  return { tStart: -Math.log(sigmas[0]), tEnd: -Math.log(sigmaMin) };
}

/** D = x − σ·ε: the step's first denoised estimate, for onStep. */
function denoisedOf(solver: EpsilonSolver, x: Float32Array, eps: Float32Array, sigma: number): Promise<Float32Array> {
  return solver.combine([
    [1, x],
    [-sigma, eps],
  ]);
}

/**
 * dpm_fast: n = (σ count − 1) model calls spread over ⌊n/3⌋ + 1 steps uniform in t, third order except
 * the tail (orders 3…3,2,1 when 3 divides n, else 3…3,n mod 3). Its steps are reported mapped onto 0..n−1.
 */
export async function sampleDpmFast(run: SamplerRun): Promise<Float32Array> {
  const { sigmas } = run;
  const n = sigmas.length - 1;
  if (n < 1) return run.x;
  const { tStart, tEnd } = endpoints(sigmas);
  const m = Math.floor(n / 3) + 1;
  const orders = n % 3 === 0 ? [...Array<number>(m - 2).fill(3), 2, 1] : [...Array<number>(m - 1).fill(3), n % 3];
  const tAt = (k: number): number => (k === orders.length ? tEnd : tStart + ((tEnd - tStart) * k) / orders.length);
  let stage = 0;
  const solver = new EpsilonSolver(run, () => scheduleStepAt(stage / orders.length, n, false));
  let x = run.x;
  for (; stage < orders.length; stage++) {
    const t = tAt(stage);
    const tNext = tAt(stage + 1);
    solver.reset();
    const denoised = await denoisedOf(solver, x, await solver.eps('eps', x, t), sigmaAt(t));
    if (orders[stage] === 1) x = await solver.step1(x, t, tNext);
    else if (orders[stage] === 2) x = await solver.step2(x, t, tNext);
    else x = await solver.step3(x, t, tNext);
    run.x.set(x);
    await run.step(scheduleStepAt((stage + 1) / orders.length, n, true), denoised);
  }
  return run.x;
}

/**
 * k-diffusion's PID step-size controller with its dpm_adaptive settings (pure integral control:
 * p = d = 0, i = 1, order 3, accept when the proposed factor ≥ 0.81).
 */
class StepSizeController {
  private readonly b1: number;
  private readonly b2: number;
  private readonly b3: number;
  private errors: number[] = [];

  constructor(
    public h: number,
    pcoeff: number,
    icoeff: number,
    dcoeff: number,
    order: number,
    private readonly acceptSafety: number,
  ) {
    this.b1 = (pcoeff + icoeff + dcoeff) / order;
    this.b2 = -(pcoeff + 2 * dcoeff) / order;
    this.b3 = dcoeff / order;
  }

  /** Scales h by the limited factor 1 + atan(f − 1) and says whether the step just tried is accepted. */
  propose(error: number): boolean {
    const inverse = 1 / (error + 1e-8);
    if (this.errors.length === 0) this.errors = [inverse, inverse, inverse];
    this.errors[0] = inverse;
    const raw = this.errors[0] ** this.b1 * this.errors[1] ** this.b2 * this.errors[2] ** this.b3;
    const factor = 1 + Math.atan(raw - 1);
    const accept = factor >= this.acceptSafety;
    if (accept) this.errors = [this.errors[0], this.errors[0], this.errors[1]];
    this.h *= factor;
    return accept;
  }
}

/** dpm_adaptive's tolerances (k-diffusion defaults, which ComfyUI and Fooocus keep). */
const ADAPTIVE = { rtol: 0.05, atol: 0.0078, hInit: 0.05, acceptSafety: 0.81 } as const;

/**
 * dpm_adaptive: embedded DPM-Solver-2 (r1 = ⅓) / DPM-Solver-3 pair with error control in t; the step
 * count follows the error, not the schedule (only its ends are used). Three model calls per attempt;
 * a rejected attempt keeps its ε(x, s) (k-diffusion recomputes it: same value, one call fewer here).
 * Accepted steps are reported by their progress in t, mapped onto 0..n−1.
 */
export async function sampleDpmAdaptive(run: SamplerRun): Promise<Float32Array> {
  const { sigmas } = run;
  const n = sigmas.length - 1;
  if (n < 1) return run.x;
  const { tStart, tEnd } = endpoints(sigmas);
  const span = tEnd - tStart;
  let s = tStart;
  const solver = new EpsilonSolver(run, () => scheduleStepAt((s - tStart) / span, n, false));
  const pid = new StepSizeController(ADAPTIVE.hInit, 0, 1, 0, 3, ADAPTIVE.acceptSafety);
  let x = run.x;
  let xPrev = run.x;
  let isNewStep = true;
  while (s < tEnd - 1e-5) {
    if (isNewStep) solver.reset();
    else solver.reset('eps');
    const t = Math.min(tEnd, s + pid.h);
    const eps = await solver.eps('eps', x, s);
    const xLow = await solver.step2(x, s, t, 1 / 3);
    const xHigh = await solver.step3(x, s, t);
    // The error norm is a reduction, not a linear combination: it stays in JavaScript (dpm_adaptive only).
    let sumSq = 0;
    for (let j = 0; j < x.length; j++) {
      const delta = Math.max(ADAPTIVE.atol, ADAPTIVE.rtol * Math.max(Math.abs(xLow[j]), Math.abs(xPrev[j])));
      const scaled = (xLow[j] - xHigh[j]) / delta;
      sumSq += scaled * scaled;
    }
    isNewStep = pid.propose(Math.sqrt(sumSq / x.length));
    if (isNewStep) {
      const denoised = await denoisedOf(solver, x, eps, sigmaAt(s));
      xPrev = xLow;
      x = xHigh;
      s = t;
      run.x.set(x);
      await run.step(scheduleStepAt((s - tStart) / span, n, true), denoised);
    }
  }
  return run.x;
}
