/**
 * Binds one UNet call to whatever the export declares (onnx-sdxl-engine.md §0.1): timestep as
 * int64 [steps] (rounded), float32 scalar [] or float32 [1]; the single output is read by
 * position because exporters name it `out_sample`, `sample` or `latent`.
 */
import type { FeedTensor, OnnxSession } from '../onnx/session.ts';
import { EngineError } from '../errors.ts';
import { FREEU_INPUT } from './freeu-graph.ts';

export interface UnetBatch {
  /** float32 [B,C,h,w] (C = 4 for SDXL), already scaled by c_in. */
  sample: Float32Array;
  batch: number;
  latentHeight: number;
  latentWidth: number;
  timestep: number;
  /** float32 [B,S,D]. */
  context: Float32Array;
  tokens: number;
  contextWidth: number;
  /** float32 [B,P]. */
  textEmbeds: Float32Array;
  /** float32 [B,6] (SDXL) or [B,5] (SDXL refiner). */
  timeIds: Float32Array;
  /** FreeU (b1, b2, s1, s2), fed only to a FreeU-rewritten UNet (freeu-graph.ts); default (1, 1, 1, 1) = off. */
  freeuScales?: readonly [number, number, number, number];
}

export class UnetRunner {
  readonly isIntegerTimestep: boolean;
  private readonly outputName: string;

  constructor(
    private readonly session: OnnxSession,
    /** Inputs fed on every call besides the UNet's own (the inpaint head's feed: engine/inpaint). */
    private readonly extraFeeds: Readonly<Record<string, FeedTensor>> = {},
  ) {
    const timestep = session.input('timestep');
    if (!timestep)
      throw new EngineError(
        'runtime-failure',
        `${session.label} has no timestep input (inputs: ${session.inputs.map((i) => i.name).join(', ')})`,
      );
    this.isIntegerTimestep = timestep.dtype.startsWith('int');
    if (session.outputs.length === 0) throw new EngineError('runtime-failure', `${session.label} declares no outputs`);
    this.outputName = session.outputs[0].name;
  }

  /** The same session with `feeds` added to every call. */
  withFeeds(feeds: Record<string, FeedTensor>): UnetRunner {
    return new UnetRunner(this.session, { ...this.extraFeeds, ...feeds });
  }

  /** The session's input names (a ControlNet-ready UNet adds its residual inputs: engine/controlnet). */
  get inputNames(): string[] {
    return this.session.inputs.map((i) => i.name);
  }

  /** The inputs the export declares (an IP-rewritten UNet adds ip_k_<i> / ip_v_<i>: engine/ip-adapter). */
  get inputs(): OnnxSession['inputs'] {
    return this.session.inputs;
  }

  /** The execution provider the UNet runs on (the step loop's arithmetic follows it: engine/step-kernels). */
  get provider(): string {
    return this.session.provider;
  }

  /** Timestep as the UNet will see it (integer exports round: onnx-sdxl-engine.md §4.2). */
  fedTimestep(t: number): number {
    return this.isIntegerTimestep ? Math.round(t) : t;
  }

  private timestepDims(batch: number): number[] {
    const shape = this.session.input('timestep')!.shape;
    if (shape.length === 0) return [];
    // A fixed [1] gets one value; a dynamic [steps]/[batch] gets one per batch row.
    return [typeof shape[0] === 'number' ? shape[0] : batch];
  }

  /** The exact feeds one UNet call gets (what a recording observer sees). */
  feedsFor(b: UnetBatch): Record<string, FeedTensor> {
    const dims = this.timestepDims(b.batch);
    const count = dims.length === 0 ? 1 : dims[0];
    const feeds: Record<string, FeedTensor> = {
      sample: {
        data: b.sample,
        dims: [b.batch, b.sample.length / (b.batch * b.latentHeight * b.latentWidth), b.latentHeight, b.latentWidth],
      },
      timestep: { data: new Array<number>(count).fill(this.fedTimestep(b.timestep)), dims },
      encoder_hidden_states: { data: b.context, dims: [b.batch, b.tokens, b.contextWidth] },
      text_embeds: { data: b.textEmbeds, dims: [b.batch, b.textEmbeds.length / b.batch] },
      time_ids: { data: b.timeIds, dims: [b.batch, b.timeIds.length / b.batch] },
    };
    if (this.session.input(FREEU_INPUT)) feeds[FREEU_INPUT] = { data: [...(b.freeuScales ?? [1, 1, 1, 1])], dims: [4] };
    for (const [name, feed] of Object.entries(this.extraFeeds)) if (this.session.input(name)) feeds[name] = feed;
    return feeds;
  }

  /** ε̂ float32 [B,4,h,w] for feeds built by feedsFor. */
  async run(feeds: Record<string, FeedTensor>): Promise<Float32Array> {
    const out = await this.session.run(feeds, [this.outputName]);
    return out[this.outputName].data;
  }

  /** ε̂ float32 [B,4,h,w]. */
  async predict(b: UnetBatch): Promise<Float32Array> {
    return this.run(this.feedsFor(b));
  }
}
