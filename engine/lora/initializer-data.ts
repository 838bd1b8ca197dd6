/**
 * Reading an ONNX initializer's bytes wherever they live: inline (`raw_data`, `float_data`,
 * `int32_data` for 16-bit floats) or in an external data file named by `external_data`
 * (location relative to the model's folder, byte offset and length; onnx-sdxl-engine.md §1.1).
 * External tensors are read by offset through a file handle: a 10 GB model.onnx_data is never
 * loaded, and offsets above 4 GiB are plain numbers (exact up to 2^53).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { join, normalize, isAbsolute } from 'node:path';
import onnxProto from 'onnx-proto';

export type TensorProto = onnxProto.onnx.ITensorProto;

/** ONNX TensorProto.DataType codes of the float types we patch. */
export const DATA_TYPE = { float32: 1, float16: 10, bfloat16: 16 } as const;
export const EXTERNAL = onnxProto.onnx.TensorProto.DataLocation.EXTERNAL;

/** int64 proto fields decode to Long objects (the `long` package is installed) or numbers. */
export function toNumber(value: number | { toString(): string }): number {
  return typeof value === 'number' ? value : Number(value.toString());
}

export function dimsOf(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map(toNumber);
}

export function bytesPerElement(dataType: number): number | undefined {
  if (dataType === DATA_TYPE.float32) return 4;
  if (dataType === DATA_TYPE.float16 || dataType === DATA_TYPE.bfloat16) return 2;
  return undefined;
}

export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

/** The tensor's external_data entry, or undefined for an inline tensor. */
export function externalRef(tensor: TensorProto): ExternalRef | undefined {
  if (tensor.dataLocation !== EXTERNAL) return undefined;
  const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new Error(`initializer ${tensor.name}: external data without a location`);
  const offset = Number(entries.get('offset') ?? '0');
  const length = entries.has('length') ? Number(entries.get('length')) : -1;
  return { location, offset, length };
}

/** Rejects locations onnxruntime itself refuses (absolute, or escaping the model folder). */
export function safeLocation(location: string): string {
  const path = normalize(location);
  if (isAbsolute(path) || path === '..' || path.startsWith('../'))
    throw new Error(`external data location ${location} is outside the model folder`);
  return path;
}

/** Keeps one read handle per external data file while a merge runs. */
export class ExternalFiles {
  private readonly handles = new Map<string, FileHandle>();
  constructor(private readonly modelDir: string) {}

  async read(ref: ExternalRef, byteLength: number, target: Uint8Array): Promise<void> {
    const location = safeLocation(ref.location);
    let handle = this.handles.get(location);
    if (!handle) {
      handle = await open(join(this.modelDir, location), 'r');
      this.handles.set(location, handle);
    }
    let done = 0;
    while (done < byteLength) {
      const { bytesRead } = await handle.read(target, done, byteLength - done, ref.offset + done);
      if (bytesRead === 0) throw new Error(`${location}: ends before byte ${ref.offset + byteLength}`);
      done += bytesRead;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.handles.values()].map((h) => h.close()));
    this.handles.clear();
  }
}

/**
 * The initializer's little-endian bytes in a fresh, aligned buffer (so a Float32Array or
 * Uint16Array can view it in place).
 */
export async function readInitializer(tensor: TensorProto, files: ExternalFiles): Promise<Uint8Array> {
  const dataType = tensor.dataType ?? 0;
  const width = bytesPerElement(dataType);
  if (width === undefined)
    throw new Error(`initializer ${tensor.name}: data type ${dataType} is not a float type we can patch`);
  const count = dimsOf(tensor).reduce((a, b) => a * b, 1);
  const out = new Uint8Array(new ArrayBuffer(count * width));
  const ref = externalRef(tensor);
  if (ref) {
    if (ref.length >= 0 && ref.length !== out.length)
      throw new Error(
        `initializer ${tensor.name}: external length ${ref.length} ≠ ${out.length} bytes for dims [${dimsOf(tensor).join(',')}]`,
      );
    await files.read(ref, out.length, out);
  } else if (tensor.rawData && tensor.rawData.length > 0) {
    if (tensor.rawData.length !== out.length)
      throw new Error(
        `initializer ${tensor.name}: raw_data has ${tensor.rawData.length} bytes, expected ${out.length}`,
      );
    out.set(tensor.rawData);
  } else if (dataType === DATA_TYPE.float32 && tensor.floatData?.length === count) {
    new Float32Array(out.buffer).set(tensor.floatData);
  } else if (width === 2 && tensor.int32Data?.length === count) {
    // 16-bit floats outside raw_data are stored one bit pattern per int32_data entry.
    new Uint16Array(out.buffer).set(tensor.int32Data);
  } else {
    throw new Error(`initializer ${tensor.name}: holds no data we can read`);
  }
  return out;
}
