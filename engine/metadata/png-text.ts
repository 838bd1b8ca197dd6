/**
 * PNG text chunks: insert (before IEND) and read back. As PIL's `PngInfo.add_text` does it
 * (fooocus-semantics §10): tEXt when keyword and text are Latin-1, else an uncompressed iTXt with
 * empty language and translated keyword, the text in UTF-8. Reading also understands zTXt and
 * compressed iTXt.
 */
import { inflateSync } from 'node:zlib';
import { crc32 } from './crc32.ts';

const SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngChunk {
  type: string;
  data: Uint8Array;
  /** Byte offset of the chunk's length field in the file. */
  offset: number;
  isCrcValid: boolean;
}

export interface PngTextEntry {
  keyword: string;
  text: string;
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= SIGNATURE.length && SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Every chunk in file order; throws when the bytes are not a PNG or a chunk runs past the end. */
export function listPngChunks(png: Uint8Array): PngChunk[] {
  if (!isPng(png)) throw new Error('not a PNG (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let offset = SIGNATURE.length;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new Error(`PNG chunk at byte ${offset} runs past the end of the file`);
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    const type = Buffer.from(typeAndData.subarray(0, 4)).toString('latin1');
    chunks.push({
      type,
      data: typeAndData.subarray(4),
      offset,
      isCrcValid: crc32(typeAndData) === view.getUint32(offset + 8 + length),
    });
    offset = end;
    if (type === 'IEND') break;
  }
  return chunks;
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** One tEXt chunk, or iTXt when the keyword or text is not Latin-1. */
export function textChunk({ keyword, text }: PngTextEntry): Buffer {
  if (keyword.length < 1 || keyword.length > 79 || !isLatin1(keyword) || keyword.includes('\0')) {
    throw new Error(`PNG text keyword must be 1–79 Latin-1 characters without NUL, got '${keyword}'`);
  }
  if (isLatin1(text)) return chunk('tEXt', Buffer.from(`${keyword}\0${text}`, 'latin1'));
  // keyword \0, compression flag 0, method 0, language '' \0, translated keyword '' \0, UTF-8 text.
  return chunk(
    'iTXt',
    Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]),
  );
}

/** A copy of `png` with one text chunk per entry inserted just before IEND. */
export function insertPngText(png: Uint8Array, entries: readonly PngTextEntry[]): Uint8Array {
  const iend = listPngChunks(png).find((c) => c.type === 'IEND');
  if (!iend) throw new Error('PNG has no IEND chunk');
  const head = png.subarray(0, iend.offset);
  const tail = png.subarray(iend.offset);
  return new Uint8Array(Buffer.concat([head, ...entries.map(textChunk), tail]));
}

function splitAtNul(data: Uint8Array, from: number): [Uint8Array, number] {
  const nul = data.indexOf(0, from);
  if (nul < 0) return [data.subarray(from), data.length];
  return [data.subarray(from, nul), nul + 1];
}

function decodeTextChunk(type: string, data: Uint8Array): PngTextEntry | null {
  const [keywordBytes, afterKeyword] = splitAtNul(data, 0);
  const keyword = Buffer.from(keywordBytes).toString('latin1');
  if (type === 'tEXt') return { keyword, text: Buffer.from(data.subarray(afterKeyword)).toString('latin1') };
  if (type === 'zTXt') return { keyword, text: inflateSync(data.subarray(afterKeyword + 1)).toString('latin1') };
  if (type !== 'iTXt') return null;
  const isCompressed = data[afterKeyword] === 1;
  const [, afterLanguage] = splitAtNul(data, afterKeyword + 2);
  const [, afterTranslated] = splitAtNul(data, afterLanguage);
  const body = data.subarray(afterTranslated);
  return { keyword, text: (isCompressed ? inflateSync(body) : Buffer.from(body)).toString('utf8') };
}

/** Text chunks (tEXt, zTXt, iTXt) in file order, first occurrence of each keyword winning in `readPngTextMap`. */
export function readPngText(png: Uint8Array): PngTextEntry[] {
  return listPngChunks(png)
    .map((c) => decodeTextChunk(c.type, c.data))
    .filter((entry): entry is PngTextEntry => entry !== null);
}

export function readPngTextMap(png: Uint8Array): Map<string, string> {
  const map = new Map<string, string>();
  for (const { keyword, text } of readPngText(png)) if (!map.has(keyword)) map.set(keyword, text);
  return map;
}
