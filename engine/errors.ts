/**
 * Engine failure kinds. They cross the process boundary as plain EngineErrorData (protocol.ts);
 * the gateway rebuilds its own error from `kind`, so no class instance ever travels.
 */
import type { EngineErrorData, EngineErrorKind } from './protocol.ts';

export class EngineError extends Error {
  readonly kind: EngineErrorKind;
  readonly field?: string;
  constructor(kind: EngineErrorKind, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'EngineError';
    this.kind = kind;
    this.field = options.field;
  }
}

/** A job field the engine cannot honour (the gateway maps it to 422 naming `field`). */
export function invalidInput(field: string, message: string): EngineError {
  return new EngineError('invalid-input', message, { field });
}

export function modelMissing(message: string, field = 'model'): EngineError {
  return new EngineError('model-missing', message, { field });
}

/** Any thrown value → plain data; unknown errors become runtime-failure with their message. */
export function toEngineErrorData(error: unknown): EngineErrorData {
  if (error instanceof EngineError) {
    return error.field === undefined
      ? { kind: error.kind, message: error.message }
      : { kind: error.kind, message: error.message, field: error.field };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'runtime-failure', message };
}
