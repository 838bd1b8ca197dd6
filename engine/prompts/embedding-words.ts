/**
 * Textual-inversion references in prompt text, as ComfyUI's `sd1_clip` tokenizer (Fooocus's copy)
 * reads them (fooocus-semantics §4.6): after emphasis parsing, every space-separated word that
 * starts with `embedding:` names an embedding file; the rest of the word is the name, as written
 * (case kept, the tokenizer's lowercasing happens later). When that name is not found and ends in
 * commas — Fooocus's prompt cleaning writes "embedding:foo, bar" — the name without them is tried
 * and the commas stay as an ordinary word. A name that is found nowhere is left out of the prompt.
 */
import type { WeightedItem } from './expand-prompts.ts';

export const EMBEDDING_PREFIX = 'embedding:';

/** The names a word may refer to, most literal first; null when the word is no embedding reference. */
export function embeddingNameCandidates(word: string): { name: string; leftover: string }[] | null {
  if (!word.startsWith(EMBEDDING_PREFIX)) return null;
  const name = word.slice(EMBEDDING_PREFIX.length);
  const stripped = name.replace(/,+$/, '');
  // Only trailing commas: ComfyUI strips both ends, but a leading comma is never written by a person
  // and its length-based leftover would then cut the name's own letters.
  return stripped.length < name.length
    ? [
        { name, leftover: '' },
        { name: stripped, leftover: name.slice(stripped.length) },
      ]
    : [{ name, leftover: '' }];
}

/** The words of one emphasis segment as the chunker splits them. */
export function segmentWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/**
 * What a word becomes given the names that resolved (`known`): the embedding's name and any leftover
 * text, `name: null` when none of its candidates is known (the word is dropped, leftover kept), or
 * null when the word is not an embedding reference at all.
 */
export function resolveEmbeddingWord(
  word: string,
  known: (name: string) => boolean,
): { name: string | null; leftover: string } | null {
  const candidates = embeddingNameCandidates(word);
  if (!candidates) return null;
  for (const candidate of candidates) if (known(candidate.name)) return candidate;
  return { name: null, leftover: candidates[candidates.length - 1].leftover };
}

/** Every embedding-reference word of the items, each once, in order of first appearance. */
export function embeddingWordsOf(items: readonly WeightedItem[]): string[] {
  const words = new Set<string>();
  for (const item of items)
    for (const segment of item.segments)
      for (const word of segmentWords(segment.text)) if (word.startsWith(EMBEDDING_PREFIX)) words.add(word);
  return [...words];
}
