/**
 * Fooocus-format style files (`styles/*.json`: a JSON array of `{name, prompt?, negative_prompt?}`)
 * laid over our own templates (DECISIONS §4: files dropped into styles/ override ours). Loading
 * follows Fooocus (fooocus-semantics §3.1): names are normalised, a missing field is '', files load
 * in case-insensitive name order except Fooocus's six own files, which load last in Fooocus's
 * fixed order, and a later entry with the same normalised name replaces an earlier one. Fooocus
 * prints and skips a broken file after keeping the entries before the fault; we skip only the bad
 * entry and say which.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STYLE_TEMPLATES, type StyleTemplate } from './style-templates.ts';

/** Fooocus's own files, moved to the end of the load order in this order. */
const FOOOCUS_FILES = [
  'sdxl_styles_fooocus.json',
  'sdxl_styles_sai.json',
  'sdxl_styles_mre.json',
  'sdxl_styles_twri.json',
  'sdxl_styles_diva.json',
  'sdxl_styles_marc_k3nt3l.json',
];

export interface LoadedStyles {
  /** Name → template: ours first (Fooocus order), overridden in place, new names appended in load order. */
  templates: ReadonlyMap<string, StyleTemplate>;
  warnings: string[];
}

/** Fooocus `normalize_key`: '-' → ' ', each word capitalised, then the 3D / SAI / MRE / (S fixes. */
export function normalizeStyleName(name: string): string {
  const words = name.replaceAll('-', ' ').split(' ');
  const capitalised = words.map((word) => {
    const [first = '', ...rest] = Array.from(word);
    return first.toUpperCase() + rest.join('').toLowerCase();
  });
  return capitalised
    .join(' ')
    .replaceAll('3d', '3D')
    .replaceAll('Sai', 'SAI')
    .replaceAll('Mre', 'MRE')
    .replaceAll('(s', '(S');
}

/** The entries of one style file's text, in file order, names normalised. */
export function parseStyleFile(
  text: string,
  fileName: string,
): { entries: Array<[string, StyleTemplate]>; warnings: string[] } {
  const warnings: string[] = [];
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    return {
      entries: [],
      warnings: [`style file ${fileName} is not valid JSON (${(error as Error).message}); skipped`],
    };
  }
  if (!Array.isArray(data))
    return {
      entries: [],
      warnings: [`style file ${fileName} must hold a JSON array of {name, prompt, negative_prompt}; skipped`],
    };
  const entries: Array<[string, StyleTemplate]> = [];
  data.forEach((entry: unknown, index) => {
    const record = typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : null;
    const prompt = record?.prompt ?? '';
    const negative = record?.negative_prompt ?? '';
    if (
      record === null ||
      typeof record.name !== 'string' ||
      typeof prompt !== 'string' ||
      typeof negative !== 'string'
    ) {
      warnings.push(
        `style file ${fileName} entry ${index}: needs a string name and optional string prompt and negative_prompt; skipped`,
      );
      return;
    }
    entries.push([normalizeStyleName(record.name), { prompt, negative }]);
  });
  return { entries, warnings };
}

/** Order in which Fooocus loads the given `.json` file names (later wins). */
export function styleFileLoadOrder(fileNames: readonly string[]): string[] {
  const own = FOOOCUS_FILES.filter((name) => fileNames.includes(name));
  // Fooocus sorts case-insensitively (casefold); the raw name breaks ties so the order is total.
  const others = fileNames
    .filter((name) => !FOOOCUS_FILES.includes(name))
    .sort((a, b) => compare(a.toLowerCase(), b.toLowerCase()) || compare(a, b));
  return [...others, ...own];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Pure merge: later entries override earlier ones and `base`, keeping base's order for its names. */
export function mergeStyleTemplates(
  base: ReadonlyMap<string, StyleTemplate>,
  entries: ReadonlyArray<readonly [string, StyleTemplate]>,
): Map<string, StyleTemplate> {
  const merged = new Map(base);
  for (const [name, template] of entries) merged.set(name, template);
  return merged;
}

/**
 * Our templates with every `*.json` directly in `folder` laid over them. A missing folder is not an
 * error (the server ships no style files); an unreadable file is skipped with a warning.
 */
export async function loadStyleTemplates(
  folder: string,
  base: ReadonlyMap<string, StyleTemplate> = STYLE_TEMPLATES,
): Promise<LoadedStyles> {
  let names: string[];
  try {
    names = (await readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.json'))
      .map((e) => e.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { templates: base, warnings: [] };
    throw error;
  }
  const warnings: string[] = [];
  const entries: Array<[string, StyleTemplate]> = [];
  for (const fileName of styleFileLoadOrder(names)) {
    let text: string;
    try {
      text = await readFile(join(folder, fileName), 'utf8');
    } catch (error) {
      warnings.push(`style file ${fileName} could not be read (${(error as Error).message}); skipped`);
      continue;
    }
    const parsed = parseStyleFile(text, fileName);
    entries.push(...parsed.entries);
    warnings.push(...parsed.warnings);
  }
  return { templates: mergeStyleTemplates(base, entries), warnings };
}
