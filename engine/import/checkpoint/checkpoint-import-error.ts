/**
 * A checkpoint file the import refuses: truncated, not safetensors, not an SDXL base checkpoint, or with
 * missing, unknown or mis-shaped tensors. An invalid-input engine error (422 when a request names the file), its
 * message naming the file and the problem; nothing is written when it is thrown.
 */
import { basename } from 'node:path';
import { EngineError } from '../../errors.ts';

export class CheckpointImportError extends EngineError {
  constructor(
    readonly file: string,
    readonly problem: string,
    options: { field?: string; cause?: unknown } = {},
  ) {
    super('invalid-input', `${basename(file)}: ${problem}`, { field: options.field ?? 'model', cause: options.cause });
    this.name = 'CheckpointImportError';
  }
}

/** "a, b, c and 12 more": error messages name the first few of a long list. */
export function listSome(names: readonly string[], count = 8): string {
  const shown = names.slice(0, count).join(', ');
  return names.length > count ? `${shown} and ${names.length - count} more` : shown;
}
