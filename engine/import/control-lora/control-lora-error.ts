/**
 * Why a Control-LoRA could not be converted, as data a caller can branch on (`problem`) and a
 * message that names the file and what is wrong with it. It is an invalid-input EngineError, so a
 * request that names the file gets a 422 naming `controlnet_image` (DECISIONS §3).
 */
import { EngineError } from '../../errors.ts';

export type ControlLoraProblem =
  /** The file reads, but it is not a Control-LoRA (no `lora_controlnet` marker). */
  | 'not-control-lora'
  /** The file ends before the data its header promises, or the header is cut. */
  | 'truncated'
  /** The file cannot be read as a state dict at all. */
  | 'unreadable'
  /** Keys outside the ControlNet layout (SGM encoder, hint block, zero convs). */
  | 'unknown-keys'
  /** Tensors a ControlNet needs (hint block, zero convs, mid output) are absent, or a pair lacks a half. */
  | 'missing-keys'
  /** The base UNet is not the architecture the Control-LoRA was made for (layers or shapes differ). */
  | 'wrong-architecture';

export class ControlLoraError extends EngineError {
  constructor(
    readonly problem: ControlLoraProblem,
    /** The file (or base UNet folder) the problem is in. */
    readonly path: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('invalid-input', `${path}: ${message}`, { field: 'controlnet_image', cause: options.cause });
    this.name = 'ControlLoraError';
  }
}

/** Lists at most `limit` names, then how many more, so one bad file does not produce a 2 MB message. */
export function listSome(names: readonly string[], limit = 8): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}
