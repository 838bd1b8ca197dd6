/**
 * A torch.save file as a TensorSource (engine/import/tensor-source.ts): each tensor's bytes are
 * read from its storage entry on demand, one tensor at a time. Only contiguous row-major views
 * are read (what state dicts hold); a transposed or sliced view is refused by name, since reading
 * it as if contiguous would silently scramble the weights.
 */
import type { FloatTensor } from '../../lora/safetensors.ts';
import { decodeFloats } from '../../lora/safetensors.ts';
import type { TensorInfo, TensorSource } from '../tensor-source.ts';
import { openTorchArchive, type TorchArchive } from './torch-archive.ts';
import { TorchFileError } from './torch-file-error.ts';
import type { TensorRef } from './torch-globals.ts';

/** Raw little-endian bytes of one tensor, row-major, in its stored dtype. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

function isContiguous(tensor: TensorRef): boolean {
  let expected = 1;
  for (let axis = tensor.shape.length - 1; axis >= 0; axis--) {
    // A size-1 axis may carry any stride: torch does not normalise it.
    if (tensor.shape[axis] !== 1 && tensor.stride[axis] !== expected) return false;
    expected *= tensor.shape[axis];
  }
  return true;
}

/** Integer dtypes that float32 holds exactly; wider ones are read with readRaw. */
function decodeToFloat32(bytes: Buffer, dtype: string, label: string): Float32Array {
  const count = bytes.length;
  switch (dtype) {
    case 'F64': {
      const out = new Float32Array(count / 8);
      for (let i = 0; i < out.length; i++) out[i] = bytes.readDoubleLE(i * 8);
      return out;
    }
    case 'U8':
    case 'BOOL':
      return Float32Array.from(bytes);
    case 'I8':
      return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, count));
    case 'I16': {
      const out = new Float32Array(count / 2);
      for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
      return out;
    }
    default:
      return decodeFloats(bytes, dtype, label);
  }
}

export class TorchTensorSource implements TensorSource {
  readonly metadata: Readonly<Record<string, string>> = {};
  readonly tensors: ReadonlyMap<string, TensorInfo>;

  private constructor(
    readonly path: string,
    private readonly archive: TorchArchive,
  ) {
    const infos = new Map<string, TensorInfo>();
    for (const [name, ref] of archive.tensors)
      infos.set(name, { name, dtype: ref.storage.type.dtype, shape: [...ref.shape] });
    this.tensors = infos;
  }

  static async open(path: string): Promise<TorchTensorSource> {
    return new TorchTensorSource(path, await openTorchArchive(path));
  }

  /** The stored bytes of `name` (any dtype, e.g. I64 or a Fooocus patch's U8). */
  async readRaw(name: string): Promise<RawTensor> {
    const ref = this.archive.tensors.get(name);
    if (!ref) throw new TorchFileError(this.path, `no tensor named ${name}`);
    if (!isContiguous(ref))
      throw new TorchFileError(
        this.path,
        `tensor ${name} is a non-contiguous view (size [${ref.shape.join(',')}], stride [${ref.stride.join(',')}]); re-save it with .contiguous()`,
      );
    const width = ref.storage.type.bytes;
    const count = ref.shape.reduce((a, b) => a * b, 1);
    if (count > 0 && ref.storageOffset + count > ref.storage.numel)
      throw new TorchFileError(
        this.path,
        `tensor ${name} reads elements ${ref.storageOffset}..${ref.storageOffset + count} of a storage of ${ref.storage.numel}`,
      );
    const entry = `${this.archive.prefix}/data/${ref.storage.key}`;
    const bytes =
      count === 0 ? Buffer.alloc(0) : await this.archive.zip.readRange(entry, ref.storageOffset * width, count * width);
    return { dtype: ref.storage.type.dtype, shape: [...ref.shape], bytes };
  }

  /** float32 values of `name`; F16/BF16 widened exactly, F64 rounded, small integer types exact. */
  async readFloat32(name: string): Promise<FloatTensor> {
    const raw = await this.readRaw(name);
    if (raw.dtype === 'I32' || raw.dtype === 'I64')
      throw new TorchFileError(this.path, `tensor ${name} is ${raw.dtype}, which float32 cannot hold exactly`);
    return { data: decodeToFloat32(raw.bytes, raw.dtype, `${this.path}: ${name}`), shape: raw.shape };
  }

  close(): Promise<void> {
    return this.archive.zip.close();
  }
}
