/**
 * The part of the zip format torch.save (≥ 1.6) writes: an end-of-central-directory record (zip64
 * when the archive or an offset passes 4 GiB), a central directory, and entries that are stored
 * (torch never compresses; it pads each local header's extra field so data starts 64-byte aligned,
 * which is why the data offset comes from the local header, not the central one). Deflated entries
 * are inflated whole on read. Every size and offset is checked against the file before it is used,
 * so a truncated or corrupt archive is an error naming the file, never a huge allocation or a hang.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import { TorchFileError } from './torch-file-error.ts';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const U32_MAX = 0xffffffff;
/** A central directory beyond this is not a model file; refusing it bounds the allocation. */
const MAX_CENTRAL_BYTES = 256 * 1024 * 1024;
/** torch never deflates; a deflated entry is inflated whole, so its claimed size is capped (a zip bomb stays small). */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export class ZipArchive {
  private readonly dataOffsets = new Map<string, number>();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly fileSize: number,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  static async open(path: string): Promise<ZipArchive> {
    const handle = await open(path, 'r');
    try {
      const fileSize = (await handle.stat()).size;
      const entries = await readCentralDirectory(handle, fileSize, path);
      return new ZipArchive(path, handle, fileSize, entries);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  entry(name: string): ZipEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new TorchFileError(this.path, `the archive has no entry ${name}`);
    return entry;
  }

  /** The whole entry, inflated if needed and checked against its CRC-32. */
  async read(name: string): Promise<Buffer> {
    const entry = this.entry(name);
    const raw = await this.readRaw(entry, 0, entry.method === STORED ? entry.size : entry.compressedSize);
    const data = entry.method === STORED ? raw : this.inflate(entry, raw);
    if (crc32(data) >>> 0 !== entry.crc)
      throw new TorchFileError(this.path, `entry ${name} is corrupt (its CRC-32 does not match)`);
    return data;
  }

  /**
   * `length` bytes of entry `name` from byte `start`, unchecked by CRC (a tensor is a slice of a
   * storage that may be gigabytes; the bounds are checked instead).
   */
  async readRange(name: string, start: number, length: number): Promise<Buffer> {
    const entry = this.entry(name);
    if (start < 0 || length < 0 || start + length > entry.size)
      throw new TorchFileError(
        this.path,
        `bytes ${start}..${start + length} lie outside entry ${name} (${entry.size} bytes)`,
      );
    if (entry.method === STORED) return this.readRaw(entry, start, length);
    const whole = this.inflate(entry, await this.readRaw(entry, 0, entry.compressedSize));
    return whole.subarray(start, start + length);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  private inflate(entry: ZipEntry, raw: Buffer): Buffer {
    let data: Buffer;
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (error) {
      throw new TorchFileError(this.path, `entry ${entry.name} does not inflate (${(error as Error).message})`, {
        cause: error,
      });
    }
    if (data.length !== entry.size)
      throw new TorchFileError(this.path, `entry ${entry.name} inflates to ${data.length} bytes, not ${entry.size}`);
    return data;
  }

  private async readRaw(entry: ZipEntry, start: number, length: number): Promise<Buffer> {
    const dataStart = await this.dataOffset(entry);
    const stored = entry.method === STORED ? entry.size : entry.compressedSize;
    if (dataStart + stored > this.fileSize)
      throw new TorchFileError(
        this.path,
        `entry ${entry.name} runs past the end of the file (is it truncated? ${this.fileSize} bytes)`,
      );
    return readAt(this.handle, dataStart + start, length, this.path);
  }

  private async dataOffset(entry: ZipEntry): Promise<number> {
    const known = this.dataOffsets.get(entry.name);
    if (known !== undefined) return known;
    const header = await readAt(this.handle, entry.localHeaderOffset, 30, this.path);
    if (header.readUInt32LE(0) !== LOCAL)
      throw new TorchFileError(this.path, `entry ${entry.name} has no local header at byte ${entry.localHeaderOffset}`);
    const offset = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    this.dataOffsets.set(entry.name, offset);
    return offset;
  }
}

async function readAt(handle: FileHandle, position: number, length: number, path: string): Promise<Buffer> {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new TorchFileError(path, `unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
  return out;
}

function safeNumber(value: bigint, what: string, path: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new TorchFileError(path, `${what} ${value} is not plausible`);
  return Number(value);
}

interface DirectoryLocation {
  count: number;
  size: number;
  offset: number;
}

async function locateDirectory(handle: FileHandle, fileSize: number, path: string): Promise<DirectoryLocation> {
  const notZip = `not a complete zip archive (no end-of-central-directory record: truncated or not a PyTorch file)`;
  if (fileSize < EOCD_SIZE) throw new TorchFileError(path, notZip);
  const tailLength = Math.min(fileSize, EOCD_SIZE + MAX_COMMENT);
  const tailStart = fileSize - tailLength;
  const tail = await readAt(handle, tailStart, tailLength, path);
  let at = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD && i + EOCD_SIZE + tail.readUInt16LE(i + 20) === tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new TorchFileError(path, notZip);
  let count = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  const locatorAt = at - 20;
  if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === ZIP64_LOCATOR) {
    const recordAt = safeNumber(tail.readBigUInt64LE(locatorAt + 8), 'zip64 record offset', path);
    if (recordAt + 56 > fileSize) throw new TorchFileError(path, 'the zip64 end record lies outside the file');
    const record = await readAt(handle, recordAt, 56, path);
    if (record.readUInt32LE(0) !== ZIP64_EOCD)
      throw new TorchFileError(path, 'the zip64 locator points at no zip64 end record (corrupt archive)');
    count = safeNumber(record.readBigUInt64LE(32), 'entry count', path);
    size = safeNumber(record.readBigUInt64LE(40), 'central directory size', path);
    offset = safeNumber(record.readBigUInt64LE(48), 'central directory offset', path);
  }
  if (size > MAX_CENTRAL_BYTES || offset + size > fileSize)
    throw new TorchFileError(path, `the central directory (${size} bytes at ${offset}) lies outside the file`);
  return { count, size, offset };
}

/** Zip64 extra field (id 1): the 64-bit values of whichever header fields were 0xFFFFFFFF, in order. */
function applyZip64Extra(extra: Buffer, entry: ZipEntry, path: string): void {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 1) {
      let field = at + 4;
      const next = (): number => {
        if (field + 8 > at + 4 + length) throw new TorchFileError(path, `entry ${entry.name} has a short zip64 field`);
        const value = safeNumber(extra.readBigUInt64LE(field), 'zip64 value', path);
        field += 8;
        return value;
      };
      if (entry.size === U32_MAX) entry.size = next();
      if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
      if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + length;
  }
}

async function readCentralDirectory(
  handle: FileHandle,
  fileSize: number,
  path: string,
): Promise<Map<string, ZipEntry>> {
  const location = await locateDirectory(handle, fileSize, path);
  const directory = await readAt(handle, location.offset, location.size, path);
  const entries = new Map<string, ZipEntry>();
  let at = 0;
  for (let i = 0; i < location.count; i++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL)
      throw new TorchFileError(path, `central directory entry ${i} is corrupt`);
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > directory.length) throw new TorchFileError(path, `central directory entry ${i} is cut short`);
    const entry: ZipEntry = {
      name: directory.toString('utf8', at + 46, at + 46 + nameLength),
      method: directory.readUInt16LE(at + 10),
      crc: directory.readUInt32LE(at + 16),
      compressedSize: directory.readUInt32LE(at + 20),
      size: directory.readUInt32LE(at + 24),
      localHeaderOffset: directory.readUInt32LE(at + 42),
    };
    applyZip64Extra(directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength), entry, path);
    if (entry.method !== STORED && entry.method !== DEFLATED)
      throw new TorchFileError(path, `entry ${entry.name} uses zip method ${entry.method} (only stored and deflated)`);
    if (entry.method === DEFLATED && entry.size > MAX_INFLATED_BYTES)
      throw new TorchFileError(path, `deflated entry ${entry.name} claims ${entry.size} bytes; re-save it stored`);
    if (entry.method === STORED && entry.compressedSize !== entry.size)
      throw new TorchFileError(path, `stored entry ${entry.name} has two different sizes (corrupt archive)`);
    if (entry.localHeaderOffset + 30 + entry.compressedSize > fileSize)
      throw new TorchFileError(
        path,
        `entry ${entry.name} lies outside the file (truncated? ${fileSize} bytes, entry ends past ${entry.localHeaderOffset + entry.compressedSize})`,
      );
    entries.set(entry.name, entry);
    at = end;
  }
  return entries;
}
