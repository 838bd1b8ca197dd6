/**
 * A job's textual-inversion embeddings: every `embedding:<name>` word of its prompt items resolved
 * to a file and read once, and the placeholder token ids the tokenizer writes for their vectors.
 * Placeholder ids start at EMBEDDING_ID_BASE, far above any CLIP vocabulary (49408) and below
 * int32's range in case an export narrows its ids; the text encoders are rewritten to look them up
 * (token-embedding-rows.ts). Each encoder numbers its own rows, since an SDXL file's `clip_l` and
 * `clip_g` may hold different counts.
 *
 * A name found nowhere is dropped from the prompt, as Fooocus does (its log says "does not exist,
 * ignoring"), and the job's warnings say so: never a silent change (DECISIONS §3).
 */
import type { WeightedItem } from '../prompts/expand-prompts.ts';
import { embeddingNameCandidates, embeddingWordsOf } from '../prompts/embedding-words.ts';
import { EMBEDDING_EXTENSIONS, findEmbeddingFile, listEmbeddingNames } from './embedding-files.ts';
import { readSdxlEmbedding, type SdxlEmbedding } from './embedding-vectors.ts';

export const EMBEDDING_ID_BASE = 1 << 20;
/** Names quoted in one warning; the folder may hold hundreds. */
const LISTED = 10;

/** name → the placeholder ids of its rows, for one text encoder. */
export type EmbeddingIds = ReadonlyMap<string, readonly number[]>;

export interface EmbeddingSet {
  /** In order of first use; the rows of each encoder's table follow this order. */
  embeddings: readonly SdxlEmbedding[];
  first: EmbeddingIds;
  second: EmbeddingIds;
}

export const NO_EMBEDDINGS: EmbeddingSet = { embeddings: [], first: new Map(), second: new Map() };

function placeholderIds(embeddings: readonly SdxlEmbedding[], side: 'first' | 'second'): Map<string, number[]> {
  const ids = new Map<string, number[]>();
  let next = EMBEDDING_ID_BASE;
  for (const embedding of embeddings) {
    ids.set(
      embedding.name,
      Array.from({ length: embedding[side].rows }, (_, k) => next + k),
    );
    next += embedding[side].rows;
  }
  return ids;
}

/** The items of a job by the job field their text came from (positive items first). */
export interface JobPromptItems {
  prompt: readonly WeightedItem[];
  negative_prompt: readonly WeightedItem[];
}

export async function resolveJobEmbeddings(
  roots: readonly string[],
  items: JobPromptItems,
): Promise<{ set: EmbeddingSet; warnings: string[] }> {
  const fieldOf = new Map<string, string>();
  for (const field of ['prompt', 'negative_prompt'] as const)
    for (const word of embeddingWordsOf(items[field])) if (!fieldOf.has(word)) fieldOf.set(word, field);
  if (fieldOf.size === 0) return { set: NO_EMBEDDINGS, warnings: [] };
  const byName = new Map<string, SdxlEmbedding | null>();
  const lookUp = async (name: string, field: string): Promise<SdxlEmbedding | null> => {
    if (!byName.has(name)) {
      const path = await findEmbeddingFile(roots, name);
      byName.set(name, path === null ? null : await readSdxlEmbedding(name, path, field));
    }
    return byName.get(name)!;
  };
  const unknown: string[] = [];
  for (const [word, field] of fieldOf) {
    let isFound = false;
    const candidates = embeddingNameCandidates(word)!;
    for (const { name } of candidates) {
      if (await lookUp(name, field)) {
        isFound = true;
        break;
      }
    }
    const name = candidates[candidates.length - 1].name;
    if (!isFound && !unknown.includes(name)) unknown.push(name);
  }
  const embeddings = [...byName.values()].filter((e) => e !== null);
  const warnings: string[] = [];
  if (unknown.length > 0) {
    const available = await listEmbeddingNames(roots);
    const listed =
      available.length === 0
        ? '(none)'
        : `${available.slice(0, LISTED).join(', ')}${available.length > LISTED ? `, … (${available.length} in all)` : ''}`;
    for (const name of unknown)
      warnings.push(
        `prompt embedding 'embedding:${name}' left out of the prompt (as Fooocus does): no ${[name, ...EMBEDDING_EXTENSIONS.map((e) => name + e)].join(', ')} under ${roots.join(', ')}; available: ${listed}`,
      );
  }
  return {
    set: { embeddings, first: placeholderIds(embeddings, 'first'), second: placeholderIds(embeddings, 'second') },
    warnings,
  };
}
