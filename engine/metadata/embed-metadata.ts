/**
 * Where the metadata string goes in each output format (fooocus-semantics §10): PNG text chunks
 * `parameters` + `fooocus_scheme`; JPEG/WebP EXIF UserComment + MakerNote (scheme) + Software.
 * And the way back, for tests and for importing parameters from our own images.
 */
import type { OutputFormat } from '../protocol.ts';
import type { MetadataScheme } from './build-metadata.ts';
import { buildExif, readExif } from './exif.ts';
import { insertJpegExif, readJpegExif } from './jpeg-exif.ts';
import { insertPngText, readPngTextMap } from './png-text.ts';
import { insertWebpExif, readWebpExif } from './webp-exif.ts';

export interface EmbeddedMetadata {
  /** The serialised record (serializeMetadata). */
  parameters: string;
  scheme: MetadataScheme;
  /** EXIF Software; PNG files do not carry it (Fooocus writes only the two text chunks). */
  software: string;
}

export interface ReadMetadata {
  parameters: string;
  /** As stored: `fooocus`, `a1111`, or null when the file does not say. */
  scheme: string | null;
  software: string | null;
}

export function exifBlockFor(metadata: EmbeddedMetadata): Uint8Array {
  return buildExif({ userComment: metadata.parameters, makerNote: metadata.scheme, software: metadata.software });
}

/** A copy of the encoded image carrying `metadata`. */
export function embedMetadata(bytes: Uint8Array, format: OutputFormat, metadata: EmbeddedMetadata): Uint8Array {
  switch (format) {
    case 'png':
      return insertPngText(bytes, [
        { keyword: 'parameters', text: metadata.parameters },
        { keyword: 'fooocus_scheme', text: metadata.scheme },
      ]);
    case 'jpeg':
      return insertJpegExif(bytes, exifBlockFor(metadata));
    case 'webp':
      return insertWebpExif(bytes, exifBlockFor(metadata));
  }
}

function formatOf(bytes: Uint8Array): OutputFormat | null {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpeg';
  if (
    Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'RIFF' &&
    Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP'
  )
    return 'webp';
  return null;
}

/** The metadata of a PNG, JPEG or WebP file, or null when it carries none. */
export function readEmbeddedMetadata(bytes: Uint8Array): ReadMetadata | null {
  const format = formatOf(bytes);
  if (format === null) throw new Error('not a PNG, JPEG or WebP file');
  if (format === 'png') {
    const text = readPngTextMap(bytes);
    const parameters = text.get('parameters');
    return parameters === undefined
      ? null
      : { parameters, scheme: text.get('fooocus_scheme') ?? null, software: text.get('Software') ?? null };
  }
  const tiff = format === 'jpeg' ? readJpegExif(bytes) : readWebpExif(bytes);
  if (tiff === null) return null;
  const fields = readExif(tiff);
  if (fields.userComment === undefined) return null;
  return { parameters: fields.userComment, scheme: fields.makerNote ?? null, software: fields.software ?? null };
}
