/**
 * `.safetensors` reader: an 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {…}}`, then raw little-endian
 * tensor bytes (offsets relative to the end of the header). Tensors are read one at a time by
 * offset through a file handle, so a LoRA file is never loaded whole. F32, F16 and BF16 decode to
 * float32; other dtypes are listed but refused on read.
 */
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { float16BitsToFloat32, float32ToFloat16Bits, fromFloat16Array } from '../onnx/float16.ts';

/** Tensor bytes are little-endian; on such a host F16 bits can be read through a Uint16Array view. */
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per element of the dtypes the safetensors format defines. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};
/**
 * The reference implementation refuses headers above 100 MB; so do we (a corrupt length would otherwise allocate GBs).
 */
const MAX_HEADER_BYTES = 100_000_000;

export type FloatDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Absolute byte range in the file. */
  begin: number;
  end: number;
}

export interface FloatTensor {
  /** float32 values, row-major in `shape`. */
  data: Float32Array;
  shape: number[];
}

export class SafetensorsReader {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  static async open(path: string): Promise<SafetensorsReader> {
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const head = Buffer.alloc(8);
      await readExactly(handle, head, 0, path);
      const headerLength = head.readBigUInt64LE(0);
      if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, size - 8)))
        throw new Error(`${path}: safetensors header length ${headerLength} exceeds the file or the 100 MB limit`);
      const json = Buffer.alloc(Number(headerLength));
      await readExactly(handle, json, 8, path);
      const { entries, metadata } = parseHeader(json.toString('utf8'), 8 + json.length, size, path);
      return new SafetensorsReader(path, handle, entries, metadata);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Reads one tensor and decodes it to float32. */
  async readFloat32(name: string): Promise<FloatTensor> {
    const entry = this.entries.get(name);
    if (!entry) throw new Error(`${this.path}: no tensor named ${name}`);
    const bytes = Buffer.alloc(entry.end - entry.begin);
    await readExactly(this.handle, bytes, entry.begin, this.path);
    return { data: decodeFloats(bytes, entry.dtype, `${this.path}: ${name}`), shape: entry.shape };
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

function parseHeader(
  text: string,
  dataStart: number,
  fileSize: number,
  path: string,
): { entries: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: safetensors header is not JSON`, { cause: error });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new Error(`${path}: safetensors header is not a JSON object`);
  const entries = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (value ?? {}) as Record<string, string>;
      continue;
    }
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const offsets = v.data_offsets;
    if (typeof v.dtype !== 'string' || !Array.isArray(v.shape) || !Array.isArray(offsets) || offsets.length !== 2)
      throw new Error(`${path}: tensor ${name} has a malformed header entry`);
    const shape = v.shape.map(Number);
    const begin = dataStart + Number(offsets[0]);
    const end = dataStart + Number(offsets[1]);
    const count = shape.reduce((a, b) => a * b, 1);
    const width = DTYPE_BYTES[v.dtype];
    if (width !== undefined && end - begin !== count * width)
      throw new Error(
        `${path}: tensor ${name} (${v.dtype}[${shape.join(',')}]) spans ${end - begin} bytes, expected ${count * width}`,
      );
    if (!(begin >= dataStart && end >= begin && end <= fileSize))
      throw new Error(`${path}: tensor ${name} lies outside the file (bytes ${begin}..${end} of ${fileSize})`);
    entries.set(name, { name, dtype: v.dtype, shape, begin, end });
  }
  return { entries, metadata };
}

async function readExactly(handle: FileHandle, target: Buffer, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) throw new Error(`${path}: unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Little-endian F32/F16/BF16 bytes → float32 values. */
export function decodeFloats(bytes: Uint8Array, dtype: string, label: string): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(bytes.byteLength / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      if (!IS_LITTLE_ENDIAN) {
        const out = new Float32Array(bytes.byteLength / 2);
        for (let i = 0; i < out.length; i++) out[i] = float16BitsToFloat32(view.getUint16(i * 2, true));
        return out;
      }
      // A Uint16Array view needs 2-byte alignment: copy the (rare) odd-offset buffer first.
      const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice();
      return fromFloat16Array(new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2));
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(bytes.byteLength / 2);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    default:
      throw new Error(`${label}: dtype ${dtype} is not supported (supported: F32, F16, BF16)`);
  }
}

/** float32 → little-endian bytes of `dtype` (round to nearest even for F16 and BF16). */
export function encodeFloats(values: ArrayLike<number>, dtype: FloatDtype): Buffer {
  const width = dtype === 'F32' ? 4 : 2;
  const out = Buffer.alloc(values.length * width);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'F32') out.writeFloatLE(values[i], i * 4);
    else if (dtype === 'F16') out.writeUInt16LE(float32ToFloat16Bits(values[i]), i * 2);
    else {
      f32[0] = values[i];
      const x = u32[0];
      const isNaN = (x & 0x7fffffff) > 0x7f800000;
      out.writeUInt16LE(isNaN ? (x >>> 16) | 0x40 : ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff, i * 2);
    }
  }
  return out;
}

export interface TensorToWrite {
  dtype: FloatDtype;
  shape: number[];
  data: ArrayLike<number>;
}

/** Writes a `.safetensors` file (small files: LoRAs for tests and tools). */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, TensorToWrite>,
  metadata?: Record<string, string>,
): Promise<void> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    const bytes = encodeFloats(tensor.data, tensor.dtype);
    header[name] = { dtype: tensor.dtype, shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  // The format pads the header with spaces to a multiple of 8 so tensor data stays aligned.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  await writeFile(path, Buffer.concat([length, Buffer.from(json, 'utf8'), ...chunks]));
}
