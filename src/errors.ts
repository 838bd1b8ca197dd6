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

import type { ReplyPlan } from '../adapters/reply-plan.ts';
import type { Dialect } from '../adapters/task-record.ts';

/** 422; lives with the pure adapters, which throw it too. */
export { InvalidFieldError } from '../adapters/invalid-field-error.ts';

export class NotFoundError extends AppError {}

/**
 * An unknown job id on a legacy job route: answered with the original's job-shaped 404 body (fooocus-api-legacy.md §2).
 */
export class LegacyJobNotFoundError extends NotFoundError {
  constructor() {
    super('Job not found');
  }
}

export class ForbiddenError extends AppError {
  constructor() {
    super('Forbidden');
  }
}

/** The request conflicts with the resource's state, e.g. cancelling a task that already ended (409). */
export class ConflictError extends AppError {}

/** The path exists but not for this method (405); `allowed` lists the methods it has. */
export class MethodNotAllowedError extends AppError {
  constructor(allowed: readonly string[]) {
    super('Method Not Allowed', { allowed });
  }
}

/** A feature needs a model that is not installed (503): names the folder and the fix. */
export class FeatureUnavailableError extends AppError {}

/** Fooocus 2.5 enhance and other deliberately unimplemented routes (501). */
export class NotImplementedFeatureError extends AppError {}

/** The queue is at `--queue-size`; the dialect and reply plan choose the body (legacy QUEUE_IS_FULL shapes). */
export class QueueFullError extends AppError {
  readonly dialect: Dialect;
  readonly reply: ReplyPlan;
  constructor(
    refused: { dialect: Dialect; reply: ReplyPlan },
    readonly retryAfterSeconds = 5,
  ) {
    super('queue is full');
    this.dialect = refused.dialect;
    this.reply = refused.reply;
  }
}
