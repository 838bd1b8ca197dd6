/**
 * UniPC (Zhao et al. 2023): multistep predictor UniP plus corrector UniC on the data prediction D, as
 * ComfyUI runs it for uni_pc (B(h) = h, "bh1") and uni_pc_bh2 (B(h) = e^h − 1): order min(3, n − 1),
 * lower orders for the first and last two steps, the corrector on every step but the last, and the model
 * value taken at each predicted point reused for the next step (so n model calls for n steps).
 *
 * ComfyUI works in the variance-preserving frame (α = 1/√(1+σ²), λ = −ln σ). Dividing its updates by α_t
 * gives the same method in our frame: x_t = (σ_t/σ_s)·x − (e^{−h} − 1)·D_s − B(−h)·Σ ρ_k·ΔD_k, which is
 * what is written here. A trailing σ = 0 is replaced by 0.001 (ComfyUI) and the latent at that σ returned.
 */
import type { LatentTerm, SamplerRun } from './types.ts';

export type UniPcVariant = 'bh1' | 'bh2';

const FINAL_SIGMA = 0.001;

/** Solves the k×k system a·v = b (k ≤ 3) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const k = b.length;
  const m = a.map((row, i) => [...row.slice(0, k), b[i]]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = col + 1; r < k; r++) {
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= k; c++) m[r][c] -= f * m[col][c];
    }
  }
  const v = new Array<number>(k).fill(0);
  for (let r = k - 1; r >= 0; r--) {
    let sum = m[r][k];
    for (let c = r + 1; c < k; c++) sum -= m[r][c] * v[c];
    v[r] = sum / m[r][r];
  }
  return v;
}

interface History {
  sigma: number;
  denoised: Float32Array;
}

/**
 * Coefficients of one UniPC step of `order` from history (newest last) to σ_t: rks (λ offsets of the
 * older points over h), the predictor's ρ (absent at order 1) and the corrector's ρ (last entry weighs
 * D_t − D_s).
 */
function coefficients(history: readonly History[], sigmaT: number, order: number, variant: UniPcVariant) {
  const sigmaS = history[history.length - 1].sigma;
  const h = Math.log(sigmaS / sigmaT); // λ_t − λ_s with λ = −ln σ
  const rks: number[] = [];
  for (let i = 1; i < order; i++) rks.push(Math.log(sigmaS / history[history.length - 1 - i].sigma) / h);
  rks.push(1);
  const hh = -h; // data prediction
  const hPhi1 = Math.expm1(hh);
  const bH = variant === 'bh1' ? hh : Math.expm1(hh);
  const rows: number[][] = [];
  const b: number[] = [];
  let hPhiK = hPhi1 / hh - 1;
  let factorial = 1;
  for (let i = 1; i <= order; i++) {
    rows.push(rks.map((r) => r ** (i - 1)));
    b.push((hPhiK * factorial) / bH);
    factorial *= i + 1;
    hPhiK = hPhiK / hh - 1 / factorial;
  }
  let rhosPredictor: number[] = [];
  if (order === 2) rhosPredictor = [0.5];
  else if (order > 2)
    rhosPredictor = solve(
      rows.slice(0, -1).map((row) => row.slice(0, -1)),
      b.slice(0, -1),
    );
  const rhosCorrector = order === 1 ? [0.5] : solve(rows, b);
  return { rks, hPhi1, bH, rhosPredictor, rhosCorrector };
}

async function sampleUniPc(run: SamplerRun, variant: UniPcVariant): Promise<Float32Array> {
  const x = run.x;
  const n = run.sigmas.length - 1;
  if (n < 1) return x;
  const sigmas = [...run.sigmas];
  if (sigmas[n] === 0) sigmas[n] = FINAL_SIGMA;
  // ComfyUI's order min(3, n − 1) would take no step at all when n = 1; one first-order step instead.
  const maxOrder = Math.max(1, Math.min(3, n - 1));
  const history: History[] = [{ sigma: sigmas[0], denoised: Float32Array.from(await run.model(x, sigmas[0], 0)) }];
  const predicted = new Float32Array(x.length);
  for (let k = 1; k <= n; k++) {
    const sigmaT = sigmas[k];
    const order = Math.min(maxOrder, k, n + 1 - k);
    const { rks, hPhi1, bH, rhosPredictor, rhosCorrector } = coefficients(history, sigmaT, order, variant);
    const s = history[history.length - 1];
    const ratio = sigmaT / s.sigma;
    // D1s[i] = (D_{s−i−1} − D_s)/r_i for the older points.
    const older = rks.slice(0, -1).map((r, i) => ({ r, d: history[history.length - 2 - i].denoised }));
    // base = ratio·x − hφ1·D_s; each ρ_i·(D_i − D_s)/r_i of a residual adds to the coefficients of D_i and D_s.
    const update = (rhos: readonly number[], extra: readonly LatentTerm[]): LatentTerm[] => {
      let sCoefficient = -hPhi1;
      const terms: LatentTerm[] = [];
      for (let i = 0; i < rhos.length && i < older.length; i++) {
        const w = (bH * rhos[i]) / older[i].r;
        terms.push([-w, older[i].d]);
        sCoefficient += w;
      }
      for (const [w, v] of extra) {
        terms.push([-bH * w, v]);
        sCoefficient += bH * w;
      }
      return [[ratio, x], [sCoefficient, s.denoised], ...terms];
    };
    await run.combine(predicted, update(rhosPredictor, []));
    const isLast = k === n;
    if (isLast) {
      x.set(predicted);
    } else {
      const modelT = Float32Array.from(await run.model(predicted, sigmaT, k));
      const last = rhosCorrector.length - 1;
      await run.combine(x, update(rhosCorrector.slice(0, last), [[rhosCorrector[last], modelT]]));
      history.push({ sigma: sigmaT, denoised: modelT });
      if (history.length > maxOrder) history.shift();
    }
    await run.step(k - 1, history[history.length - 1].denoised);
  }
  return x;
}

export const sampleUniPcBh1 = (run: SamplerRun): Promise<Float32Array> => sampleUniPc(run, 'bh1');
export const sampleUniPcBh2 = (run: SamplerRun): Promise<Float32Array> => sampleUniPc(run, 'bh2');
