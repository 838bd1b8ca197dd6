/**
 * Decoding side of a Hugging Face `tokenizer.json` (the file transformers.js and optimum ship with
 * a captioner): ids → text, for the vocabularies captioners use — byte-level BPE (GPT-2 decoders),
 * WordPiece (BLIP's BERT decoder) and Metaspace/SentencePiece pieces. Special tokens are skipped
 * and transformers' tokenization-space clean-up applied, as `decode(ids, skip_special_tokens)` does.
 */
import { cleanUpTokenizationSpaces } from '../expansion/gpt2-tokenizer.ts';
import { bytesToUnicode } from '../tokenizer/byte-unicode.ts';

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number> | [string, number][]; continuing_subword_prefix?: string };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  decoder?: DecoderJson | null;
}

interface DecoderJson {
  type?: string;
  prefix?: string;
  replacement?: string;
  decoders?: DecoderJson[];
}

type DecodeStyle = 'byte-level' | 'wordpiece' | 'metaspace' | 'plain';

function styleOf(decoder: DecoderJson | null | undefined, modelType: string | undefined): DecodeStyle {
  const types = new Set<string>();
  const walk = (d: DecoderJson | null | undefined): void => {
    if (!d) return;
    if (d.type) types.add(d.type);
    d.decoders?.forEach(walk);
  };
  walk(decoder);
  if (types.has('ByteLevel')) return 'byte-level';
  if (types.has('WordPiece') || modelType === 'WordPiece') return 'wordpiece';
  if (types.has('Metaspace') || types.has('Replace')) return 'metaspace';
  return 'plain';
}

export class CaptionTokenizer {
  private readonly tokens = new Map<number, string>();
  private readonly special = new Set<number>();
  private readonly style: DecodeStyle;
  private readonly subwordPrefix: string;
  private readonly charBytes = new Map(bytesToUnicode().map((char, byte) => [char, byte]));

  constructor(json: TokenizerJson) {
    const vocab = json.model?.vocab ?? {};
    if (Array.isArray(vocab)) vocab.forEach(([piece], id) => this.tokens.set(id, piece));
    else for (const [token, id] of Object.entries(vocab)) this.tokens.set(id, token);
    for (const added of json.added_tokens ?? []) {
      this.tokens.set(added.id, added.content);
      if (added.special) this.special.add(added.id);
    }
    this.style = styleOf(json.decoder, json.model?.type);
    this.subwordPrefix = json.model?.continuing_subword_prefix ?? json.decoder?.prefix ?? '##';
  }

  static parse(text: string): CaptionTokenizer {
    return new CaptionTokenizer(JSON.parse(text) as TokenizerJson);
  }

  get vocabSize(): number {
    return this.tokens.size;
  }

  decode(ids: readonly number[]): string {
    const pieces = ids.filter((id) => !this.special.has(id)).map((id) => this.tokens.get(id) ?? '');
    switch (this.style) {
      case 'byte-level': {
        const bytes = Uint8Array.from(Array.from(pieces.join('')).map((ch) => this.charBytes.get(ch) ?? 0x3f));
        return cleanUpTokenizationSpaces(new TextDecoder().decode(bytes)).trim();
      }
      case 'wordpiece': {
        let text = '';
        for (const piece of pieces) {
          if (piece.startsWith(this.subwordPrefix)) text += piece.slice(this.subwordPrefix.length);
          else text += text === '' ? piece : ` ${piece}`;
        }
        return cleanUpTokenizationSpaces(text).trim();
      }
      case 'metaspace':
        return cleanUpTokenizationSpaces(pieces.join('').replaceAll('▁', ' ')).trim();
      case 'plain':
        return cleanUpTokenizationSpaces(pieces.join(' ')).trim();
    }
  }
}
