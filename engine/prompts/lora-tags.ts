/**
 * Prompt LoRA tags `<lora:NAME:WEIGHT>` (fooocus-semantics §5.4, Fooocus
 * `parse_lora_references_from_prompt`): read from the main line only, before wildcards; every tag is
 * removed, and the line is always "cleaned" (runs of spaces and commas collapsed, comma-separated
 * pieces trimmed, empty pieces dropped, rejoined with ", ") whether or not it held a tag.
 *
 * Matching NAME against installed LoRA files, dropping unknown ones, de-duplicating against the
 * request's own LoRAs (which come first) and the cap of 5 need the model registry, so the caller does
 * them; this module returns the tags as written.
 */
import { WHITESPACE_CLASS } from '../tokenizer/text-clean.ts';

export interface PromptLoraTag {
  /** NAME as written in the tag (a file stem to match; no extension added). */
  name: string;
  weight: number;
}

// Same shape as Fooocus's pattern: NAME is anything but ':', WEIGHT an optionally signed decimal.
const LORA_TAG = /<lora:([^:]+):([+-]?(?:\d+(?:\.\d*)?|\.\d+))>/g;
const EDGE_WHITESPACE = new RegExp(`^[${WHITESPACE_CLASS}]+|[${WHITESPACE_CLASS}]+$`, 'g');

/** The main line without its LoRA tags (cleaned) and the tags in the order written, repeats included. */
export function extractLoraTags(line: string): { prompt: string; loras: PromptLoraTag[] } {
  const loras: PromptLoraTag[] = [];
  let withoutTags = '';
  for (const piece of line.split(',')) {
    let kept = piece;
    for (const match of piece.matchAll(LORA_TAG)) {
      loras.push({ name: match[1], weight: Number(match[2]) });
      kept = kept.replaceAll(match[0], '');
    }
    withoutTags += `${kept}, `;
  }
  return { prompt: cleanupPrompt(withoutTags), loras };
}

/** Fooocus `cleanup_prompt`. */
export function cleanupPrompt(text: string): string {
  return text
    .replace(/ +/g, ' ')
    .replace(/,+/g, ',')
    .split(',')
    .map((piece) => piece.replace(EDGE_WHITESPACE, ''))
    .filter((piece) => piece !== '')
    .join(', ');
}
