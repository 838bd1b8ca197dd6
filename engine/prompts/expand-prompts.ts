/**
 * The text side of Fooocus prompting for one image, as one pure function (fooocus-semantics §3.3,
 * §4.6, §5.3–§5.6, in Fooocus's order):
 *   1. both boxes → lines (`safe_str`, empty lines dropped): line 1 is the main line, the rest extras;
 *   2. LoRA tags taken out of the main positive line (which is cleaned);
 *   3. wildcards: main positive, main negative, each extra positive, each extra negative — the RNG is
 *      consumed in exactly this order, then by `Random Style` draws;
 *   4. arrays on the main positive line;
 *   5. styles (each style its own item, style negatives before the user's, extras last);
 *   6. every item parsed into emphasis-weighted segments.
 * `Fooocus V2` only sets `isExpansionRequested`; running the expansion and appending its text as the
 * last positive item (unpooled) is the caller's job.
 */
import type { StyleTemplate } from '../styles/style-templates.ts';
import { applyArrays } from './arrays.ts';
import { applyStyles, EXPANSION_STYLE } from './apply-styles.ts';
import { parseEmphasis, type WeightedSegment } from './emphasis.ts';
import { extractLoraTags, type PromptLoraTag } from './lora-tags.ts';
import { toPromptLines } from './prompt-lines.ts';
import { createPromptRng } from './prompt-rng.ts';
import { applyWildcards, type WildcardFiles } from './wildcards.ts';

export interface ExpandPromptsInput {
  prompt: string;
  negativePrompt: string;
  /** Selected style names in submission order, pseudo-styles included. */
  styles: readonly string[];
  /** 0-based index of the image in its task: picks in-order wildcard lines and array options. */
  imageIndex: number;
  /** This image's task seed (engine/pipeline/seeds.ts `imageSeed`), not the task's base seed. */
  seed: bigint;
  readWildcardsInOrder: boolean;
  wildcards: WildcardFiles;
  templates: ReadonlyMap<string, StyleTemplate>;
}

/** One CLIP item: encoded on its own, then concatenated with the others along the sequence (§4.6). */
export interface WeightedItem {
  /** The item as text (for logs, metadata and an encode cache key). */
  text: string;
  segments: WeightedSegment[];
}

export interface ExpandedPrompts {
  positive: WeightedItem[];
  negative: WeightedItem[];
  /** How many leading positive items have their pooled vectors summed (all of these; never the expansion). */
  poolItemCount: number;
  /** Same for the negative list (always all of its items). */
  negativePoolItemCount: number;
  /** LoRA tags from the main line, as written; the caller matches, de-duplicates and caps them. */
  loras: PromptLoraTag[];
  /** The main line after LoRA removal, wildcards and arrays: Fooocus's `task_prompt`, the expansion's input. */
  mainPrompt: string;
  mainNegativePrompt: string;
  /** Main line and extra lines re-joined with "\n", wildcards resolved (the logged `prompt`, §5.3). */
  logPrompt: string;
  logNegativePrompt: string;
  /** Styles applied, `Random Style` replaced by its draw, `Fooocus V2` left out. */
  stylesUsed: string[];
  /** `Fooocus V2` was selected and the main prompt is not empty (Fooocus skips expanding ''). */
  isExpansionRequested: boolean;
  /** The expansion text once the caller has run it and appended it as the last positive item. */
  expansion?: string;
  warnings: string[];
}

export function expandPrompts(input: ExpandPromptsInput): ExpandedPrompts {
  if (!Number.isSafeInteger(input.imageIndex) || input.imageIndex < 0)
    throw new RangeError(`imageIndex must be a non-negative integer, got ${input.imageIndex}`);
  const warnings: string[] = [];
  const positiveLines = toPromptLines(input.prompt);
  const negativeLines = toPromptLines(input.negativePrompt);
  const { prompt: withoutLoras, loras } = extractLoraTags(positiveLines.main);

  const rng = createPromptRng(input.seed);
  const wildcardOptions = {
    wildcards: input.wildcards,
    imageIndex: input.imageIndex,
    readWildcardsInOrder: input.readWildcardsInOrder,
    rng,
  };
  const resolve = (text: string): string => {
    const resolved = applyWildcards(text, wildcardOptions);
    for (const warning of resolved.warnings) if (!warnings.includes(warning)) warnings.push(warning);
    return resolved.text;
  };
  const mainPrompt = applyArrays(resolve(withoutLoras), input.imageIndex);
  const mainNegativePrompt = resolve(negativeLines.main);
  const extraPositive = positiveLines.extras.map(resolve);
  const extraNegative = negativeLines.extras.map(resolve);

  const styled = applyStyles({
    prompt: mainPrompt,
    negativePrompt: mainNegativePrompt,
    extraPositive,
    extraNegative,
    styles: input.styles,
    templates: input.templates,
    rng,
  });
  warnings.push(...styled.warnings);

  return {
    positive: styled.positive.map(toWeightedItem),
    negative: styled.negative.map(toWeightedItem),
    poolItemCount: styled.poolItemCount,
    negativePoolItemCount: styled.negative.length,
    loras,
    mainPrompt,
    mainNegativePrompt,
    logPrompt: [mainPrompt, ...extraPositive].join('\n'),
    logNegativePrompt: [mainNegativePrompt, ...extraNegative].join('\n'),
    stylesUsed: styled.stylesUsed,
    isExpansionRequested: input.styles.includes(EXPANSION_STYLE) && mainPrompt !== '',
    warnings,
  };
}

function toWeightedItem(text: string): WeightedItem {
  return { text, segments: parseEmphasis(text) };
}
