/** Shared sampler types (kept apart from index.ts so sampler files do not import their dispatcher). */
import type { NormalRng } from '../random/normal-rng.ts';

/**
 * D(x, σ): the denoised estimate (CFG already applied) for latent x at noise level σ. `stepIndex` is
 * the sampler step the call belongs to (second-order samplers call it twice per step with the same
 * index). It may return a buffer it reuses; samplers copy what they keep.
 */
export type Denoiser = (x: Float32Array, sigma: number, stepIndex: number) => Float32Array | Promise<Float32Array>;

/** One term of a linear combination of latents: coefficient × latent (float32, all of one length). */
export type LatentTerm = readonly [number, Float32Array];

/**
 * out ← Σ coefficient·latent, element by element; `out` may be one of the terms' latents. Resolves
 * to `out`. Every sampler's latent arithmetic goes through this, so it can run where the UNet runs
 * (engine/step-kernels: JavaScript on CPU, an ONNX graph on a GPU provider).
 */
export type LatentCombine = (out: Float32Array, terms: readonly LatentTerm[]) => Promise<Float32Array>;

export interface SampleOptions {
  /** Seeds the sampler's own noise (ancestral/SDE samplers); unused by deterministic ones. */
  seed: bigint;
  /**
   * Awaited after every step with the updated latent and that step's first denoised estimate. Both are
   * the sampler's working buffers: copy them to keep them. Throw to interrupt sampling.
   */
  onStep?: (stepIndex: number, x: Float32Array, denoised: Float32Array) => void | Promise<void>;
  /** Where the latent arithmetic runs; default JavaScript (combineInJs). */
  combine?: LatentCombine;
}

/** What one sampler implementation gets: everything it needs and nothing else. */
export interface SamplerRun {
  /** Working latent; samplers update it in place and return it. */
  x: Float32Array;
  sigmas: readonly number[];
  /** The latent arithmetic (SampleOptions.combine). */
  combine: LatentCombine;
  /** Calls the denoiser and checks the result's length. */
  model(x: Float32Array, sigma: number, stepIndex: number): Promise<Float32Array>;
  /** Fresh N(0,1) values in a reused buffer of x's length (valid until the next call). */
  noise(): Float32Array;
  /** The seeded stream itself, for samplers that build correlated noise. */
  rng(): NormalRng;
  step(stepIndex: number, denoised: Float32Array): Promise<void>;
}

export type Sampler = (run: SamplerRun) => Promise<Float32Array>;
