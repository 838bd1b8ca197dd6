/**
 * Arrays `[[a,b,c]]` (fooocus-semantics §5.6, Fooocus `apply_arrays`), applied to the main line after
 * wildcards. Options are split on ',' without trimming. The image index is read as a mixed-radix
 * number with the first group varying fastest, so image_number = product of the group sizes walks
 * every combination once.
 */
import { replaceFirst } from './prompt-lines.ts';

const ARRAY_GROUP = /\[\[(.*?)\]\]/g;

export function applyArrays(text: string, imageIndex: number): string {
  let out = text;
  let radix = 1;
  for (const [, group] of text.matchAll(ARRAY_GROUP)) {
    const options = group.split(',');
    out = replaceFirst(out, `[[${group}]]`, options[Math.floor(imageIndex / radix) % options.length]);
    radix *= options.length;
  }
  return out;
}
