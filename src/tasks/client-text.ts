/**
 * Replies never show absolute server paths: engine errors and warnings name model files by their
 * full path (useful in the log), so the text a client sees — a task's `error` and `warnings`, the
 * X-Fooocus-Warnings header — names them relative to the models or data folder instead.
 */
import { sep } from 'node:path';

export type ClientText = (text: string) => string;

/** `roots`: absolute folder → the name a client sees for it (e.g. the models dir → `models`). */
export function clientTextFor(roots: Record<string, string>): ClientText {
  // Longest first, so a data dir inside the models dir (or the reverse) maps to the deeper name.
  const ordered = Object.entries(roots)
    .filter(([root]) => root !== '' && root !== sep)
    .sort(([a], [b]) => b.length - a.length)
    .map(([root, name]) => ({ root: root.endsWith(sep) ? root.slice(0, -1) : root, name }));
  return (text) => {
    let out = text;
    for (const { root, name } of ordered) {
      out = out.split(`${root}${sep}`).join(name === '' ? '' : `${name}/`);
      out = out.split(root).join(name === '' ? '.' : name);
    }
    return out;
  };
}
