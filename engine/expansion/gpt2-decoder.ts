/**
 * Runs a GPT-2 ONNX export one token at a time and hands back the last position's logits.
 * Two I/O layouts, both read from the session metadata (optimum `text-generation[-with-past]`):
 * - without past: every step feeds the whole sequence;
 * - with past (`past_key_values.{i}.key|value` in, `present.{i}.key|value` out, optionally
 *   `use_cache_branch` for merged decoders): the first step feeds zero-length pasts, later steps
 *   only the new token with the previous presents.
 * fp16 pasts and logits are converted by the session wrapper, so this file deals in float32 only.
 */
import { EngineError } from '../errors.ts';
import type { FeedTensor, OnnxSession, OutputTensor, TensorInfo } from '../onnx/session.ts';

/** What the decoder needs of a session (OnnxSession, or a scripted fake in tests). */
export type DecoderSession = Pick<OnnxSession, 'inputs' | 'outputs' | 'run'>;

export interface PastHeads {
  heads: number;
  headDim: number;
}

interface PastSlot {
  /** `past_key_values.{i}.key|value` */
  input: string;
  /** `present.{i}.key|value` */
  output: string;
}

export interface Gpt2Layout {
  inputIds: string;
  attentionMask: string | null;
  positionIds: string | null;
  useCacheBranch: string | null;
  logits: string;
  past: readonly PastSlot[];
  /** Shape of the zero-length first-step pasts; null when neither metadata nor config.json tell. */
  pastHeads: PastHeads | null;
}

const PAST_INPUT = /^past_key_values\.(\d+)\.(key|value)$/;

function staticDim(info: TensorInfo | undefined, axis: number): number | null {
  const dim = info?.shape[axis];
  return typeof dim === 'number' && dim > 0 ? dim : null;
}

/**
 * The pasts' head count and width from the declared input shapes, else the present outputs', else `fallback`
 * (config.json).
 */
function declaredPastHeads(
  session: DecoderSession,
  past: readonly PastSlot[],
  fallback: PastHeads | null,
): PastHeads | null {
  const first = past[0];
  for (const info of [
    session.inputs.find((i) => i.name === first.input),
    session.outputs.find((o) => o.name === first.output),
  ]) {
    const heads = staticDim(info, 1);
    const headDim = staticDim(info, 3);
    if (heads !== null && headDim !== null) return { heads, headDim };
  }
  return fallback;
}

