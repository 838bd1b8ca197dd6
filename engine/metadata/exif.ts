/**
 * A minimal EXIF block (a TIFF structure) carrying what Fooocus writes into JPEG/WebP files
 * (fooocus-semantics §10): Software (0x0131) in IFD0, and in the Exif IFD MakerNote (0x927C) = the
 * scheme and UserComment (0x9286) = the metadata text behind its 8-byte character-code header.
 * Reading accepts either byte order and finds the two Exif tags in IFD0 too (PIL writes them there).
 *
 * Byte order: big-endian ("MM"). The Exif spec leaves the byte order of `UNICODE` comments
 * unstated; piexif (A1111, most Python readers) always reads UTF-16BE and exiftool follows the TIFF
 * byte order. Writing MM with UTF-16BE satisfies both. Pure-ASCII text (every fooocus-scheme
 * string) goes under the `ASCII` header, one byte a character.
 */

const IS_LITTLE_ENDIAN = false;

const TAG_SOFTWARE = 0x0131;
const TAG_EXIF_IFD = 0x8769;
const TAG_MAKER_NOTE = 0x927c;
const TAG_USER_COMMENT = 0x9286;
const TYPE_ASCII = 2;
const TYPE_LONG = 4;
const TYPE_UNDEFINED = 7;
const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
};

const HEADER_ASCII = Buffer.from('ASCII\0\0\0', 'latin1');
const HEADER_UNICODE = Buffer.from('UNICODE\0', 'latin1');

export interface ExifFields {
  userComment?: string;
  makerNote?: string;
  software?: string;
}

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  value: Uint8Array;
}

function utf16(text: string, isLittleEndian: boolean): Buffer {
  const out = Buffer.from(text, 'utf16le');
  if (!isLittleEndian) out.swap16();
  return out;
}

/** UserComment bytes: 8-byte character code, then the text (no terminator). */
export function encodeUserComment(text: string, isLittleEndian = IS_LITTLE_ENDIAN): Buffer {
  const isAscii = [...text].every((ch) => ch.charCodeAt(0) < 0x80);
  return isAscii
    ? Buffer.concat([HEADER_ASCII, Buffer.from(text, 'latin1')])
    : Buffer.concat([HEADER_UNICODE, utf16(text, isLittleEndian)]);
}

function decodeUserComment(bytes: Uint8Array, isLittleEndian: boolean): string {
  const header = Buffer.from(bytes.subarray(0, 8)).toString('latin1');
  const body = Buffer.from(bytes.subarray(8));
  let text: string;
  if (header === 'UNICODE\0') {
    let isLe = isLittleEndian;
    let start = 0;
    if (body[0] === 0xfe && body[1] === 0xff) [isLe, start] = [false, 2];
    else if (body[0] === 0xff && body[1] === 0xfe) [isLe, start] = [true, 2];
    const units = Buffer.from(body.subarray(start, start + ((body.length - start) & ~1)));
    if (!isLe) units.swap16();
    text = units.toString('utf16le');
  } else if (header === 'ASCII\0\0\0' || header === '\0\0\0\0\0\0\0\0') {
    text = body.toString('utf8');
  } else if (header === 'JIS\0\0\0\0\0') {
    text = body.toString('latin1');
  } else {
    // No character-code header (some writers store the bare text).
    text = Buffer.from(bytes).toString('utf8');
  }
  return text.replace(/\0+$/, '');
}

function writeIfd(
  view: DataView,
  bytes: Uint8Array,
  at: number,
  entries: IfdEntry[],
  dataAt: number,
  isLe: boolean,
): number {
  view.setUint16(at, entries.length, isLe);
  let data = dataAt;
  entries.forEach((entry, i) => {
    const p = at + 2 + i * 12;
    view.setUint16(p, entry.tag, isLe);
    view.setUint16(p + 2, entry.type, isLe);
    view.setUint32(p + 4, entry.count, isLe);
    if (entry.value.length <= 4) {
      bytes.set(entry.value, p + 8);
    } else {
      view.setUint32(p + 8, data, isLe);
      bytes.set(entry.value, data);
      data += entry.value.length + (entry.value.length & 1);
    }
  });
  view.setUint32(at + 2 + entries.length * 12, 0, isLe);
  return data;
}

function ifdSize(entries: IfdEntry[]): { table: number; data: number } {
  return {
    table: 2 + entries.length * 12 + 4,
    data: entries.reduce((sum, e) => sum + (e.value.length > 4 ? e.value.length + (e.value.length & 1) : 0), 0),
  };
}

function long(value: number, isLe: boolean): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, isLe);
  return out;
}

