/**
 * GPT-2 byte-level BPE tokenizer (the Fooocus V2 expansion model's), built from the HF
 * `vocab.json` + `merges.txt` pair. Unlike CLIP: no lower-casing or text cleaning, no end-of-word
 * suffix, the space travels inside the token as 'Ġ', and no BOS/EOS is added.
 */
import { readFile } from 'node:fs/promises';
import { mergeSymbols } from '../tokenizer/byte-pair-merge.ts';
import { bytesToUnicode } from '../tokenizer/byte-unicode.ts';

export const END_OF_TEXT = '<|endoftext|>';

/**
 * GPT-2's pre-split (the `tokenizers` ByteLevel regex): contractions, letter/number/symbol runs with one leading space,
 * whitespace.
 */
const PRE_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export interface Gpt2DecodeOptions {
  /** Drop `<|endoftext|>` (HF `skip_special_tokens`). Default false. */
  skipSpecialTokens?: boolean;
  /** HF `clean_up_tokenization_spaces`: " ," → "," and friends. Default false. */
  cleanUpTokenizationSpaces?: boolean;
}

export class Gpt2Tokenizer {
  /** Id of `<|endoftext|>` (GPT-2's EOS), or null when the vocabulary has none. */
  readonly eosId: number | null;
  private readonly byteChars = bytesToUnicode();
  private readonly charBytes = new Map(this.byteChars.map((char, byte) => [char, byte]));
  private readonly tokens = new Map<number, string>();
  private readonly specialIds = new Set<number>();
  private readonly utf8 = new TextEncoder();
  /** Pre-token → ids; prompts repeat words, and BPE per word is the costly part. */
  private readonly cache = new Map<string, number[]>();

  private constructor(
    readonly vocab: ReadonlyMap<string, number>,
    /** "left right" → merge rank (lower merges first). */
    private readonly ranks: ReadonlyMap<string, number>,
  ) {
    for (const [token, id] of vocab) this.tokens.set(id, token);
    this.eosId = vocab.get(END_OF_TEXT) ?? null;
    if (this.eosId !== null) this.specialIds.add(this.eosId);
  }

  static async fromFiles(vocabJson: string, mergesTxt: string): Promise<Gpt2Tokenizer> {
    const [vocabText, mergesText] = await Promise.all([readFile(vocabJson, 'utf8'), readFile(mergesTxt, 'utf8')]);
    return Gpt2Tokenizer.fromStrings(vocabText, mergesText, vocabJson);
  }

  /** Same as fromFiles, from the files' contents; `source` only names the origin in errors. */
  static fromStrings(vocabJson: string, mergesTxt: string, source = 'vocab.json'): Gpt2Tokenizer {
    const parsed: unknown = JSON.parse(vocabJson);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`GPT-2 vocabulary ${source} must be a JSON object of token → id`);
    }
    const vocab = new Map<string, number>();
    for (const [token, id] of Object.entries(parsed)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
        throw new Error(`GPT-2 vocabulary ${source}: id of '${token}' is not a non-negative integer`);
      vocab.set(token, id);
    }
    const ranks = new Map<string, number>();
    for (const raw of mergesTxt.split('\n')) {
      const line = raw.replace(/\r$/, '');
      // The header line ("#version: 0.2") and blank lines carry no merge.
      if (line === '' || line.startsWith('#version')) continue;
      if (line.split(' ').length !== 2) throw new Error(`GPT-2 merges: malformed line '${line}'`);
      if (!ranks.has(line)) ranks.set(line, ranks.size);
    }
    return new Gpt2Tokenizer(vocab, ranks);
  }

  /** Raw BPE ids of `text`; a literal `<|endoftext|>` becomes the special id, as HF's fast tokenizer does. */
  encode(text: string): number[] {
    const ids: number[] = [];
    const pieces = this.eosId === null ? [text] : text.split(END_OF_TEXT);
    pieces.forEach((piece, index) => {
      if (index > 0) ids.push(this.eosId as number);
      for (const match of piece.matchAll(PRE_SPLIT)) {
        for (const id of this.encodePreToken(match[0])) ids.push(id);
      }
    });
    return ids;
  }

  /** Token strings → bytes → UTF-8 (invalid sequences become U+FFFD, like HF's errors="replace"). */
  decode(ids: readonly number[], options: Gpt2DecodeOptions = {}): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (options.skipSpecialTokens && this.specialIds.has(id)) continue;
      const token = this.tokens.get(id);
      if (token === undefined) throw new RangeError(`GPT-2 token id ${id} is not in the vocabulary`);
      for (const char of token) {
        const byte = this.charBytes.get(char);
        if (byte !== undefined) bytes.push(byte);
        else for (const b of this.utf8.encode(char)) bytes.push(b); // added tokens hold plain text
      }
    }
    const text = new TextDecoder('utf-8').decode(Uint8Array.from(bytes));
    return options.cleanUpTokenizationSpaces ? cleanUpTokenizationSpaces(text) : text;
  }

  private encodePreToken(token: string): number[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    let mapped = '';
    for (const byte of this.utf8.encode(token)) mapped += this.byteChars[byte];
    const ids = bytePairMerge(mapped, this.ranks).map((symbol) => {
      const id = this.vocab.get(symbol);
      if (id === undefined) throw new Error(`GPT-2 vocabulary has no entry for '${symbol}'`);
      return id;
    });
    this.cache.set(token, ids);
    return ids;
  }
}

/** Greedy BPE over the characters of `word` (GPT-2 has no end-of-word marker). */
export function bytePairMerge(word: string, ranks: ReadonlyMap<string, number>): string[] {
  return mergeSymbols(Array.from(word), ranks);
}

/** transformers' `clean_up_tokenization` (PreTrainedTokenizerBase), replacement order kept. */
export function cleanUpTokenizationSpaces(text: string): string {
  return text
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
