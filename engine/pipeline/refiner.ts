/**
 * The refiner (fooocus-semantics.md §4.2): another checkpoint's UNet that takes over the sampling
 * of the same latent on the same σ schedule. Only its UNet is loaded: Fooocus never runs the
 * refiner's text encoders, it re-prepares the base's conditioning (`clip_separate`): an SDXL
 * refiner (encoder_hidden_states as wide as CLIP-G) gets the last 1280 (= te2-width) dims of the
 * base's 2048-d tokens and the same pooled vector; an SDXL used as refiner gets them unchanged.
 * time_ids come from the refiner UNet's declared width: 6 → Fooocus's timed ADM ids as for the
 * base; 5 → [h, w, 0, 0, aesthetic score] with 6.0 positive / 2.5 negative (stock SDXLRefiner).
 */
import { EngineError, modelMissing } from '../errors.ts';
import type { OnnxSession } from '../onnx/session.ts';
import type { PromptEmbedding } from '../text-encoders/prompt-encoder.ts';
import { UnetRunner } from '../unet/unet-runner.ts';
import { join } from 'node:path';
import { access, readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import type { ProviderSelector } from '../onnx/providers.ts';

export const REFINER_AESTHETIC_SCORE = { positive: 6, negative: 2.5 } as const;

export interface RefinerLayout {
  /** encoder_hidden_states width the refiner UNet declares; null when dynamic (then the base's). */
  contextWidth: number | null;
  /** text_embeds width; null when dynamic. */
  pooledWidth: number | null;
  /** 6 (SDXL) or 5 (SDXL refiner, with aesthetic score). */
  timeIds: 5 | 6;
}

function lastDim(session: OnnxSession, name: string): number | string | undefined {
  const info = session.input(name);
  if (!info)
    throw new EngineError(
      'runtime-failure',
      `${session.label} has no ${name} input (inputs: ${session.inputs.map((i) => i.name).join(', ')})`,
    );
  return info.shape[info.shape.length - 1];
}

/** Reads the refiner UNet's conditioning layout from its session metadata. */
export function refinerLayout(session: OnnxSession): RefinerLayout {
  const context = lastDim(session, 'encoder_hidden_states');
  const pooled = lastDim(session, 'text_embeds');
  const ids = lastDim(session, 'time_ids');
  if (typeof ids === 'number' && ids !== 5 && ids !== 6) {
    throw new EngineError(
      'runtime-failure',
      `${session.label}: time_ids has ${ids} values; an SDXL (6) or SDXL refiner (5) UNet is needed`,
    );
  }
  return {
    contextWidth: typeof context === 'number' ? context : null,
    pooledWidth: typeof pooled === 'number' ? pooled : null,
    timeIds: ids === 5 ? 5 : 6,
  };
}

/**
 * Why the UNet graph at `modelPath` cannot refine here, read from its declared inputs before any
 * session is made (the gateway's 422), or undefined when it is SDXL-shaped. An SD1.5 UNet (no
 * text_embeds/time_ids) is what Fooocus runs through its latent interposer; this engine does not.
 */
export async function refinerUnsupportedReasonAt(modelPath: string): Promise<string | undefined> {
  const graph = onnxProto.onnx.ModelProto.decode(await readFile(modelPath)).graph;
  const inputs = new Map((graph?.input ?? []).map((input) => [input.name ?? '', input]));
  const missing = ['sample', 'timestep', 'encoder_hidden_states', 'text_embeds', 'time_ids'].filter(
    (name) => !inputs.has(name),
  );
  if (missing.length > 0)
    return `its UNet has no ${missing.join(', ')} input: not an SDXL or SDXL-refiner export (SD1.5 refiners need Fooocus's latent interposer, which this engine does not run)`;
  const ids = inputs.get('time_ids')?.type?.tensorType?.shape?.dim?.at(-1)?.dimValue;
  const width = ids === undefined || ids === null ? null : Number(ids);
  if (width !== null && width !== 5 && width !== 6)
    return `its UNet's time_ids has ${width} values; an SDXL (6) or SDXL-refiner (5) UNet is needed`;
  return undefined;
}

/** Fooocus `clip_separate` for an SDXL(-refiner) target: the last `width` dims of each token, pooled kept. */
export function refinerEmbedding(base: PromptEmbedding, layout: RefinerLayout, label: string): PromptEmbedding {
  if (layout.pooledWidth !== null && layout.pooledWidth !== base.pooled.length) {
    throw new EngineError(
      'runtime-failure',
      `${label}: text_embeds width ${layout.pooledWidth} does not match the base's pooled width ${base.pooled.length}; only SDXL and SDXL-refiner UNets can refine`,
    );
  }
  const width = layout.contextWidth ?? base.width;
  if (width === base.width) return base;
  if (width > base.width) {
    throw new EngineError(
      'runtime-failure',
      `${label}: encoder_hidden_states width ${width} is wider than the base's ${base.width}`,
    );
  }
  const context = new Float32Array(base.tokens * width);
  for (let r = 0; r < base.tokens; r++)
    context.set(base.context.subarray(r * base.width + base.width - width, (r + 1) * base.width), r * width);
  return { context, tokens: base.tokens, width, pooled: base.pooled };
}

/** The refiner's fixed 5-value ids, or undefined when it takes the timed ADM ids (6 values). */
export function refinerTimeIds(
  layout: RefinerLayout,
  width: number,
  height: number,
): { positive: number[]; negative: number[] } | undefined {
  if (layout.timeIds === 6) return undefined;
  return {
    positive: [height, width, 0, 0, REFINER_AESTHETIC_SCORE.positive],
    negative: [height, width, 0, 0, REFINER_AESTHETIC_SCORE.negative],
  };
}

/** The refiner checkpoint's UNet session, kept resident next to the base while jobs use it. */
export class RefinerUnet {
  private constructor(
    readonly name: string,
    readonly dir: string,
    /** The model.onnx loaded: the refiner's own, or a LoRA-merged copy of it. */
    readonly modelPath: string,
    readonly session: OnnxSession,
    readonly runner: UnetRunner,
    readonly layout: RefinerLayout,
  ) {}

  static async load(
    name: string,
    dir: string,
    providers: ProviderSelector,
    modelPath = join(dir, 'unet', 'model.onnx'),
  ): Promise<RefinerUnet> {
    try {
      await access(modelPath);
    } catch {
      throw modelMissing(`refiner '${name}' at ${dir} has no unet/model.onnx`, 'refiner');
    }
    const session = await providers.createSession(modelPath, `${name}/unet`);
    try {
      return new RefinerUnet(name, dir, modelPath, session, new UnetRunner(session), refinerLayout(session));
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
