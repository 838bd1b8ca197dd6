/**
 * EXIF in a JPEG: one APP1 segment `Exif\0\0` + TIFF block, right after SOI (after the JFIF APP0
 * when the file starts with one, which JFIF requires to come first). Any earlier Exif APP1 is
 * replaced. The segment length is 16 bits, so the TIFF block is capped at 65 527 bytes.
 */

const EXIF_PREFIX = Buffer.from('Exif\0\0', 'latin1');
/** 65 535 (largest length field) − 2 (the length field itself) − 6 (`Exif\0\0`). */
export const MAX_JPEG_EXIF_BYTES = 65535 - 2 - EXIF_PREFIX.length;

export class ExifTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`the EXIF block is ${size} bytes; a JPEG APP1 segment holds at most ${MAX_JPEG_EXIF_BYTES}`);
    this.name = 'ExifTooLargeError';
  }
}

interface Segment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  start: number;
  /** Offset just past the segment's payload. */
  end: number;
  payload: Uint8Array;
}

/** Marker segments between SOI and SOS (the entropy-coded data is never parsed). */
function headerSegments(jpeg: Uint8Array): Segment[] {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  const segments: Segment[] = [];
  let p = 2;
  while (p + 4 <= jpeg.length) {
    if (jpeg[p] !== 0xff) throw new Error(`JPEG marker expected at byte ${p}`);
    let q = p + 1;
    while (jpeg[q] === 0xff && q < jpeg.length) q++; // fill bytes
    const marker = jpeg[q];
    if (marker === 0xd9 || marker === 0xda) break; // EOI, SOS
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p = q + 1;
      continue;
    }
    const length = (jpeg[q + 1] << 8) | jpeg[q + 2];
    const end = q + 1 + length;
    if (length < 2 || end > jpeg.length) throw new Error(`JPEG segment at byte ${p} runs past the end of the file`);
    segments.push({ marker, start: p, end, payload: jpeg.subarray(q + 3, end) });
    p = end;
  }
  return segments;
}

function isExifSegment(segment: Segment): boolean {
  return segment.marker === 0xe1 && Buffer.from(segment.payload.subarray(0, 6)).equals(EXIF_PREFIX);
}

/** A copy of `jpeg` carrying `tiff` (from buildExif) as its only Exif APP1 segment. */
export function insertJpegExif(jpeg: Uint8Array, tiff: Uint8Array): Uint8Array {
  if (tiff.length > MAX_JPEG_EXIF_BYTES) throw new ExifTooLargeError(tiff.length);
  const segments = headerSegments(jpeg);
  const first = segments[0];
  const isJfifFirst =
    first !== undefined &&
    first.start === 2 &&
    first.marker === 0xe0 &&
    Buffer.from(first.payload.subarray(0, 5)).toString('latin1') === 'JFIF\0';
  const insertAt = isJfifFirst ? first.end : 2;
  const app1 = Buffer.alloc(4 + EXIF_PREFIX.length + tiff.length);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(2 + EXIF_PREFIX.length + tiff.length, 2);
  app1.set(EXIF_PREFIX, 4);
  app1.set(tiff, 4 + EXIF_PREFIX.length);
  const parts: Uint8Array[] = [jpeg.subarray(0, insertAt), app1];
  let p = insertAt;
  for (const segment of segments.filter((s) => s.start >= insertAt && isExifSegment(s))) {
    parts.push(jpeg.subarray(p, segment.start));
    p = segment.end;
  }
  parts.push(jpeg.subarray(p));
  return new Uint8Array(Buffer.concat(parts));
}

/** The TIFF block of the first Exif APP1 segment, or null when there is none. */
export function readJpegExif(jpeg: Uint8Array): Uint8Array | null {
  const segment = headerSegments(jpeg).find(isExifSegment);
  return segment ? segment.payload.subarray(EXIF_PREFIX.length) : null;
}
