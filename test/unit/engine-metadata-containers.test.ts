/**
 * Metadata in the files (fooocus-semantics §10): CRC-32, PNG text chunks, EXIF blocks in JPEG
 * APP1 and WebP RIFF, each written into a real encoder output and read back; the image must still
 * decode to the same size.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createJimp } from '@jimp/core';
import webp from '@jimp/wasm-webp';
import { defaultFormats } from 'jimp';
import { encodeImage } from '../../engine/image/encode-image.ts';
import { allowFileUrlFetch } from '../../engine/image/wasm-file-fetch.ts';
import { crc32 } from '../../engine/metadata/crc32.ts';
import { embedMetadata, readEmbeddedMetadata, type EmbeddedMetadata } from '../../engine/metadata/embed-metadata.ts';
import { buildExif, readExif } from '../../engine/metadata/exif.ts';
import {
  ExifTooLargeError,
  insertJpegExif,
  MAX_JPEG_EXIF_BYTES,
  readJpegExif,
} from '../../engine/metadata/jpeg-exif.ts';
import { insertPngText, listPngChunks, readPngTextMap } from '../../engine/metadata/png-text.ts';
import { insertWebpExif, readWebpExif } from '../../engine/metadata/webp-exif.ts';
import type { RgbaImage } from '../../engine/vae/vae-decoder.ts';

const Jimp = createJimp({ formats: [...defaultFormats, webp] });

function image(width: number, height: number, alpha = 255): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([(i * 37) % 256, (i * 59) % 256, (i * 17) % 256, alpha], i * 4);
  return { width, height, data };
}

async function decodedSize(bytes: Uint8Array): Promise<[number, number]> {
  allowFileUrlFetch();
  const decoded = await Jimp.fromBuffer(Buffer.from(bytes));
  return [decoded.bitmap.width, decoded.bitmap.height];
}

const ASCII_META: EmbeddedMetadata = {
  parameters: '{"prompt": "a fox", "seed": "42"}',
  scheme: 'fooocus',
  software: 'fooocus-gateway 0.1.0',
};
const UNICODE_META: EmbeddedMetadata = {
  parameters: 'a fox — 雪 🦊, café\nNegative prompt: blurry\nSteps: 2, Seed: 42',
  scheme: 'a1111',
  software: 'fooocus-gateway 0.1.0',
};

function riffChunks(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const buf = Buffer.from(bytes);
  for (let p = 12; p + 8 <= buf.length;) {
    const size = buf.readUInt32LE(p + 4);
    out.push(buf.toString('latin1', p, p + 4));
    p += 8 + size + (size & 1);
  }
  return out;
}

describe('crc32', () => {
  it('matches the known CRCs of IEND and the check string', () => {
    assert.equal(crc32(Buffer.from('IEND', 'latin1')), 0xae426082);
    assert.equal(crc32(Buffer.from('123456789', 'latin1')), 0xcbf43926);
    assert.equal(crc32(Buffer.from('IE', 'latin1'), Buffer.from('ND', 'latin1')), 0xae426082);
    assert.equal(crc32(new Uint8Array(0)), 0);
  });
});

describe('PNG text chunks', () => {
  it('inserts tEXt before IEND with valid CRCs, reads it back, and the image still decodes at its size', async () => {
    const png = await encodeImage(image(7, 5), 'png');
    const out = insertPngText(png, [
      { keyword: 'parameters', text: 'café, 42' },
      { keyword: 'fooocus_scheme', text: 'fooocus' },
    ]);
    const chunks = listPngChunks(out);
    assert.deepEqual(
      chunks.slice(-3).map((c) => c.type),
      ['tEXt', 'tEXt', 'IEND'],
    );
    assert.ok(chunks.every((c) => c.isCrcValid));
    assert.deepEqual(
      [...readPngTextMap(out)],
      [
        ['parameters', 'café, 42'],
        ['fooocus_scheme', 'fooocus'],
      ],
    );
    assert.deepEqual(await decodedSize(out), [7, 5]);
  });

  it('falls back to iTXt (UTF-8) for text that is not Latin-1', async () => {
    const out = embedMetadata(await encodeImage(image(4, 4), 'png'), 'png', UNICODE_META);
    assert.deepEqual(
      listPngChunks(out)
        .slice(-3)
        .map((c) => c.type),
      ['iTXt', 'tEXt', 'IEND'],
    );
    assert.ok(listPngChunks(out).every((c) => c.isCrcValid));
    assert.deepEqual(readEmbeddedMetadata(out), {
      parameters: UNICODE_META.parameters,
      scheme: 'a1111',
      software: null,
    });
    assert.deepEqual(await decodedSize(out), [4, 4]);
  });

  it('reports no metadata for a plain PNG', async () => {
    assert.equal(readEmbeddedMetadata(await encodeImage(image(4, 4), 'png')), null);
  });
});

describe('EXIF block', () => {
  it('round-trips UserComment (ASCII and UNICODE headers), MakerNote and Software in both byte orders', () => {
    for (const isLe of [false, true]) {
      for (const text of [ASCII_META.parameters, UNICODE_META.parameters]) {
        const block = buildExif({ userComment: text, makerNote: 'a1111', software: 'fooocus-gateway 0.1.0' }, isLe);
        assert.equal(Buffer.from(block.subarray(0, 2)).toString('latin1'), isLe ? 'II' : 'MM');
        assert.deepEqual(readExif(block), { userComment: text, makerNote: 'a1111', software: 'fooocus-gateway 0.1.0' });
      }
    }
    const ascii = Buffer.from(buildExif({ userComment: 'abc' }));
    assert.ok(ascii.includes(Buffer.from('ASCII\0\0\0abc', 'latin1')));
    const unicode = Buffer.from(buildExif({ userComment: 'é' }));
    assert.ok(unicode.includes(Buffer.from('UNICODE\0\x00\xe9', 'latin1')), 'UTF-16BE after the header in an MM block');
  });

  it('puts UserComment and MakerNote in the Exif IFD and Software in IFD0', () => {
    const view = Buffer.from(buildExif({ userComment: 'x', makerNote: 'fooocus', software: 's' }));
    const ifd0 = view.readUInt32BE(4);
    const tags0 = Array.from({ length: view.readUInt16BE(ifd0) }, (_, i) => view.readUInt16BE(ifd0 + 2 + i * 12));
    assert.deepEqual(tags0, [0x0131, 0x8769]);
    const exifIfd = view.readUInt32BE(ifd0 + 2 + 12 + 8);
    const tagsExif = Array.from({ length: view.readUInt16BE(exifIfd) }, (_, i) =>
      view.readUInt16BE(exifIfd + 2 + i * 12),
    );
    assert.deepEqual(tagsExif, [0x927c, 0x9286]);
  });
});

describe('JPEG EXIF', () => {
  it('writes one APP1 Exif segment after SOI/JFIF that jimp still decodes, and reads the comment back exactly', async () => {
    const jpeg = await encodeImage(image(9, 6), 'jpeg');
    for (const meta of [ASCII_META, UNICODE_META]) {
      const out = embedMetadata(jpeg, 'jpeg', meta);
      assert.deepEqual(readEmbeddedMetadata(out), {
        parameters: meta.parameters,
        scheme: meta.scheme,
        software: meta.software,
      });
      assert.deepEqual(await decodedSize(out), [9, 6]);
      // Writing again replaces, never duplicates, the Exif segment.
      const twice = embedMetadata(out, 'jpeg', ASCII_META);
      assert.equal(twice.length, embedMetadata(jpeg, 'jpeg', ASCII_META).length);
      assert.equal(readEmbeddedMetadata(twice)?.parameters, ASCII_META.parameters);
    }
    assert.equal(readJpegExif(jpeg), null);
    assert.equal(readEmbeddedMetadata(jpeg), null);
  });

  it('refuses an EXIF block larger than one APP1 segment', async () => {
    const jpeg = await encodeImage(image(4, 4), 'jpeg');
    assert.throws(() => insertJpegExif(jpeg, new Uint8Array(MAX_JPEG_EXIF_BYTES + 1)), ExifTooLargeError);
    assert.doesNotThrow(() => insertJpegExif(jpeg, buildExif({ userComment: 'x'.repeat(MAX_JPEG_EXIF_BYTES - 200) })));
  });
});

describe('WebP EXIF', () => {
  it('converts a simple lossy VP8 file to VP8X with the EXIF flag, fixes the RIFF size, and still decodes', async () => {
    const plain = await encodeImage(image(10, 6), 'webp');
    assert.deepEqual(riffChunks(plain), ['VP8 ']);
    for (const meta of [ASCII_META, UNICODE_META]) {
      const out = embedMetadata(plain, 'webp', meta);
      assert.deepEqual(riffChunks(out), ['VP8X', 'VP8 ', 'EXIF']);
      const buf = Buffer.from(out);
      assert.equal(buf.readUInt32LE(4), buf.length - 8);
      assert.equal(buf[20] & 0x08, 0x08, 'EXIF flag');
      assert.equal(buf[20] & 0x10, 0, 'no alpha flag for an opaque VP8');
      assert.deepEqual([buf.readUIntLE(24, 3) + 1, buf.readUIntLE(27, 3) + 1], [10, 6]);
      assert.deepEqual(readEmbeddedMetadata(out), {
        parameters: meta.parameters,
        scheme: meta.scheme,
        software: meta.software,
      });
      assert.deepEqual(await decodedSize(out), [10, 6]);
    }
    assert.equal(readWebpExif(plain), null);
  });

  it('handles lossless VP8L (canvas and alpha from its header) and an existing VP8X with alpha', async () => {
    allowFileUrlFetch();
    const bitmap = (alpha: number) => {
      const im = image(5, 3, alpha);
      return { width: im.width, height: im.height, data: Buffer.from(im.data) };
    };
    const lossless = new Uint8Array(await webp().encode(bitmap(128), { lossless: 1 }));
    assert.deepEqual(riffChunks(lossless), ['VP8L']);
    const outL = insertWebpExif(lossless, buildExif({ userComment: 'lossless' }));
    assert.deepEqual(riffChunks(outL), ['VP8X', 'VP8L', 'EXIF']);
    assert.equal(outL[20], 0x18, 'alpha + EXIF flags');
    assert.deepEqual(await decodedSize(outL), [5, 3]);

    const withAlpha = new Uint8Array(await webp().encode(bitmap(100), { quality: 95 }));
    assert.equal(riffChunks(withAlpha)[0], 'VP8X');
    const outX = embedMetadata(withAlpha, 'webp', UNICODE_META);
    assert.deepEqual(riffChunks(outX), [...riffChunks(withAlpha), 'EXIF']);
    assert.equal(outX[20] & 0x08, 0x08);
    assert.equal(Buffer.from(outX).readUInt32LE(4), outX.length - 8);
    assert.equal(readEmbeddedMetadata(outX)?.parameters, UNICODE_META.parameters);
    assert.deepEqual(await decodedSize(outX), [5, 3]);
  });
});
