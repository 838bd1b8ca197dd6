/**
 * SDXL prompt conditioning from the two CLIP encoders (onnx-sdxl-engine.md §0.2, §1.2–1.3;
 * fooocus-semantics §4.3, §4.6). One prompt *item* (a style output, an extra line…) is chunked with
 * its emphasis weights, each encoder runs all chunks in one batch, the hidden state selected by clip
 * skip is taken, Fooocus's weighting rule is applied per encoder when any weight ≠ 1
 * (token-weighting.ts), and the two encoders are joined on the last dim →
 * context float32 [1, 77·k, D1+D2]; pooled = te2 `text_embeds` of the item's first chunk, float32 [P].
 * Combining items (concatenation, pooled sum) is token-weighting.ts `combineItems`.
 */
import type { OnnxSession } from '../onnx/session.ts';
import type { WeightedSegment } from '../prompts/emphasis.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';

import { EngineError } from '../errors.ts';
import { weightChunk } from './token-weighting.ts';
import {
  CHUNK_LENGTH,
  hasWeights,
  toWeightedChunks,
  type EmbeddingTokenIds,
  type WeightedChunks,
} from './prompt-chunks.ts';

export interface PromptEmbedding {
  /** float32 [1, tokens, width], row-major. */
  context: Float32Array;
  tokens: number;
  width: number;
  /** float32 [pooledWidth]. */
  pooled: Float32Array;
}

export interface TextEncoderSide {
  session: OnnxSession;
  tokenizer: ClipTokenizer;
  padId: number;
  /**
   * Placeholder ids of the job's textual-inversion vectors; only valid when `session` is the encoder
   * rewritten for exactly these embeddings (engine/pipeline/embedding-encoders.ts).
   */
  embeddings?: EmbeddingTokenIds;
}

/** Chunked ids for both encoders (77 ids per chunk); the two lists always have the same length. */
export interface PromptTokens {
  first: number[][];
  second: number[][];
}

const HIDDEN = /^hidden_states\.(\d+)$/;

/** Index of the hidden state for `clipSkip` (1 = last block, 2 = penultimate); clamped to what the model has. */
export function hiddenStateName(session: OnnxSession, clipSkip: number, warn: (line: string) => void): string {
  const layers = session.outputs
    .map((o) => HIDDEN.exec(o.name))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
  if (layers.length === 0) {
    warn(`${session.label} has no hidden_states.* outputs; using last_hidden_state (clip skip ignored)`);
    return 'last_hidden_state';
  }
  const last = Math.max(...layers);
  const skip = Math.min(Math.max(Math.round(clipSkip), 1), last);
  return `hidden_states.${last + 1 - skip}`;
}

/** One encoder's hidden states for a batch of chunks: float32 [chunks, 77, width]. */
interface SideHidden {
  data: Float32Array;
  width: number;
}

export class PromptEncoder {
  constructor(
    private readonly first: TextEncoderSide,
    private readonly second: TextEncoderSide,
    private readonly warn: (line: string) => void,
  ) {}

  /**
   * The same sessions with textual-inversion placeholder ids for each encoder; the sessions must be
   * the ones rewritten for these embeddings, or the placeholder ids index past the token table.
   */
  withEmbeddings(first: EmbeddingTokenIds, second: EmbeddingTokenIds): PromptEncoder {
    return new PromptEncoder({ ...this.first, embeddings: first }, { ...this.second, embeddings: second }, this.warn);
  }

  /** The empty chunk [BOS, EOS, pad…] of one encoder: Fooocus's `gen_empty_tokens`. */
  emptyChunk(side: 'first' | 'second'): number[] {
    return toWeightedChunks(this[side].tokenizer, [], this[side].padId).ids[0];
  }

  /**
   * One prompt item: its weighted segments (engine/prompts/emphasis.ts) → conditioning with the
   * weighting rule applied. `[]` encodes the empty chunk.
   */
  async encodeItem(segments: readonly WeightedSegment[], clipSkip: number): Promise<PromptEmbedding> {
    let first = toWeightedChunks(this.first.tokenizer, segments, this.first.padId, this.first.embeddings);
    let second = toWeightedChunks(this.second.tokenizer, segments, this.second.padId, this.second.embeddings);
    const chunks = Math.max(first.ids.length, second.ids.length);
    first = this.padChunks(first, chunks, 'first');
    second = this.padChunks(second, chunks, 'second');
    const pooledName = this.pooledName();
    const h1 = await this.runWeighted('first', first, clipSkip);
    const h2 = await this.runWeighted('second', second, clipSkip, pooledName);
    return joinSides(h1, h2, chunks, h2.pooled);
  }

