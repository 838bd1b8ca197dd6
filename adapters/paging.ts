/** Paging query values of /tasks and legacy job-history, checked the same way for both dialects. */
import { InvalidFieldError } from './invalid-field-error.ts';

/** Paging bounds (also in the spec): beyond them no database can page, and the original answered 500. */
export const MAX_PAGE = 1_000_000_000;
export const MAX_PAGE_SIZE = 10_000;

/**
 * A paging value as sent (the validator's coercion leaves '1e999' a string): a whole number within
 * [min, max], or a 422 naming the query parameter.
 */
export function parsePagingValue(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InvalidFieldError(`query.${name}`, `${name}: must be a whole number from ${min} to ${max}`, {
      input: String(value).slice(0, 40),
    });
  }
  return n;
}
