/**
 * The ONLY module that imports onnxruntime-node (house-style rule 5). Everything else speaks
 * float32 arrays + dims; this wrapper converts to whatever the model declares (float16, int64,
 * int32) using the session's own metadata, so no I/O dtype is hard-coded elsewhere.
 */
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../errors.ts';
import { fromFloat16Array, toFloat16Array } from './float16.ts';

export type Logger = (line: string) => void;

/**
 * The native runtime, loaded when the first session is created: importing the engine library
 * (the gateway reads its model catalogue through engine/index.ts) must not load it.
 */
let ort: typeof Ort;

async function loadRuntime(): Promise<void> {
  ort ??= await import('onnxruntime-node');
}

export interface TensorInfo {
  name: string;
  /** onnxruntime type name: 'float32' | 'float16' | 'int64' | 'int32' | ... */
  dtype: string;
  /** Declared shape; strings are symbolic (dynamic) dims. Empty for a scalar. */
  shape: ReadonlyArray<number | string>;
}

/** A feed as the pipeline builds it: numbers (float32 or integral values) plus dims. */
export interface FeedTensor {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** Every output comes back as float32, whatever the model declares. */
export interface OutputTensor {
  data: Float32Array;
  dims: number[];
}

export interface CreateSessionOptions {
  /** One execution provider name: 'cuda' | 'webgpu' | 'cpu' (ORT adds CPU itself as node fallback). */
  provider: string;
  threads?: number;
  log?: Logger;
  /** Name used in log lines (e.g. 'unet'). */
  label?: string;
  /**
   * Let idle intra-/inter-op threads busy-wait for the next parallel section (onnxruntime's
   * default). Off by default: see `threadingOptions`.
   */
  allowSpinning?: boolean;
}

/**
 * Thread settings for every session. onnxruntime's pool threads spin after each parallel section,
 * waiting for more work; in a run of many small operators that saves wake-ups, but our step loop
 * runs JavaScript (sharpness filter, sampler, previews) right after every UNet call, and on a host
 * with few cores the spinning threads take the cores that JavaScript needs (bench: the filter ran
 * up to 2x slower inside the pipeline than in a plain process). So spinning is off
 * (`session.intra_op.allow_spinning`, `session.inter_op.allow_spinning` = "0"), execution is
 * sequential and the inter-op pool has one thread, i.e. none beside the caller.
 */
export function threadingOptions(
  options: Pick<CreateSessionOptions, 'threads' | 'allowSpinning'>,
): Ort.InferenceSession.SessionOptions {
  const spinning = options.allowSpinning ? '1' : '0';
  return {
    executionMode: 'sequential',
    interOpNumThreads: 1,
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads } : {}),
    // The Node binding turns nested keys into "session.intra_op.allow_spinning" config entries.
    extra: { session: { intra_op: { allow_spinning: spinning }, inter_op: { allow_spinning: spinning } } },
  };
}

function toInfo(meta: Ort.InferenceSession.ValueMetadata): TensorInfo {
  return meta.isTensor
    ? { name: meta.name, dtype: meta.type, shape: [...meta.shape] }
    : { name: meta.name, dtype: 'non-tensor', shape: [] };
}

function describe(info: TensorInfo): string {
  return `${info.name} ${info.dtype}[${info.shape.join(',')}]`;
}

function toOrtTensor(info: TensorInfo, feed: FeedTensor): Ort.Tensor {
  const size = feed.dims.reduce((a, b) => a * b, 1);
  if (size !== feed.data.length) {
    throw new EngineError(
      'runtime-failure',
      `feed ${info.name}: ${feed.data.length} values do not fill dims [${feed.dims.join(',')}]`,
    );
  }
  const dims = [...feed.dims];
  switch (info.dtype) {
    case 'float32':
      return new ort.Tensor(
        'float32',
        feed.data instanceof Float32Array ? feed.data : Float32Array.from(feed.data),
        dims,
      );
    case 'float16':
      return new ort.Tensor('float16', toFloat16Array(feed.data), dims);
    case 'float64':
      return new ort.Tensor('float64', Float64Array.from(feed.data), dims);
    case 'int64': {
      const out = new BigInt64Array(size);
      for (let i = 0; i < size; i++) out[i] = BigInt(Math.round(feed.data[i]));
      return new ort.Tensor('int64', out, dims);
    }
    case 'int32':
      return new ort.Tensor(
        'int32',
        Int32Array.from(feed.data, (v) => Math.round(v)),
        dims,
      );
    case 'bool':
      // e.g. optimum's merged decoders: use_cache_branch.
      return new ort.Tensor(
        'bool',
        Uint8Array.from(feed.data, (v) => (v ? 1 : 0)),
        dims,
      );
    default:
      throw new EngineError(
        'runtime-failure',
        `input ${describe(info)}: dtype ${info.dtype} is not supported by the engine`,
      );
  }
}

