/**
 * Writes the ControlNet's model.onnx + model.onnx_data, one tensor at a time (DECISIONS §6: a real
 * SDXL encoder is ~2.5 GB in fp16, so no weight file is held whole): every external base weight is
 * copied (edited ones after their merge), the hint block and zero convs come from the Control-LoRA
 * in the base's float type, small untouched base initializers stay inline. Weights are the base's
 * own dtype throughout, so an fp16 base gives an fp16 ControlNet, as Fooocus casts the control
 * model to the UNet's dtype.
 */
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { float32ToFloat16Bits } from '../../onnx/float16.ts';
import { NativeProduct } from '../../lora/delta-product.ts';
import { ExternalFiles, externalRef, readInitializer, type TensorProto } from '../../lora/initializer-data.ts';
import { addLowRankDeltaNative } from '../../lora/low-rank-delta.ts';
import { relocate, writeAll } from '../../lora/merge.ts';
import { ControlLoraError } from './control-lora-error.ts';
import type { ControlLoraFile } from './control-lora-file.ts';
import type { ControlNetGraph } from './controlnet-graph.ts';
import type { WeightEdit } from './encoder-weights.ts';

const { onnx } = onnxProto;
export const CONTROLNET_DATA_FILE = 'model.onnx_data';
/** Offsets aligned like the exporters' external data. */
const ALIGN = 64;
/** Bytes per element of the non-float types an export may keep external (int32, int64, bool, 8-bit ints). */
const OTHER_WIDTHS: Record<number, number> = { 2: 1, 3: 1, 6: 4, 7: 8, 9: 1 };

export interface WriteCounts {
  merged: number;
  replaced: number;
  copied: number;
  added: number;
  dataBytes: number;
}

function encode(values: Float32Array, floatType: number): Uint8Array {
  if (floatType === 1) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (floatType !== 10) throw new Error(`ONNX element type ${floatType} cannot be written (float32 and float16 can)`);
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = float32ToFloat16Bits(values[i]);
  return new Uint8Array(half.buffer);
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

export async function writeControlNet(
  dir: string,
  graph: ControlNetGraph,
  edits: ReadonlyMap<string, WeightEdit>,
  file: ControlLoraFile,
  baseDir: string,
): Promise<WriteCounts> {
  const counts: WriteCounts = { merged: 0, replaced: 0, copied: 0, added: 0, dataBytes: 0 };
  const added = new Map(graph.added.map((a) => [a.name, a.source]));
  const base = new ExternalFiles(baseDir);
  const native = new NativeProduct();
  const data = await open(join(dir, CONTROLNET_DATA_FILE), 'w');
  const readFile = async (name: string) => {
    try {
      return (await file.source.readFloat32(name)).data;
    } catch (error) {
      throw new ControlLoraError('unreadable', file.source.path, `tensor ${name} cannot be read (${String(error)})`, {
        cause: error,
      });
    }
  };
  const readBase = async (tensor: TensorProto, copyRaw: boolean) => {
    try {
      return copyRaw ? await rawBytes(tensor, base) : await readInitializer(tensor, base);
    } catch (error) {
      throw new ControlLoraError(
        'unreadable',
        baseDir,
        `the base UNet's initializer ${tensor.name} cannot be read (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      );
    }
  };
  let offset = 0;
  try {
    for (const tensor of graph.model.graph?.initializer ?? []) {
      const name = tensor.name ?? '';
      const source = added.get(name);
      const edit = edits.get(name);
      let bytes: Uint8Array;
      if (source) {
        bytes = encode(await readFile(source.name), graph.floatType);
        counts.added++;
      } else if (edit) {
        bytes = await editedBytes(edit, tensor, graph.floatType, readFile, readBase, native);
        if (edit.pair) counts.merged++;
        if (edit.full) counts.replaced++;
      } else if (externalRef(tensor)) {
        bytes = await readBase(tensor, true);
        counts.copied++;
      } else continue;
      offset += (ALIGN - (offset % ALIGN)) % ALIGN;
      await writeAll(data, bytes, offset);
      relocate(tensor, CONTROLNET_DATA_FILE, offset, bytes.length);
      offset += bytes.length;
    }
  } finally {
    await data.close();
    await base.close();
    await native.release();
  }
  counts.dataBytes = offset;
  await writeFile(join(dir, 'model.onnx'), onnx.ModelProto.encode(graph.model).finish());
  return counts;
}

async function editedBytes(
  edit: WeightEdit,
  tensor: TensorProto,
  floatType: number,
  readFile: (name: string) => Promise<Float32Array>,
  readBase: (tensor: TensorProto, copyRaw: boolean) => Promise<Uint8Array>,
  native: NativeProduct,
): Promise<Uint8Array> {
  const { target, full, pair } = edit;
  let bytes: Uint8Array;
  if (full) {
    const values = await readFile(full.tensor.name);
    const stored = target.layout === 'in-out' ? transpose(values, full.tensor.shape[0], full.tensor.shape[1]) : values;
    // A fresh copy: the pair below adds into it in place.
    bytes = Uint8Array.from(encode(stored, tensor.dataType ?? floatType));
  } else bytes = await readBase(tensor, false);
  if (pair) {
    const up = await readFile(pair.up.name);
    const down = await readFile(pair.down.name);
    const rank = pair.down.shape[0];
    const factors = { up, down, out: pair.up.shape[0], rank, k: down.length / rank };
    await addLowRankDeltaNative(bytes, tensor.dataType ?? floatType, target.layout, factors, native);
  }
  return bytes;
}

/** An external initializer's bytes as stored, whatever its type. */
async function rawBytes(tensor: TensorProto, files: ExternalFiles): Promise<Uint8Array> {
  const ref = externalRef(tensor)!;
  const dataType = tensor.dataType ?? 0;
  const width = dataType === 1 ? 4 : dataType === 10 || dataType === 16 ? 2 : OTHER_WIDTHS[dataType];
  const count = (tensor.dims ?? []).reduce<number>((a, b) => a * Number(b), 1);
  const length = width === undefined ? ref.length : count * width;
  if (length < 0) throw new Error(`initializer ${tensor.name}: external data of unknown length and type ${dataType}`);
  const out = new Uint8Array(length);
  await files.read(ref, length, out);
  return out;
}
