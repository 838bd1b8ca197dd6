/**
 * How a UNet's input, timestep and output relate to σ (ComfyUI's model_sampling objects, which
 * Fooocus patches per scheduler: fooocus-semantics.md §4.1).
 * - discrete ε-prediction (SDXL): c_in = 1/√(σ²+1), t = ln-σ position in the 1000-entry table,
 *   D = x − σ·ε̂. LCM/TCD use the distilled grid for t.
 * - continuous EDM (`edm_playground_v2.5`): σ_data 0.5, c_in = 1/√(σ²+σd²), t = ¼·ln σ,
 *   D = x·σd²/(σ²+σd²) + F·σ·σd/√(σ²+σd²) (Karras et al. 2022 preconditioning).
 */
import { sigmaToTimestep } from '../schedulers/sigma-table.ts';

export interface ModelSampling {
  readonly kind: 'discrete-eps' | 'continuous-edm';
  /** The σ range the schedulers use for this sampling (Fooocus reads it from the patched model). */
  readonly sigmaMin: number;
  readonly sigmaMax: number;
  /** c_in: the UNet is fed x·c_in. */
  inputScale(sigma: number): number;
  /** The timestep fed to the UNet (fractional; integer exports round it). */
  timestep(sigma: number): number;
  /**
   * The timestep Fooocus's patched UNet forward sees, which drives its progress (1 − t/999:
   * sharpness, adaptive CFG) and the ADM switch. Discrete: ComfyUI's nearest table index. EDM:
   * ¼·ln σ itself, so progress stays ≈ 1 and ADM emphasis never applies — Fooocus's behaviour.
   */
  fooocusTimestep(sigma: number): number;
  /** D(x, σ) from the UNet output for one row: x·coefficients.x + output·coefficients.output. */
  denoised(x: Float32Array, sigma: number, output: Float32Array): Float32Array;
  /** The two factors of `denoised` at σ (for the step kernels, which compute it where the UNet runs). */
  denoisedCoefficients(sigma: number): { x: number; output: number };
  /** Whether a UNet export with an integer timestep input can run this sampling. */
  readonly acceptsIntegerTimestep: boolean;
}

/** ε-prediction on a discrete σ table; `timestepOf` maps σ to the (fractional) table position. */
export function discreteEpsSampling(
  table: Float64Array,
  sigmaMin: number,
  sigmaMax: number,
  timestepOf: (sigma: number) => number = (sigma) => sigmaToTimestep(sigma, table),
): ModelSampling {
  return {
    kind: 'discrete-eps',
    sigmaMin,
    sigmaMax,
    inputScale: (sigma) => 1 / Math.sqrt(sigma * sigma + 1),
    timestep: timestepOf,
    fooocusTimestep: (sigma) => Math.round(timestepOf(sigma)),
    denoised: (x, sigma, eps) => {
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i] - sigma * eps[i];
      return out;
    },
    denoisedCoefficients: (sigma) => ({ x: 1, output: -sigma }),
    acceptsIntegerTimestep: true,
  };
}

/** Fooocus's `edm_playground_v2.5` patch: ModelSamplingContinuousEDM(sigma_min 0.002, sigma_max 120, σd 0.5). */
export const PLAYGROUND_EDM = Object.freeze({ sigmaMin: 0.002, sigmaMax: 120, sigmaData: 0.5 });

export function continuousEdmSampling(
  sigmaMin = PLAYGROUND_EDM.sigmaMin,
  sigmaMax = PLAYGROUND_EDM.sigmaMax,
  sigmaData = PLAYGROUND_EDM.sigmaData,
): ModelSampling {
  const sd2 = sigmaData * sigmaData;
  const edmCoefficients = (sigma: number) => ({
    x: sd2 / (sigma * sigma + sd2),
    output: (sigma * sigmaData) / Math.sqrt(sigma * sigma + sd2),
  });
  const timestep = (sigma: number): number => 0.25 * Math.log(sigma);
  return {
    kind: 'continuous-edm',
    sigmaMin,
    sigmaMax,
    inputScale: (sigma) => 1 / Math.sqrt(sigma * sigma + sd2),
    timestep,
    fooocusTimestep: timestep,
    denoised: (x, sigma, output) => {
      const { x: skip, output: scale } = edmCoefficients(sigma);
      const out = new Float32Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = x[i] * skip + output[i] * scale;
      return out;
    },
    denoisedCoefficients: (sigma) => edmCoefficients(sigma),
    acceptsIntegerTimestep: false,
  };
}
