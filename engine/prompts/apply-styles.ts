/**
 * Style application for one image (fooocus-semantics §3.3, Fooocus `process_prompt`): each selected
 * style, in selection order, contributes its positive template (every `{prompt}` replaced by the main
 * prompt) and its negative text, each split into lines and each line its own item. The main prompt
 * leads the list only when no applied style contains `{prompt}`; the user's negative follows the style
 * negatives; extra lines come last, unstyled; empty items are dropped.
 *
 * Every item here is pooled: Fooocus sums the pooled vectors of all items before the expansion
 * (§4.6), and the expansion, when on, is appended later by the caller.
 */
import type { StyleTemplate } from '../styles/style-templates.ts';
import { removeEmpty, splitLines } from './prompt-lines.ts';
import type { PromptRng } from './prompt-rng.ts';

export const EXPANSION_STYLE = 'Fooocus V2';
export const RANDOM_STYLE = 'Random Style';
const PLACEHOLDER = '{prompt}';

export interface StyleInput {
  /** The per-image main prompt (after LoRA tags, wildcards and arrays). */
  prompt: string;
  /** The per-image main negative line (after wildcards). */
  negativePrompt: string;
  extraPositive: readonly string[];
  extraNegative: readonly string[];
  /** Selected style names in submission order; `Fooocus V2` is ignored here. */
  styles: readonly string[];
  templates: ReadonlyMap<string, StyleTemplate>;
  /** Draws the template for each `Random Style` entry, after all wildcard draws (§5.5 order). */
  rng: PromptRng;
}

export interface StyledPrompts {
  positive: string[];
  negative: string[];
  /** Positive items whose pooled vectors are summed: all of them (the expansion is not here). */
  poolItemCount: number;
  /** The styles applied, in order, each `Random Style` replaced by its draw. */
  stylesUsed: string[];
  warnings: string[];
}

export function applyStyles(input: StyleInput): StyledPrompts {
  const warnings: string[] = [];
  const stylesUsed: string[] = [];
  const positive: string[] = [];
  const negative: string[] = [];
  const selected = input.styles.filter((name) => name !== EXPANSION_STYLE);
  let isPromptPlaced = false;

  for (const requested of selected) {
    const name = requested === RANDOM_STYLE ? drawStyle(input.templates, input.rng) : requested;
    const template = name === null ? undefined : input.templates.get(name);
    if (name === null || template === undefined) {
      warnings.push(
        name === null
          ? `'${RANDOM_STYLE}' skipped: no style templates are loaded`
          : `style '${name}' has no template; skipped`,
      );
      continue;
    }
    stylesUsed.push(name);
    if (template.prompt.includes(PLACEHOLDER)) isPromptPlaced = true;
    // split/join, not replaceAll: a prompt may contain `$&`, which replaceAll would expand.
    positive.push(...splitLines(template.prompt.split(PLACEHOLDER).join(input.prompt)));
    negative.push(...splitLines(template.negative));
  }
  if (!isPromptPlaced) positive.unshift(input.prompt);
  negative.push(input.negativePrompt);

  const positiveItems = removeEmpty([...positive, ...input.extraPositive], input.prompt);
  const negativeItems = removeEmpty([...negative, ...input.extraNegative], input.negativePrompt);
  return {
    positive: positiveItems,
    negative: negativeItems,
    poolItemCount: positiveItems.length,
    stylesUsed,
    warnings,
  };
}

/** Fooocus `get_random_style`: uniform over every loaded template name, in load order. */
function drawStyle(templates: ReadonlyMap<string, StyleTemplate>, rng: PromptRng): string | null {
  const names = [...templates.keys()];
  return names.length === 0 ? null : names[rng.pickIndex(names.length)];
}
