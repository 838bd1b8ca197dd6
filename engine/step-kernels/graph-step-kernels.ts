/**
 * The step loop's arithmetic as ONNX graphs (step-graphs.ts) run on the UNet's execution provider:
 * one session per graph variant, created on first use through the same provider chain as the
 * models. What onnxruntime-node 1.30 allows for keeping data on the device: only WebGPU has device
 * tensors in the Node binding (`preferredOutputLocation: 'gpu-buffer'`); CUDA outputs always come
 * back to host memory. So latents cross to the host between graph calls (a copy per call, no
 * arithmetic on the CPU); see the README's performance notes.
 */
import type { OnnxSession } from '../onnx/session.ts';
import type { TensorShape } from '../sharpness/anisotropic.ts';
import type { LatentTerm } from '../samplers/types.ts';
import { MIN_GRAPH_FILTER_SIDE } from './sharpness-graph.ts';
import { buildCombineGraph, buildGuidanceGraph, buildUnetSampleGraph, GUIDANCE_COEFFICIENTS } from './step-graphs.ts';
import { javascriptStepKernels, type GuidanceInput, type StepKernels } from './step-kernels.ts';

/** Creates a session for an in-memory model on the pipeline's provider (ProviderSelector.createSession). */
export type GraphSessionFactory = (model: Uint8Array, label: string) => Promise<OnnxSession>;

const latentDims = (batch: number, shape: TensorShape) => [batch, shape.channels, shape.height, shape.width];

/** Terms with the same latent merged (coefficients added), so each latent is fed once. */
function distinctTerms(terms: readonly LatentTerm[]): LatentTerm[] {
  const merged = new Map<Float32Array, number>();
  for (const [coefficient, v] of terms) merged.set(v, (merged.get(v) ?? 0) + coefficient);
  return [...merged].map(([v, coefficient]): LatentTerm => [coefficient, v]);
}

export class GraphStepKernels implements StepKernels {
  readonly kind = 'graph' as const;
  private readonly sessions = new Map<string, Promise<OnnxSession>>();

  constructor(private readonly createSession: GraphSessionFactory) {}

  /** The provider the graphs run on ('none' before the first call). */
  async provider(): Promise<string> {
    const first = this.sessions.values().next().value;
    return first ? (await first).provider : 'none';
  }

  private session(key: string, build: () => Uint8Array): Promise<OnnxSession> {
    let session = this.sessions.get(key);
    if (!session) {
      session = this.createSession(build(), `step graph ${key}`);
      // A failed creation is not cached: the next call tries again (and fails the job again, naming why).
      session.catch(() => this.sessions.delete(key));
      this.sessions.set(key, session);
    }
    return session;
  }

  async unetSample(x: Float32Array, shape: TensorShape, cIn: number, batch: 1 | 2): Promise<Float32Array> {
    const session = await this.session(`unet-sample-b${batch}`, () => buildUnetSampleGraph(batch));
    const out = await session.run({ x: { data: x, dims: latentDims(1, shape) }, c_in: { data: [cIn], dims: [1] } });
    return out.sample.data;
  }

  async guide(input: GuidanceInput): Promise<Float32Array> {
    const isSharpening = input.batch === 2 && input.sharpnessWeight !== 0;
    // The filter's reflect padding needs sides of 7 latent pixels (56 px): smaller ones stay on the
    // CPU, where they cost nothing.
    const side = Math.min(input.shape.height, input.shape.width);
    if (isSharpening && side < MIN_GRAPH_FILTER_SIDE) return javascriptStepKernels.guide(input);
    const key = `guidance-b${input.batch}${isSharpening ? '-sharpness' : ''}`;
    const session = await this.session(key, () => buildGuidanceGraph(input.batch, isSharpening));
    // Not mimicking (scale ≤ adaptive CFG): progress 1 makes real·p + mimic·(1 − p) exactly real.
    const progress = input.guidanceScale > input.adaptiveCfg ? input.progress : 1;
    const values: Record<(typeof GUIDANCE_COEFFICIENTS)[number], number> = {
      xScale: input.coefficients.x,
      outputScale: input.coefficients.output,
      alpha: input.sharpnessWeight,
      oneMinusAlpha: 1 - input.sharpnessWeight,
      scale: input.guidanceScale,
      adaptiveCfg: input.adaptiveCfg,
      progress,
      oneMinusProgress: 1 - progress,
    };
    const out = await session.run({
      x: { data: input.x, dims: latentDims(1, input.shape) },
      unet_out: { data: input.output, dims: latentDims(input.batch, input.shape) },
      coefficients: { data: GUIDANCE_COEFFICIENTS.map((name) => values[name]), dims: [GUIDANCE_COEFFICIENTS.length] },
    });
    return out.denoised.data;
  }

  readonly combine = async (out: Float32Array, terms: readonly LatentTerm[]): Promise<Float32Array> => {
    const distinct = distinctTerms(terms);
    for (const [, v] of distinct) {
      if (v.length !== out.length) {
        throw new Error(`combine: a latent of ${v.length} values for an output of ${out.length}`);
      }
    }
    const session = await this.session(`combine-${distinct.length}`, () => buildCombineGraph(distinct.length));
    const feeds: Parameters<OnnxSession['run']>[0] = {
      coefficients: { data: distinct.map(([c]) => c), dims: [distinct.length] },
    };
    distinct.forEach(([, v], k) => (feeds[`v${k}`] = { data: v, dims: [v.length] }));
    out.set((await session.run(feeds)).out.data);
    return out;
  };

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    for (const session of await Promise.allSettled(sessions)) {
      if (session.status === 'fulfilled') await session.value.release();
    }
  }
}