/** The TIFF bytes of an EXIF block ("MM\0*" …), as an APP1 segment or WebP EXIF chunk carries them. */
export function buildExif(fields: ExifFields, isLittleEndian = IS_LITTLE_ENDIAN): Uint8Array {
  const isLe = isLittleEndian;
  const exifEntries: IfdEntry[] = [];
  if (fields.makerNote !== undefined) {
    const value = Buffer.from(fields.makerNote, 'utf8');
    exifEntries.push({ tag: TAG_MAKER_NOTE, type: TYPE_UNDEFINED, count: value.length, value });
  }
  if (fields.userComment !== undefined) {
    const value = encodeUserComment(fields.userComment, isLe);
    exifEntries.push({ tag: TAG_USER_COMMENT, type: TYPE_UNDEFINED, count: value.length, value });
  }
  const ifd0: IfdEntry[] = [];
  if (fields.software !== undefined) {
    const value = Buffer.from(`${fields.software}\0`, 'utf8');
    ifd0.push({ tag: TAG_SOFTWARE, type: TYPE_ASCII, count: value.length, value });
  }
  if (exifEntries.length > 0) ifd0.push({ tag: TAG_EXIF_IFD, type: TYPE_LONG, count: 1, value: new Uint8Array(4) });

  const size0 = ifdSize(ifd0);
  const exifAt = 8 + size0.table + size0.data;
  const sizeExif = ifdSize(exifEntries);
  const total = exifEntries.length > 0 ? exifAt + sizeExif.table + sizeExif.data : exifAt;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(Buffer.from(isLe ? 'II' : 'MM', 'latin1'), 0);
  view.setUint16(2, 42, isLe);
  view.setUint32(4, 8, isLe);
  const pointer = ifd0.find((e) => e.tag === TAG_EXIF_IFD);
  if (pointer) pointer.value = long(exifAt, isLe);
  writeIfd(view, bytes, 8, ifd0, 8 + size0.table, isLe);
  if (exifEntries.length > 0) writeIfd(view, bytes, exifAt, exifEntries, exifAt + sizeExif.table, isLe);
  return bytes;
}

function readIfd(view: DataView, at: number, isLe: boolean): Map<number, { type: number; value: Uint8Array }> {
  const out = new Map<number, { type: number; value: Uint8Array }>();
  if (at + 2 > view.byteLength) throw new Error(`EXIF IFD offset ${at} is past the end of the block`);
  const count = view.getUint16(at, isLe);
  for (let i = 0; i < count; i++) {
    const p = at + 2 + i * 12;
    if (p + 12 > view.byteLength) throw new Error('EXIF IFD runs past the end of the block');
    const type = view.getUint16(p + 2, isLe);
    const length = view.getUint32(p + 4, isLe) * (TYPE_SIZES[type] ?? 1);
    const start = length <= 4 ? p + 8 : view.getUint32(p + 8, isLe);
    if (start + length > view.byteLength)
      throw new Error(`EXIF tag 0x${view.getUint16(p, isLe).toString(16)} runs past the end of the block`);
    out.set(view.getUint16(p, isLe), { type, value: new Uint8Array(view.buffer, view.byteOffset + start, length) });
  }
  return out;
}

/** The fields we write, from a TIFF block (an optional leading `Exif\0\0` is skipped). */
export function readExif(block: Uint8Array): ExifFields {
  const tiff = Buffer.from(block.subarray(0, 6)).toString('latin1') === 'Exif\0\0' ? block.subarray(6) : block;
  const order = Buffer.from(tiff.subarray(0, 2)).toString('latin1');
  if (order !== 'II' && order !== 'MM') throw new Error('not a TIFF/EXIF block (bad byte-order mark)');
  const isLe = order === 'II';
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  if (view.getUint16(2, isLe) !== 42) throw new Error('not a TIFF/EXIF block (bad magic)');
  const ifd0 = readIfd(view, view.getUint32(4, isLe), isLe);
  const pointer = ifd0.get(TAG_EXIF_IFD);
  const exifIfd = pointer
    ? readIfd(view, new DataView(pointer.value.buffer, pointer.value.byteOffset, 4).getUint32(0, isLe), isLe)
    : new Map();
  const tag = (id: number): { type: number; value: Uint8Array } | undefined => exifIfd.get(id) ?? ifd0.get(id);
  const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8').replace(/\0+$/, '');
  const fields: ExifFields = {};
  const comment = tag(TAG_USER_COMMENT);
  if (comment) fields.userComment = decodeUserComment(comment.value, isLe);
  const makerNote = tag(TAG_MAKER_NOTE);
  if (makerNote) fields.makerNote = text(makerNote.value);
  const software = ifd0.get(TAG_SOFTWARE);
  if (software) fields.software = text(software.value);
  return fields;
}
