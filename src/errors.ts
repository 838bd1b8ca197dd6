/**
 * Domain errors with no HTTP status. src/http/error-handler.ts is the only place that maps them
 * to status codes and dialect bodies.
 */
export class AppError extends Error {
  readonly field?: string;
  readonly allowed?: readonly string[];
  constructor(message: string, options: { field?: string; allowed?: readonly string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.field = options.field;
    this.allowed = options.allowed;
  }
}

/** A client-sent value is wrong (422). `field` is the dotted path, e.g. `uov_input_image`, `loras.0.weight`. */
export class InvalidFieldError extends AppError {
  /** Pydantic-style error type, e.g. `value_error`, `enum`. */
  readonly type: string;
  readonly input: unknown;
  constructor(field: string, message: string, options: { type?: string; input?: unknown; allowed?: readonly string[]; cause?: unknown } = {}) {
    super(message, { field, allowed: options.allowed, cause: options.cause });
    this.type = options.type ?? 'value_error';
    this.input = options.input;
  }
}

export class NotFoundError extends AppError {}

export class ForbiddenError extends AppError {
  constructor() {
    super('Forbidden');
  }
}

/** A feature needs a model that is not installed (503): names the folder and the fix. */
export class FeatureUnavailableError extends AppError {}

/** Fooocus 2.5 enhance and other deliberately unimplemented routes (501). */
export class NotImplementedFeatureError extends AppError {}

export class QueueFullError extends AppError {
  constructor(readonly retryAfterSeconds = 5) {
    super('queue is full');
  }
}
