/**
 * Writes a `.safetensors` file tensor by tensor: the header is known from the shapes alone, so each tensor's values
 * are produced, encoded and written in turn and a 14 GB checkpoint never sits in memory (engine/lora/safetensors.ts
 * writeSafetensors builds the whole file in one Buffer, which suits LoRAs only).
 */
import { open } from 'node:fs/promises';
import { endianness } from 'node:os';
import { float32ToFloat16Bits } from '../../onnx/float16.ts';
import { encodeFloats, type FloatDtype } from '../../lora/safetensors.ts';

export interface StreamedTensor {
  name: string;
  dtype: FloatDtype;
  shape: readonly number[];
  /** Row-major float32 values, asked for when this tensor is written. */
  values: () => Promise<Float32Array>;
}

const isLittleEndian = endianness() === 'LE';

function encode(values: Float32Array, dtype: FloatDtype): Uint8Array {
  if (dtype === 'F32' && isLittleEndian) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (dtype === 'F16' && isLittleEndian) {
    const half = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) half[i] = float32ToFloat16Bits(values[i]);
    return new Uint8Array(half.buffer);
  }
  return encodeFloats(values, dtype);
}

export async function writeSafetensorsStreamed(
  path: string,
  tensors: readonly StreamedTensor[],
  metadata?: Record<string, string>,
): Promise<number> {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * (t.dtype === 'F32' ? 4 : 2);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // The format pads the header with spaces to a multiple of 8 so tensor data stays aligned.
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  head.write(json, 8, 'utf8');
  const file = await open(path, 'w');
  try {
    let position = 0;
    const put = async (bytes: Uint8Array) => {
      let done = 0;
      while (done < bytes.length)
        done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
      position += bytes.length;
    };
    await put(head);
    for (const t of tensors) {
      const values = await t.values();
      const count = t.shape.reduce((a, b) => a * b, 1);
      if (values.length !== count)
        throw new Error(`${path}: ${t.name} got ${values.length} values for shape [${t.shape.join(',')}]`);
      await put(encode(values, t.dtype));
    }
    return position;
  } finally {
    await file.close();
  }
}
