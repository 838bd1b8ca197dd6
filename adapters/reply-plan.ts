/**
 * How a generation is answered, decided by the adapters from what the client sent (the Accept
 * value and the body's flags) and fixed when the task is accepted. A binary reply carries one
 * image, so a binary Accept makes the adapter ask for one (fooocusapi-new.md §10.4,
 * fooocus-api-legacy.md §1.3).
 */
import type { ImageFormat, ResponseMode, TaskMode } from './task-record.ts';

export interface ReplyPlan {
  mode: ResponseMode;
  /** Format of a binary reply's image. */
  format: ImageFormat;
  /**
   * The client asked for image bytes: one image is generated; a legacy full queue answers binary's 409 even under
   * async_process.
   */
  isBinaryAccept: boolean;
  /** The legacy route's job_type (its QUEUE_IS_FULL body names it); all-in-one: from the task's mode. */
  jobType: TaskMode;
}

const SUBTYPES: Readonly<Record<string, ImageFormat>> = { png: 'png', jpeg: 'jpeg', jpg: 'jpeg', webp: 'webp' };

/** `type/subtype` → our format for a known image subtype, else null. */
export function imageFormatOfSubtype(subtype: string): ImageFormat | null {
  return SUBTYPES[subtype] ?? null;
}

/**
 * fooocusapi-new.md §4.2: only a single `type/subtype` Accept of type image selects binary mode
 * (`image/*` and unknown subtypes mean PNG); then stream_output, then async_process, then sync.
 * Fixed on purpose: a missing Accept means JSON, `image/jpg` means JPEG (DECISIONS §3).
 */
export function planAllInOneReply(
  accept: string,
  flags: { stream_output: boolean; async_process: boolean },
  jobType: TaskMode,
): ReplyPlan {
  const parts = accept.trim().toLowerCase().split('/');
  if (parts.length === 2 && parts[0] === 'image') {
    return { mode: 'binary', format: imageFormatOfSubtype(parts[1]) ?? 'png', isBinaryAccept: true, jobType };
  }
  const mode: ResponseMode = flags.stream_output ? 'stream' : flags.async_process ? 'async' : 'sync';
  return { mode, format: 'png', isBinaryAccept: false, jobType };
}

/**
 * fooocus-api-legacy.md §1.3: binary iff the Accept value is exactly `image/png` (the route passes
 * the `accept` query value when one is sent); async_process wins over binary, which still forces
 * one image.
 */
export function planLegacyReply(accept: string, asyncProcess: boolean, jobType: TaskMode): ReplyPlan {
  const isBinaryAccept = accept === 'image/png';
  const mode: ResponseMode = asyncProcess ? 'async' : isBinaryAccept ? 'binary' : 'sync';
  return { mode, format: 'png', isBinaryAccept, jobType };
}