/** Reads the I/O layout from the session; throws naming any input the decoder cannot feed. */
export function readGpt2Layout(
  session: DecoderSession,
  label: string,
  fallbackHeads: PastHeads | null = null,
): Gpt2Layout {
  const names = new Set(session.inputs.map((i) => i.name));
  const outputs = new Set(session.outputs.map((o) => o.name));
  const past: PastSlot[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const match = PAST_INPUT.exec(name);
    if (match) past.push({ input: name, output: `present.${match[1]}.${match[2]}` });
    else if (!['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch'].includes(name)) unknown.push(name);
  }
  const problems: string[] = [];
  if (!names.has('input_ids')) problems.push('it has no input_ids input');
  if (unknown.length > 0) problems.push(`inputs ${unknown.join(', ')} are not GPT-2 decoder inputs`);
  if (!outputs.has('logits')) problems.push('it has no logits output');
  const missingPresents = past.filter((slot) => !outputs.has(slot.output)).map((slot) => slot.output);
  if (missingPresents.length > 0) problems.push(`past inputs without matching outputs ${missingPresents.join(', ')}`);
  if (names.has('use_cache_branch') && past.length === 0)
    problems.push('it has use_cache_branch but no past_key_values inputs');
  if (problems.length > 0) {
    throw new EngineError(
      'runtime-failure',
      `${label} is not a GPT-2 text-generation export: ${problems.join('; ')} (inputs: ${[...names].join(', ')}; outputs: ${[...outputs].join(', ')})`,
    );
  }
  return {
    inputIds: 'input_ids',
    attentionMask: names.has('attention_mask') ? 'attention_mask' : null,
    positionIds: names.has('position_ids') ? 'position_ids' : null,
    useCacheBranch: names.has('use_cache_branch') ? 'use_cache_branch' : null,
    logits: 'logits',
    past,
    pastHeads: past.length > 0 ? declaredPastHeads(session, past, fallbackHeads) : null,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** float32 [vocab]: the last position's row of logits [batch, seq, vocab]. */
function lastRow(logits: OutputTensor): Float32Array {
  const vocab = logits.dims[logits.dims.length - 1];
  return logits.data.slice(logits.data.length - vocab);
}

/** One sequence being generated; create one per expansion (it holds that sequence's cache). */
export class Gpt2Decoder {
  private readonly ids: number[] = [];
  private cache: Map<string, OutputTensor> | null = null;

  constructor(
    private readonly session: DecoderSession,
    private readonly layout: Gpt2Layout,
  ) {}

  /** Feeds the prompt; returns float32 [vocab] logits for the next token. */
  async start(promptIds: readonly number[]): Promise<Float32Array> {
    if (this.ids.length > 0) throw new Error('Gpt2Decoder.start called twice');
    if (promptIds.length === 0) throw new RangeError('GPT-2 decoding needs at least one prompt token');
    this.ids.push(...promptIds);
    return this.step(promptIds, 0);
  }

  /** Appends one token; returns float32 [vocab] logits for the token after it. */
  async next(id: number): Promise<Float32Array> {
    if (this.ids.length === 0) throw new Error('Gpt2Decoder.next called before start');
    this.ids.push(id);
    return this.layout.past.length > 0 ? this.step([id], this.ids.length - 1) : this.step(this.ids, 0);
  }

  /** Runs `newIds` at absolute positions pastLength.. on top of the cached pasts (none when pastLength is 0). */
  private async step(newIds: readonly number[], pastLength: number): Promise<Float32Array> {
    const { layout } = this;
    const total = pastLength + newIds.length;
    const feeds: Record<string, FeedTensor> = { [layout.inputIds]: { data: newIds, dims: [1, newIds.length] } };
    if (layout.attentionMask)
      feeds[layout.attentionMask] = { data: new Array<number>(total).fill(1), dims: [1, total] };
    if (layout.positionIds) feeds[layout.positionIds] = { data: range(pastLength, total), dims: [1, newIds.length] };
    if (layout.useCacheBranch) feeds[layout.useCacheBranch] = { data: [pastLength > 0 ? 1 : 0], dims: [1] };
    for (const slot of layout.past) feeds[slot.input] = this.pastFeed(slot);
    let out: Record<string, OutputTensor>;
    try {
      out = await this.session.run(feeds, [layout.logits, ...layout.past.map((slot) => slot.output)]);
    } catch (error) {
      if (pastLength > 0 || layout.past.length === 0 || layout.pastHeads !== null) throw error;
      throw new EngineError(
        'runtime-failure',
        `GPT-2 first step failed with placeholder past shapes [1,1,0,1]: the model declares its past_key_values heads and head size symbolically and no config.json (n_head, n_embd) says them (${(error as Error).message})`,
        { cause: error },
      );
    }
    if (layout.past.length > 0) this.cache = new Map(layout.past.map((slot) => [slot.input, out[slot.output]]));
    return lastRow(out[layout.logits]);
  }

  private pastFeed(slot: PastSlot): FeedTensor {
    const cached = this.cache?.get(slot.input);
    if (cached) return cached;
    // First step: zero-length past. Unknown head dims only matter to graphs that read the empty past
    // (a merged decoder's no-cache branch ignores it), so 1 stands in for them.
    const heads = this.layout.pastHeads ?? { heads: 1, headDim: 1 };
    return { data: new Float32Array(0), dims: [1, heads.heads, 0, heads.headDim] };
  }
}
