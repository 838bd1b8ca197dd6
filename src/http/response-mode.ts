import { imageFormatOfSubtype } from '../../adapters/reply-plan.ts';
import type { ImageFormat } from '../../adapters/task-record.ts';

/**
 * `/outputs` and `/inputs` (fooocusapi-new.md §12.3): exactly `type/subtype` with a known subtype converts; anything
 * else is the raw file.
 */
export function chooseFileFormat(accept: string | undefined): ImageFormat | null {
  const parts = (accept ?? '').trim().toLowerCase().split('/');
  return parts.length === 2 ? imageFormatOfSubtype(parts[1]) : null;
}
