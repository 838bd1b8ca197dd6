/**
 * GET /tasks query → what to list (fooocusapi-new.md §11.6), with DECISIONS §3's fixes: `end_at`
 * defaults to now (not the start time), and a malformed `end_at` is a 422 instead of a 500.
 */
import { InvalidFieldError } from '../invalid-field-error.ts';
import { MAX_PAGE, MAX_PAGE_SIZE, parsePagingValue } from '../paging.ts';

export interface TasksQueryInput {
  query?: string;
  page?: unknown;
  page_size?: unknown;
  start_at?: string;
  end_at?: string;
  action?: string;
}

export interface TasksQueryPlan {
  lists: { history: boolean; current: boolean; pending: boolean };
  page: number;
  pageSize: number;
  /** Inclusive on in_queue_mills; null = no time filter. */
  range: { startMills: number; endMills: number } | null;
  isDelete: boolean;
}

const LEADING_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})/;

/**
 * Only the leading `YYYY-MM-DDTHH:MM:SS` counts, in the server's local time (as the original; the caller supplies the
 * conversion).
 */
export function parseLocalDateTime(text: string, toEpoch: (parts: number[]) => number): number | null {
  const m = LEADING_DATETIME.exec(text.trim());
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  const mills = toEpoch(parts);
  return Number.isFinite(mills) ? mills : null;
}

export function planTasksQuery(
  input: TasksQueryInput,
  nowMills: number,
  toEpoch: (parts: number[]) => number,
): TasksQueryPlan {
  const which = input.query ?? 'all';
  const lists = {
    history: which === 'all' || which === 'history',
    current: which === 'all' || which === 'current',
    pending: which === 'all' || which === 'pending',
  };
  const start = input.start_at ? parseLocalDateTime(input.start_at, toEpoch) : null;
  let end = nowMills;
  if (input.end_at !== undefined && input.end_at !== '') {
    const parsed = parseLocalDateTime(input.end_at, toEpoch);
    if (parsed === null) {
      throw new InvalidFieldError(
        'query.end_at',
        `end_at: '${input.end_at}' is not a date-time; expected YYYY-MM-DDTHH:MM:SS`,
        { input: input.end_at },
      );
    }
    end = parsed;
  }
  const range = start !== null && start < end ? { startMills: start, endMills: end } : null;
  return {
    lists,
    page: parsePagingValue('page', input.page, 0, 0, MAX_PAGE),
    pageSize: parsePagingValue('page_size', input.page_size, 10, 1, MAX_PAGE_SIZE),
    range,
    isDelete: (input.action ?? '').toLowerCase() === 'delete',
  };
}
