/**
 * CLIP byte-level BPE tokenizer (the one SDXL's two text encoders share), built from the diffusers
 * `vocab.json` + `merges.txt` pair. Produces raw ids without BOS/EOS; chunking and padding live in
 * engine/text-encoders/prompt-chunks.ts.
 */
import { readFile } from 'node:fs/promises';
import { mergeSymbols } from './byte-pair-merge.ts';
import { bytesToUnicode } from './byte-unicode.ts';
import { cleanClipText, WHITESPACE_CLASS } from './text-clean.ts';

const BOS_TOKEN = '<|startoftext|>';
const EOS_TOKEN = '<|endoftext|>';
const END_OF_WORD = '</w>';

/**
 * CLIP's pre-split: the two special tokens, English contractions, letter runs, single digits, runs of
 * anything else that is not whitespace (punctuation, symbols, emoji).
 */
const PRE_SPLIT = new RegExp(
  `<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^${WHITESPACE_CLASS}\\p{L}\\p{N}]+`,
  'gu',
);

export class ClipTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  private readonly byteChars = bytesToUnicode();
  private readonly utf8 = new TextEncoder();
  /** Pre-token → ids; prompts repeat words a lot, and BPE per word is the costly part. */
  private readonly cache = new Map<string, number[]>();

  private constructor(
    private readonly vocab: Map<string, number>,
    /** "left right" → merge rank (lower merges first). */
    private readonly ranks: Map<string, number>,
  ) {
    this.bosId = ClipTokenizer.requireId(vocab, BOS_TOKEN);
    this.eosId = ClipTokenizer.requireId(vocab, EOS_TOKEN);
  }

  static async fromFiles(vocabJsonPath: string, mergesTxtPath: string): Promise<ClipTokenizer> {
    const [vocabText, mergesText] = await Promise.all([
      readFile(vocabJsonPath, 'utf8'),
      readFile(mergesTxtPath, 'utf8'),
    ]);
    return ClipTokenizer.fromStrings(vocabText, mergesText, vocabJsonPath);
  }

  /** Same as fromFiles, from the files' contents; `source` only names the origin in errors. */
  static fromStrings(vocabJson: string, mergesTxt: string, source = 'vocab.json'): ClipTokenizer {
    const parsed: unknown = JSON.parse(vocabJson);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`tokenizer vocabulary ${source} must be a JSON object of token → id`);
    }
    const vocab = new Map<string, number>();
    for (const [token, id] of Object.entries(parsed)) {
      if (typeof id !== 'number') throw new Error(`tokenizer vocabulary ${source}: id of '${token}' is not a number`);
      vocab.set(token, id);
    }
    const ranks = new Map<string, number>();
    const lines = mergesTxt.split('\n');
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      // The header line ("#version: 0.2") and blank lines carry no merge.
      if (line === '' || line.startsWith('#version')) continue;
      if (line.split(' ').length !== 2) throw new Error(`tokenizer merges: malformed line '${line}'`);
      if (!ranks.has(line)) ranks.set(line, ranks.size);
    }
    return new ClipTokenizer(vocab, ranks);
  }

  /** Raw BPE ids of `text` (no BOS/EOS, no truncation). */
  encode(text: string): number[] {
    const cleaned = cleanClipText(text);
    const ids: number[] = [];
    for (const match of cleaned.matchAll(PRE_SPLIT)) {
      for (const id of this.encodePreToken(match[0])) ids.push(id);
    }
    return ids;
  }

  private encodePreToken(token: string): number[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    let ids: number[];
    if (token === BOS_TOKEN || token === EOS_TOKEN) {
      ids = [ClipTokenizer.requireId(this.vocab, token)];
    } else {
      let mapped = '';
      for (const byte of this.utf8.encode(token)) mapped += this.byteChars[byte];
      ids = this.bpe(mapped).map((symbol) => ClipTokenizer.requireId(this.vocab, symbol));
    }
    this.cache.set(token, ids);
    return ids;
  }

  /** Greedy BPE; CLIP marks the last character of the word with `</w>`. */
  private bpe(word: string): string[] {
    const chars = Array.from(word);
    return mergeSymbols([...chars.slice(0, -1), chars[chars.length - 1] + END_OF_WORD], this.ranks);
  }

  private static requireId(vocab: Map<string, number>, token: string): number {
    const id = vocab.get(token);
    if (id === undefined) throw new Error(`tokenizer vocabulary has no entry for '${token}'`);
    return id;
  }
}
