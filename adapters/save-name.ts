/**
 * `save_name` (fooocusapi-new.md §12.2): outputs are renamed `{save_name}-{i}.{ext}` in the date
 * folder; `../<folder>/<name>` puts them in another folder directly under the outputs folder (the
 * issue #29 use case). Anything that would land elsewhere is a 422 now, not a failed task later.
 */
import { InvalidFieldError } from './invalid-field-error.ts';

const NO_NAME = new Set(['', 'None', 'none']);

/** Where `<date>/<value>` lands, as [folder, name] — or null when it leaves the outputs folder or goes deeper. */
function landing(value: string): string[] | null {
  const parts = ['date'];
  for (const part of value.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 2 ? parts : null;
}

export function parseSaveName(value: string | null): string | null {
  if (value === null || NO_NAME.has(value.trim())) return null;
  if (/[\\\0]/.test(value) || value.startsWith('/') || !landing(value) || value.endsWith('/')) {
    throw new InvalidFieldError('save_name', `save_name: '${value}' must be a file name, or '../<folder>/<name>' for a folder directly under the outputs folder`, {
      input: value,
    });
  }
  return value;
}