  /** Raw chunks, no weighting: the plain diffusers recipe (and the reference the weighting is tested against). */
  async encode(tokens: PromptTokens, clipSkip: number): Promise<PromptEmbedding> {
    const chunks = tokens.first.length;
    const pooledName = this.pooledName();
    const h1 = await this.run('first', tokens.first, clipSkip);
    const h2 = await this.run('second', tokens.second, clipSkip, pooledName);
    return joinSides(h1, h2, chunks, h2.pooled);
  }

  private pooledName(): string {
    if (this.second.session.output('text_embeds')) return 'text_embeds';
    throw new EngineError(
      'runtime-failure',
      `${this.second.session.label} has no text_embeds output (outputs: ${this.second.session.outputs.map((o) => o.name).join(', ')})`,
    );
  }

  private padChunks(chunks: WeightedChunks, count: number, side: 'first' | 'second'): WeightedChunks {
    const ids = [...chunks.ids];
    const weights = [...chunks.weights];
    while (ids.length < count) {
      ids.push(this.emptyChunk(side));
      weights.push(new Array<number>(CHUNK_LENGTH).fill(1));
    }
    return { ids, weights };
  }

  /**
   * Fooocus `encode_token_weights_fooocus`: when any weight ≠ 1 the empty chunk rides along in the
   * same batch as z_empty, and every chunk is weighted against it; pooled stays the first chunk's.
   */
  private async runWeighted(
    side: 'first' | 'second',
    chunks: WeightedChunks,
    clipSkip: number,
    pooledName?: string,
  ): Promise<SideHidden & { pooled: Float32Array }> {
    if (!hasWeights(chunks)) return this.run(side, chunks.ids, clipSkip, pooledName);
    const count = chunks.ids.length;
    const raw = await this.run(side, [...chunks.ids, this.emptyChunk(side)], clipSkip, pooledName);
    const size = CHUNK_LENGTH * raw.width;
    const zEmpty = raw.data.subarray(count * size, (count + 1) * size);
    const data = new Float32Array(count * size);
    for (let k = 0; k < count; k++)
      data.set(
        weightChunk(raw.data.subarray(k * size, (k + 1) * size), zEmpty, chunks.weights[k], raw.width),
        k * size,
      );
    return { data, width: raw.width, pooled: raw.pooled };
  }

  /** Runs one encoder over [k,77] ids; pooled (first chunk's) only when `pooledName` is given, else empty. */
  private async run(
    side: 'first' | 'second',
    ids: readonly number[][],
    clipSkip: number,
    pooledName?: string,
  ): Promise<SideHidden & { pooled: Float32Array }> {
    const { session } = this[side];
    const hiddenName = hiddenStateName(session, clipSkip, this.warn);
    const out = await session.run(
      { input_ids: { data: ids.flat(), dims: [ids.length, CHUNK_LENGTH] } },
      pooledName ? [hiddenName, pooledName] : [hiddenName],
    );
    const hidden = out[hiddenName];
    let pooled = new Float32Array(0);
    if (pooledName) {
      const all = out[pooledName];
      pooled = all.data.slice(0, all.dims[all.dims.length - 1]);
    }
    return { data: hidden.data, width: hidden.dims[2], pooled };
  }
}

/** [k,77,W1] and [k,77,W2] → [1,77·k,W1+W2]: [k,77,W] is laid out like [1,77·k,W], so chunks concatenate for free. */
function joinSides(h1: SideHidden, h2: SideHidden, chunks: number, pooled: Float32Array): PromptEmbedding {
  const w1 = h1.width;
  const w2 = h2.width;
  const rows = chunks * CHUNK_LENGTH;
  const context = new Float32Array(rows * (w1 + w2));
  for (let r = 0; r < rows; r++) {
    context.set(h1.data.subarray(r * w1, (r + 1) * w1), r * (w1 + w2));
    context.set(h2.data.subarray(r * w2, (r + 1) * w2), r * (w1 + w2) + w1);
  }
  return { context, tokens: rows, width: w1 + w2, pooled };
}

/** force_zeros_for_empty_prompt: an empty negative is all zeros, not the encoding of "". */
export function zerosLike(embedding: PromptEmbedding): PromptEmbedding {
  return {
    ...embedding,
    context: new Float32Array(embedding.context.length),
    pooled: new Float32Array(embedding.pooled.length),
  };
}
