/**
 * A client-sent value is wrong (422). Defined here so the pure adapters can throw it without
 * importing src/; src/errors.ts re-exports it for everything else. `field` is the dotted path,
 * e.g. `uov_input_image`, `loras.0.weight`, `query.end_at`.
 */
export class InvalidFieldError extends Error {
  readonly field: string;
  /** Pydantic-style error type, e.g. `value_error`, `enum`. */
  readonly type: string;
  readonly input: unknown;
  readonly allowed?: readonly string[];

  constructor(
    field: string,
    message: string,
    options: { type?: string; input?: unknown; allowed?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'InvalidFieldError';
    this.field = field;
    this.type = options.type ?? 'value_error';
    this.input = options.input;
    this.allowed = options.allowed;
  }
}
