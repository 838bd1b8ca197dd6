/**
 * SDXL prompt conditioning from the two CLIP encoders (onnx-sdxl-engine.md §0.2, §1.2–1.3):
 * each 77-id chunk is encoded (all chunks in one batch), the hidden state selected by clip skip
 * is taken from each encoder, and the two are joined on the last dim →
 * context float32 [1, 77·k, D1+D2]; pooled = te2 `text_embeds` of the first chunk, float32 [P].
 */
import type { OnnxSession } from '../onnx/session.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { CHUNK_LENGTH, toPromptChunks } from '../text/prompt-chunks.ts';
import { EngineError } from '../errors.ts';

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
}

/** Chunked ids for both encoders; the two lists always have the same length. */
export interface PromptTokens {
  first: number[][];
  second: number[][];
}

const HIDDEN = /^hidden_states\.(\d+)$/;

/** Index of the hidden state for `clipSkip` (1 = last block, 2 = penultimate); clamped to what the model has. */
export function hiddenStateName(session: OnnxSession, clipSkip: number, warn: (line: string) => void): string {
  const layers = session.outputs.map((o) => HIDDEN.exec(o.name)).filter((m) => m !== null).map((m) => Number(m[1]));
  if (layers.length === 0) {
    warn(`${session.label} has no hidden_states.* outputs; using last_hidden_state (clip skip ignored)`);
    return 'last_hidden_state';
  }
  const last = Math.max(...layers);
  const skip = Math.min(Math.max(Math.round(clipSkip), 1), last);
  return `hidden_states.${last + 1 - skip}`;
}

export class PromptEncoder {
  constructor(
    private readonly first: TextEncoderSide,
    private readonly second: TextEncoderSide,
    private readonly warn: (line: string) => void,
  ) {}

  tokenize(text: string): PromptTokens {
    const first = toPromptChunks(this.first.tokenizer, text, this.first.padId);
    const second = toPromptChunks(this.second.tokenizer, text, this.second.padId);
    return padTokens({ first, second }, Math.max(first.length, second.length), this);
  }

  /** Appends empty chunks (BOS, EOS, padding) so positive and negative share one sequence length. */
  padTo(tokens: PromptTokens, chunks: number): PromptTokens {
    return padTokens(tokens, chunks, this);
  }

  emptyChunk(side: 'first' | 'second'): number[] {
    return toPromptChunks(this[side].tokenizer, '', this[side].padId)[0];
  }

  async encode(tokens: PromptTokens, clipSkip: number): Promise<PromptEmbedding> {
    const chunks = tokens.first.length;
    const name1 = hiddenStateName(this.first.session, clipSkip, this.warn);
    const name2 = hiddenStateName(this.second.session, clipSkip, this.warn);
    const pooledName = this.second.session.output('text_embeds') ? 'text_embeds' : null;
    if (!pooledName) throw new EngineError('runtime-failure', `${this.second.session.label} has no text_embeds output (outputs: ${this.second.session.outputs.map((o) => o.name).join(', ')})`);
    const out1 = await this.first.session.run({ input_ids: { data: tokens.first.flat(), dims: [chunks, CHUNK_LENGTH] } }, [name1]);
    const out2 = await this.second.session.run({ input_ids: { data: tokens.second.flat(), dims: [chunks, CHUNK_LENGTH] } }, [name2, pooledName]);
    const h1 = out1[name1];
    const h2 = out2[name2];
    const w1 = h1.dims[2];
    const w2 = h2.dims[2];
    // [k,77,W] is laid out exactly like [1,77·k,W]: chunks concatenate along the sequence for free.
    const rows = chunks * CHUNK_LENGTH;
    const context = new Float32Array(rows * (w1 + w2));
    for (let r = 0; r < rows; r++) {
      context.set(h1.data.subarray(r * w1, (r + 1) * w1), r * (w1 + w2));
      context.set(h2.data.subarray(r * w2, (r + 1) * w2), r * (w1 + w2) + w1);
    }
    const pooledAll = out2[pooledName];
    const pooledWidth = pooledAll.dims[pooledAll.dims.length - 1];
    return { context, tokens: rows, width: w1 + w2, pooled: pooledAll.data.slice(0, pooledWidth) };
  }
}

function padTokens(tokens: PromptTokens, chunks: number, encoder: PromptEncoder): PromptTokens {
  const first = [...tokens.first];
  const second = [...tokens.second];
  while (first.length < chunks) first.push(encoder.emptyChunk('first'));
  while (second.length < chunks) second.push(encoder.emptyChunk('second'));
  return { first, second };
}

/** force_zeros_for_empty_prompt: an empty negative is all zeros, not the encoding of "". */
export function zerosLike(embedding: PromptEmbedding): PromptEmbedding {
  return { ...embedding, context: new Float32Array(embedding.context.length), pooled: new Float32Array(embedding.pooled.length) };
}
