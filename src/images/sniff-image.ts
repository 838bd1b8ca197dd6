/**
 * Format and dimensions from an image's header only: no pixel is decoded, so this is the one image
 * operation allowed on the gateway loop (DECISIONS §2). Returns null for anything it cannot read.
 */
export type SniffedFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'bmp';

export interface SniffedImage {
  format: SniffedFormat;
  width: number;
  height: number;
}

export function sniffImage(bytes: Uint8Array): SniffedImage | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (offset: number, length: number) =>
    bytes.length >= offset + length ? String.fromCharCode(...bytes.subarray(offset, offset + length)) : '';
  const result = (format: SniffedFormat, width: number, height: number): SniffedImage | null =>
    width > 0 && height > 0 ? { format, width, height } : null;

  try {
    if (ascii(0, 8) === '\x89PNG\r\n\x1a\n' && ascii(12, 4) === 'IHDR') {
      return result('png', view.getUint32(16), view.getUint32(20));
    }
    if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return sniffJpeg(bytes, view);
    if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return sniffWebp(ascii(12, 4), bytes, view, result);
    if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') {
      return result('gif', view.getUint16(6, true), view.getUint16(8, true));
    }
    if (ascii(0, 2) === 'BM') {
      // BITMAPCOREHEADER (12 bytes) has 16-bit sizes; later headers 32-bit, negative height = top-down.
      if (view.getUint32(14, true) === 12) return result('bmp', view.getUint16(18, true), view.getUint16(20, true));
      return result('bmp', Math.abs(view.getInt32(18, true)), Math.abs(view.getInt32(22, true)));
    }
  } catch {
    // A header cut short (DataView RangeError) is simply not sniffable.
  }
  return null;
}

/** Walks the marker segments' headers up to the first start-of-frame (SOF0–SOF15 bar DHT/JPG/DAC). */
function sniffJpeg(bytes: Uint8Array, view: DataView): SniffedImage | null {
  let offset = 2;
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return null;
    const marker = bytes[offset + 1];
    if (marker === 0xff) {
      offset += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      offset += 2; // markers without a length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before any frame
    const length = view.getUint16(offset + 2);
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      const height = view.getUint16(offset + 5);
      const width = view.getUint16(offset + 7);
      return width > 0 && height > 0 ? { format: 'jpeg', width, height } : null;
    }
    if (length < 2) return null;
    offset += 2 + length;
  }
  return null;
}

function sniffWebp(
  chunk: string,
  bytes: Uint8Array,
  view: DataView,
  result: (format: SniffedFormat, width: number, height: number) => SniffedImage | null,
): SniffedImage | null {
  if (chunk === 'VP8 ') {
    // Lossy: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return null;
    return result('webp', view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2f, then (width-1) and (height-1) as 14-bit fields.
    if (bytes[20] !== 0x2f) return null;
    const bits = view.getUint32(21, true);
    return result('webp', (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (chunk === 'VP8X') {
    // Extended: 24-bit (canvas width-1) and (height-1) after 4 bytes of flags.
    const width = (bytes[24] | (bytes[25] << 8) | (bytes[26] << 16)) + 1;
    const height = (bytes[27] | (bytes[28] << 8) | (bytes[29] << 16)) + 1;
    return bytes.length >= 30 ? result('webp', width, height) : null;
  }
  return null;
}
