/**
 * One ControlNet ONNX model bound to whatever its export declares (onnx-sdxl-engine.md §5.1):
 * it is fed the UNet call's own sample, timestep (re-bound to its dtype and shape),
 * encoder_hidden_states, text_embeds and time_ids — so it sees the same timed ADM ids as the UNet
 * (fooocus-semantics.md §8.3) — plus the control image and `conditioning_scale`. Outputs are
 * matched to the UNet's residual inputs by name (`down_block_{k}_additional_residual`,
 * `mid_block_additional_residual`), or by position when the export names them otherwise.
 */
import { EngineError } from '../errors.ts';
import type { FeedTensor, OnnxSession, OutputTensor } from '../onnx/session.ts';

const SHARED_INPUTS = ['sample', 'encoder_hidden_states', 'text_embeds', 'time_ids'] as const;

export class ControlNetSession {
  private readonly outputNames: string[];

  constructor(
    readonly session: OnnxSession,
    /** The UNet's residual inputs, down 0..n−1 then mid (residual-graph.ts). */
    readonly residualNames: readonly string[],
  ) {
    for (const name of [...SHARED_INPUTS, 'timestep', 'controlnet_cond']) {
      if (!session.input(name))
        throw new EngineError(
          'invalid-input',
          `${session.label} has no ${name} input (inputs: ${session.inputs.map((i) => i.name).join(', ')}); a ControlNet export needs the diffusers ControlNet I/O`,
          { field: 'controlnet_image' },
        );
    }
    const declared = session.outputs.map((o) => o.name);
    const byName = residualNames.every((name) => declared.includes(name));
    if (!byName && declared.length !== residualNames.length) {
      throw new EngineError(
        'invalid-input',
        `${session.label} has ${declared.length} outputs (${declared.join(', ')}) but the UNet takes ${residualNames.length} residuals (${residualNames.join(', ')}): this ControlNet does not fit this checkpoint`,
        { field: 'controlnet_image' },
      );
    }
    this.outputNames = byName ? [...residualNames] : declared;
  }

  /** Whether the export scales its residuals itself (else the caller multiplies by the weight). */
  get hasScaleInput(): boolean {
    return this.session.input('conditioning_scale') !== undefined;
  }

  private scalarFeed(name: string, value: number, batch: number): FeedTensor {
    const shape = this.session.input(name)!.shape;
    if (shape.length === 0) return { data: [value], dims: [] };
    const count = typeof shape[0] === 'number' ? shape[0] : batch;
    return { data: new Array<number>(count).fill(value), dims: [count] };
  }

  /** Residuals in `residualNames` order for one UNet call's feeds, the control image [B,3,H,W] and a weight. */
  async residuals(
    unetFeeds: Readonly<Record<string, FeedTensor>>,
    cond: FeedTensor,
    scale: number,
  ): Promise<OutputTensor[]> {
    const batch = unetFeeds.sample.dims[0];
    const feeds: Record<string, FeedTensor> = {
      controlnet_cond: cond,
      timestep: this.scalarFeed('timestep', unetFeeds.timestep.data[0], batch),
    };
    for (const name of SHARED_INPUTS) feeds[name] = unetFeeds[name];
    if (this.hasScaleInput) feeds.conditioning_scale = this.scalarFeed('conditioning_scale', scale, batch);
    const out = await this.session.run(feeds, this.outputNames);
    return this.outputNames.map((name) => out[name]);
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
