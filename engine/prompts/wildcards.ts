/**
 * Wildcards `__name__` (fooocus-semantics §5.5, Fooocus `apply_wildcards`). Up to 64 passes, so a
 * chosen line may itself hold placeholders (nested wildcards); each pass collects every placeholder,
 * duplicates included, and replaces them one occurrence at a time, left to right: a random line
 * (per-image RNG) or, in order, line `imageIndex mod count`. A name with no file or no non-empty
 * line becomes the bare name everywhere it occurs.
 */
import { replaceFirst } from './prompt-lines.ts';
import type { PromptRng } from './prompt-rng.ts';

/** Wildcard files by file stem (case-sensitive, as Fooocus matches them); the lines as read. */
export type WildcardFiles = Readonly<Record<string, readonly string[]>>;

export interface WildcardOptions {
  wildcards: WildcardFiles;
  imageIndex: number;
  readWildcardsInOrder: boolean;
  rng: PromptRng;
}

const MAX_PASSES = 64;
// Python's `[\w-]+`: \w on str is letters, numbers and '_' in any script (marks excluded). Being greedy
// and containing '_', it reads `__a____b__` as the single name `a____b`, as Fooocus does.
const PLACEHOLDER = /__([\p{L}\p{N}_-]+)__/gu;

export function applyWildcards(text: string, options: WildcardOptions): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  let out = text;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const names = [...out.matchAll(PLACEHOLDER)].map((match) => match[1]);
    if (names.length === 0) return { text: out, warnings };
    for (const name of names) {
      const lines = Object.hasOwn(options.wildcards, name) ? options.wildcards[name].filter((line) => line !== '') : [];
      if (lines.length === 0) {
        const warning = `wildcard '${name}' has no file or no lines; using '${name}' as its text`;
        if (!warnings.includes(warning)) warnings.push(warning);
        out = out.split(`__${name}__`).join(name);
        continue;
      }
      const index = options.readWildcardsInOrder
        ? options.imageIndex % lines.length
        : options.rng.pickIndex(lines.length);
      out = replaceFirst(out, `__${name}__`, lines[index]);
    }
  }
  if ([...out.matchAll(PLACEHOLDER)].length > 0)
    warnings.push(
      `wildcards still unresolved after ${MAX_PASSES} passes (does a wildcard include itself?); left as text`,
    );
  return { text: out, warnings };
}
