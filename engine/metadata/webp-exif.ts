/**
 * EXIF in a WebP (RIFF container). A simple file (one VP8 or VP8L chunk) is converted to the
 * extended form: a VP8X header chunk (flags + canvas size) first, with the EXIF flag set, and an
 * `EXIF` chunk after the image data (the container spec's order: VP8X, ICCP, ANIM, image, EXIF,
 * XMP). An existing VP8X file gets the flag and its EXIF chunk replaced. The RIFF size is rewritten.
 */

const FLAG_ALPHA = 0x10;
const FLAG_EXIF = 0x08;

interface RiffChunk {
  fourcc: string;
  data: Uint8Array;
}

function parseWebp(webp: Uint8Array): RiffChunk[] {
  const text = (from: number, to: number): string => Buffer.from(webp.subarray(from, to)).toString('latin1');
  if (webp.length < 12 || text(0, 4) !== 'RIFF' || text(8, 12) !== 'WEBP')
    throw new Error('not a WebP (no RIFF/WEBP header)');
  const view = new DataView(webp.buffer, webp.byteOffset, webp.byteLength);
  const end = Math.min(webp.length, 8 + view.getUint32(4, true));
  const chunks: RiffChunk[] = [];
  let p = 12;
  while (p + 8 <= end) {
    const size = view.getUint32(p + 4, true);
    if (p + 8 + size > end) throw new Error(`WebP chunk at byte ${p} runs past the end of the file`);
    chunks.push({ fourcc: text(p, p + 4), data: webp.subarray(p + 8, p + 8 + size) });
    p += 8 + size + (size & 1);
  }
  return chunks;
}

function serialise(chunks: RiffChunk[]): Uint8Array {
  const body = chunks.flatMap(({ fourcc, data }) => {
    const header = Buffer.alloc(8);
    header.write(fourcc, 0, 'latin1');
    header.writeUInt32LE(data.length, 4);
    return data.length & 1 ? [header, data, Buffer.alloc(1)] : [header, data];
  });
  const riff = Buffer.alloc(12);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(4 + body.reduce((sum, part) => sum + part.length, 0), 4);
  riff.write('WEBP', 8, 'latin1');
  return new Uint8Array(Buffer.concat([riff, ...body]));
}

/** Canvas size and alpha of a simple file's image chunk. */
function imageInfo(chunk: RiffChunk): { width: number; height: number; hasAlpha: boolean } {
  const d = chunk.data;
  if (chunk.fourcc === 'VP8 ') {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height (2 scale bits above each).
    if (d.length < 10 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a)
      throw new Error('WebP VP8 chunk has no key-frame header');
    return { width: (d[6] | (d[7] << 8)) & 0x3fff, height: (d[8] | (d[9] << 8)) & 0x3fff, hasAlpha: false };
  }
  // VP8L: signature 0x2f, then width−1 (14 bits), height−1 (14 bits), alpha_is_used (1 bit), LSB first.
  if (d.length < 5 || d[0] !== 0x2f) throw new Error('WebP VP8L chunk has no signature');
  const bits = (d[1] | (d[2] << 8) | (d[3] << 16) | (d[4] << 24)) >>> 0;
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, hasAlpha: ((bits >>> 28) & 1) === 1 };
}

function vp8x(flags: number, width: number, height: number): RiffChunk {
  const data = new Uint8Array(10);
  data[0] = flags;
  for (let i = 0; i < 3; i++) {
    data[4 + i] = ((width - 1) >>> (8 * i)) & 0xff;
    data[7 + i] = ((height - 1) >>> (8 * i)) & 0xff;
  }
  return { fourcc: 'VP8X', data };
}

/** A copy of `webp` in the extended format carrying `tiff` (from buildExif) as its EXIF chunk. */
export function insertWebpExif(webp: Uint8Array, tiff: Uint8Array): Uint8Array {
  const chunks = parseWebp(webp).filter((c) => c.fourcc !== 'EXIF');
  const exif: RiffChunk = { fourcc: 'EXIF', data: tiff };
  if (chunks[0]?.fourcc === 'VP8X') {
    const header = { fourcc: 'VP8X', data: Uint8Array.from(chunks[0].data) };
    header.data[0] |= FLAG_EXIF;
    const xmp = chunks.findIndex((c) => c.fourcc === 'XMP ');
    const rest = chunks.slice(1);
    if (xmp > 0) rest.splice(xmp - 1, 0, exif);
    else rest.push(exif);
    return serialise([header, ...rest]);
  }
  const image = chunks.find((c) => c.fourcc === 'VP8 ' || c.fourcc === 'VP8L');
  if (!image || chunks.length !== 1)
    throw new Error(`unexpected simple WebP layout: ${chunks.map((c) => c.fourcc).join(', ')}`);
  const { width, height, hasAlpha } = imageInfo(image);
  return serialise([vp8x(FLAG_EXIF | (hasAlpha ? FLAG_ALPHA : 0), width, height), image, exif]);
}

/** The TIFF block of the EXIF chunk, or null when there is none. */
export function readWebpExif(webp: Uint8Array): Uint8Array | null {
  return parseWebp(webp).find((c) => c.fourcc === 'EXIF')?.data ?? null;
}
