/**
 * The step loop's per-step arithmetic apart from the UNet — the UNet's `sample` feed (x·c_in),
 * guidance (x0 per row, the sharpness filter, adaptive CFG) and the samplers' latent updates —
 * behind one interface with two implementations:
 *  - JavaScript (here): the CPU path, faster there than running graphs (no session calls); the
 *    engine runs its guidance on a thread of its own (threaded-step-kernels.ts says why);
 *  - ONNX graphs on the UNet's execution provider (graph-step-kernels.ts), chosen automatically on
 *    CUDA and WebGPU so that nothing per step that grows with the image runs on the CPU.
 * Both compute the same maths; test/unit/engine-step-kernels.test.ts states how close they are.
 */
import { sharpenConditionalEps } from '../sharpness/sharpness.ts';
import type { TensorShape } from '../sharpness/anisotropic.ts';
import { combineInJs } from '../samplers/sampler-math.ts';
import type { LatentCombine } from '../samplers/types.ts';
import { applyGuidance } from '../unet/guidance.ts';

/** `auto`: graphs on the providers in GRAPH_PROVIDERS, JavaScript elsewhere. */
export const STEP_MATH_CHOICES = ['auto', 'javascript', 'graph'] as const;
export type StepMathChoice = (typeof STEP_MATH_CHOICES)[number];
export type StepMathKind = Exclude<StepMathChoice, 'auto'>;

/** Execution providers whose step loop runs as graphs when the choice is `auto`. */
export const GRAPH_PROVIDERS: readonly string[] = ['cuda', 'webgpu'];

export function resolveStepMath(choice: StepMathChoice, provider: string): StepMathKind {
  if (choice !== 'auto') return choice;
  return GRAPH_PROVIDERS.includes(provider) ? 'graph' : 'javascript';
}

/** One denoiser call's guidance: everything D(x, σ) needs besides the UNet. */
export interface GuidanceInput {
  /** float32 [1,C,h,w]. */
  x: Float32Array;
  /** The UNet output float32 [batch,C,h,w] (uncond row first when batch = 2). */
  output: Float32Array;
  batch: 1 | 2;
  shape: TensorShape;
  /** x0 = x·coefficients.x + output_row·coefficients.output (ModelSampling.denoisedCoefficients). */
  coefficients: { x: number; output: number };
  /** α of the sharpness blend (0: no filter). Unused at batch 1. */
  sharpnessWeight: number;
  guidanceScale: number;
  adaptiveCfg: number;
  /** Diffusion progress 1 − t/999. */
  progress: number;
}

export interface StepKernels {
  readonly kind: StepMathKind;
  /** The UNet's `sample` feed float32 [batch,C,h,w]: x (float32 [1,C,h,w]) times c_in, repeated per row. */
  unetSample(x: Float32Array, shape: TensorShape, cIn: number, batch: 1 | 2): Promise<Float32Array>;
  /** D(x, σ) float32 [1,C,h,w]. */
  guide(input: GuidanceInput): Promise<Float32Array>;
  /** The samplers' latent arithmetic (SampleOptions.combine). */
  readonly combine: LatentCombine;
  release(): Promise<void>;
}

/** x0 of one UNet output row (a new array). */
export function denoisedRow(input: GuidanceInput, row: number): Float32Array {
  return denoisedRowInto(input, row, new Float32Array(input.x.length));
}

/** out ← a − b. */
function difference(a: Float32Array, b: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/**
 * The guidance buffers, reused from call to call while the latent size stays (allocating ~2 MB of
 * typed arrays per step cost page faults and garbage collections: see anisotropic.ts). The
 * denoised estimate handed back is one of them, which the Denoiser contract allows (samplers copy
 * what they keep).
 */
interface GuidanceWork {
  length: number;
  x0Cond: Float32Array;
  epsCond: Float32Array;
  degraded: Float32Array;
  epsUncond: Float32Array;
  denoised: Float32Array;
}

let work: GuidanceWork | null = null;

function guidanceWork(length: number): GuidanceWork {
  if (work?.length !== length) {
    const buffer = () => new Float32Array(length);
    work = { length, x0Cond: buffer(), epsCond: buffer(), degraded: buffer(), epsUncond: buffer(), denoised: buffer() };
  }
  return work;
}

/** x0 of one UNet output row, into `out`. */
function denoisedRowInto(input: GuidanceInput, row: number, out: Float32Array): Float32Array {
  const { x, output, coefficients } = input;
  const a = coefficients.x;
  const b = coefficients.output;
  for (let i = 0, o = row * x.length; i < x.length; i++, o++) out[i] = x[i] * a + output[o] * b;
  return out;
}

/** The CPU path: plain loops, float64 arithmetic per element (the filter sums in float64). */
export const javascriptStepKernels: StepKernels = {
  kind: 'javascript',
  async unetSample(x, _shape, cIn, batch) {
    const n = x.length;
    const sample = new Float32Array(batch * n);
    for (let i = 0; i < n; i++) sample[i] = x[i] * cIn;
    if (batch === 2) sample.copyWithin(n, 0, n);
    return sample;
  },
  async guide(input) {
    const w = guidanceWork(input.x.length);
    // Fooocus guides with ε = x − x0, and the sharpness filter reads x0_c as its guide.
    const x0Cond = denoisedRowInto(input, input.batch - 1, w.x0Cond);
    if (input.batch === 1) return x0Cond;
    const { x } = input;
    const epsCond = difference(x, x0Cond, w.epsCond);
    sharpenConditionalEps(epsCond, x0Cond, input.sharpnessWeight, input.shape, { degraded: w.degraded, out: epsCond });
    const epsUncond = difference(x, denoisedRowInto(input, 0, w.epsUncond), w.epsUncond);
    const { guidanceScale, adaptiveCfg, progress } = input;
    const guided = applyGuidance(epsUncond, epsCond, guidanceScale, adaptiveCfg, progress, w.denoised);
    return difference(x, guided, w.denoised);
  },
  combine: combineInJs,
  async release() {},
};
