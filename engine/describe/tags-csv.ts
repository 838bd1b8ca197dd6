/**
 * WD14 `selected_tags.csv` (columns tag_id,name,category,count; a header line), read with the
 * quoting rules of Python's csv module, and the tag selection Fooocus's wd14tagger makes from the
 * model's probabilities (fooocus-semantics §9).
 */

export interface TaggerTag {
  name: string;
  /** '9' rating, '0' general, '4' character. */
  category: string;
}

/** One CSV record per line; quoted fields may hold commas and doubled quotes. */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (isQuoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') isQuoted = false;
      else field += ch;
    } else if (ch === '"') isQuoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}

export function parseTagsCsv(text: string): TaggerTag[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  // The header line is skipped, as Fooocus's reader does.
  return lines.slice(1).map((line) => {
    const [, name = '', category = ''] = parseCsvLine(line);
    return { name, category: category.trim() };
  });
}

export const GENERAL_THRESHOLD = 0.35;
export const CHARACTER_THRESHOLD = 0.85;

export interface TagSelectionOptions {
  generalThreshold?: number;
  characterThreshold?: number;
  /** Comma-separated tag names (as in the CSV) to leave out; Fooocus passes none. */
  excludeTags?: string;
}

/**
 * Fooocus's rule: the CSV is rating tags, then general tags from the first category-0 row, then
 * character tags from the first category-4 row. Character tags above 0.85, then general tags
 * above 0.35 (strictly), each in CSV order, rating tags never; `(` `)` backslash-escaped, then
 * every `_` of the joined text a space.
 */
export function selectTags(tags: readonly TaggerTag[], probs: ArrayLike<number>, options: TagSelectionOptions = {}) {
  if (probs.length !== tags.length) {
    throw new Error(`the tagger gave ${probs.length} scores for ${tags.length} tags in its CSV`);
  }
  const generalStart = tags.findIndex((t) => t.category === '0');
  const characterStart = tags.findIndex((t) => t.category === '4');
  // Without a section the slice is empty (Fooocus would slice from None, i.e. take every tag).
  const generalEnd = characterStart >= 0 ? characterStart : tags.length;
  const pick = (start: number, end: number, threshold: number): string[] => {
    const out: string[] = [];
    if (start < 0) return out;
    for (let i = start; i < end; i++) if (probs[i] > threshold) out.push(tags[i].name);
    return out;
  };
  const character = pick(characterStart, tags.length, options.characterThreshold ?? CHARACTER_THRESHOLD);
  const general = pick(generalStart, generalEnd, options.generalThreshold ?? GENERAL_THRESHOLD);
  const excluded = new Set(
    (options.excludeTags ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim()),
  );
  return [...character, ...general]
    .filter((name) => !excluded.has(name))
    .map((name) => name.replaceAll('(', '\\(').replaceAll(')', '\\)'))
    .join(', ')
    .replaceAll('_', ' ');
}