function fromOrtTensor(name: string, value: Ort.OnnxValue): OutputTensor {
  const tensor = value as Ort.Tensor;
  const dims = [...tensor.dims];
  const data = tensor.data;
  if (tensor.type === 'float32') return { data: data as Float32Array, dims };
  if (tensor.type === 'float16') return { data: fromFloat16Array(data as Uint16Array), dims };
  if (data instanceof BigInt64Array) return { data: Float32Array.from(data, (v) => Number(v)), dims };
  if (ArrayBuffer.isView(data)) return { data: Float32Array.from(data as unknown as ArrayLike<number>), dims };
  throw new EngineError('runtime-failure', `output ${name}: dtype ${tensor.type} cannot be read as numbers`);
}

export class OnnxSession {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];

  private constructor(
    private readonly session: Ort.InferenceSession,
    readonly provider: string,
    readonly label: string,
    private readonly log: Logger,
  ) {
    this.inputs = session.inputMetadata.map(toInfo);
    this.outputs = session.outputMetadata.map(toInfo);
  }

  /** Throws whatever onnxruntime throws (e.g. a provider whose libraries are absent); providers.ts falls back. */
  static async create(model: string | Uint8Array, options: CreateSessionOptions): Promise<OnnxSession> {
    await loadRuntime();
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      executionProviders: [options.provider],
      graphOptimizationLevel: 'all',
      // Fatal only: provider start failures are expected (fallback) and we log run failures ourselves.
      logSeverityLevel: 4,
      ...threadingOptions(options),
    };
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
    const label = options.label ?? (typeof model === 'string' ? model : 'in-memory model');
    return new OnnxSession(session, options.provider, label, options.log ?? (() => {}));
  }

  input(name: string): TensorInfo | undefined {
    return this.inputs.find((i) => i.name === name);
  }

  output(name: string): TensorInfo | undefined {
    return this.outputs.find((o) => o.name === name);
  }

  /**
   * Runs the model. All missing feeds are reported in one error; extra feeds are dropped with a
   * warning. `fetch` limits the outputs computed and copied (text_encoder_2 has 30+).
   */
  async run(feeds: Record<string, FeedTensor>, fetch?: readonly string[]): Promise<Record<string, OutputTensor>> {
    const missing = this.inputs.filter((i) => !(i.name in feeds)).map(describe);
    if (missing.length > 0) {
      throw new EngineError(
        'runtime-failure',
        `${this.label}: missing feeds ${missing.join('; ')} (model inputs: ${this.inputs.map((i) => i.name).join(', ')})`,
      );
    }
    const extra = Object.keys(feeds).filter((name) => !this.input(name));
    if (extra.length > 0) this.log(`${this.label}: ignoring feeds the model does not declare: ${extra.join(', ')}`);
    const unknownFetch = (fetch ?? []).filter((name) => !this.output(name));
    if (unknownFetch.length > 0) {
      throw new EngineError(
        'runtime-failure',
        `${this.label}: no outputs named ${unknownFetch.join(', ')} (model outputs: ${this.outputs.map((o) => o.name).join(', ')})`,
      );
    }
    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const info of this.inputs) ortFeeds[info.name] = toOrtTensor(info, feeds[info.name]);
    let result: Ort.InferenceSession.ReturnType;
    try {
      result = fetch ? await this.session.run(ortFeeds, [...fetch]) : await this.session.run(ortFeeds);
    } catch (error) {
      for (const info of this.inputs) {
        const fed = ortFeeds[info.name];
        this.log(`${this.label}: input ${describe(info)} fed ${fed.type}[${fed.dims.join(',')}]`);
      }
      throw new EngineError('runtime-failure', `${this.label}: run failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const out: Record<string, OutputTensor> = {};
    for (const [name, value] of Object.entries(result)) out[name] = fromOrtTensor(name, value);
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
