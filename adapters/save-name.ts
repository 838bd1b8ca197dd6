/**
 * `save_name` (fooocusapi-new.md §12.2): outputs are renamed `{save_name}-{i}.{ext}` in the date
 * folder. Unlike FooocusAPI, a name never leaves that folder: path parts (its `../<folder>/` trick
 * wrote into any folder of the data dir) are a 422, and so is a name the file system cannot hold,
 * so one request can never fail at storage time (or, as in the original, take the server down).
 */
import { InvalidFieldError } from './invalid-field-error.ts';

const NO_NAME = new Set(['', 'None', 'none']);
/**
 * File names hold 255 bytes; the stored name adds `-{index}`, a collision counter and the
 * extension (under 20 bytes), so the name itself gets the rest.
 */
export const MAX_SAVE_NAME_BYTES = 200;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\\u0000-\u001f\u007f]/;

export function parseSaveName(value: string | null): string | null {
  if (value === null || NO_NAME.has(value.trim())) return null;
  const refuse = (why: string) =>
    new InvalidFieldError('save_name', `save_name: ${why}`, {
      input: value.length > 80 ? `${value.slice(0, 80)}...` : value,
    });
  if (FORBIDDEN.test(value))
    throw refuse("must be a plain file name: no '/', '\\' or control characters (outputs stay in their dated folder)");
  if (value === '.' || value === '..') throw refuse(`'${value}' is not a file name`);
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_SAVE_NAME_BYTES)
    throw refuse(`${bytes} bytes in UTF-8; at most ${MAX_SAVE_NAME_BYTES} fit in a file name`);
  return value;
}
