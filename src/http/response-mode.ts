import type { CommonRequest } from '../../adapters/common-request.ts';
import type { ImageFormat } from '../images/image-codec.ts';

export type ResponseModeChoice = { kind: 'binary'; format: ImageFormat } | { kind: 'stream' } | { kind: 'async' } | { kind: 'sync' };

const SUBTYPES: Record<string, ImageFormat> = { png: 'png', jpeg: 'jpeg', jpg: 'jpeg', webp: 'webp' };

/**
 * fooocusapi-new.md §4.2: only a single `type/subtype` Accept of type image selects binary mode
 * (`image/*` and unknown subtypes mean PNG); then stream_output, then async_process, then sync.
 * Fixed on purpose: a missing Accept means JSON, `image/jpg` means JPEG (DECISIONS §3).
 */
export function chooseResponseMode(accept: string | undefined, request: Pick<CommonRequest, 'stream_output' | 'async_process'>): ResponseModeChoice {
  const parts = (accept ?? '').trim().toLowerCase().split('/');
  if (parts.length === 2 && parts[0] === 'image') return { kind: 'binary', format: SUBTYPES[parts[1]] ?? 'png' };
  if (request.stream_output) return { kind: 'stream' };
  if (request.async_process) return { kind: 'async' };
  return { kind: 'sync' };
}

/** `/outputs` and `/inputs` (§12.3): exactly `type/subtype` with a known subtype converts; anything else is the raw file. */
export function chooseFileFormat(accept: string | undefined): ImageFormat | null {
  const parts = (accept ?? '').trim().toLowerCase().split('/');
  return parts.length === 2 ? (SUBTYPES[parts[1]] ?? null) : null;
}
