/**
 * Fooocus's inpaint engine files → the safetensors engine/inpaint reads (inpaint-engine-files.ts):
 *  - `fooocus_inpaint_head.pth` (a state dict `{head: float [320,5,3,3]}`) → `fooocus_inpaint_head.safetensors`,
 *    `head` as float32;
 *  - `inpaint.fooocus.patch`, `inpaint_v25.fooocus.patch`, `inpaint_v26.fooocus.patch` (a pickled dict
 *    `diffusion_model.<module>.weight → (w uint8, w_min, w_max)`) → `<stem>.safetensors`, each delta
 *    dequantised as Fooocus's calculate_weight does, w/255·(w_max − w_min) + w_min with w_min and w_max
 *    broadcast against w (torch's rules), computed in float32 and stored float16 like the README's Python line.
 * Tensors are converted one at a time, so memory stays near the largest weight.
 */
import { basename, join } from 'node:path';
import { float32ToFloat16Bits } from '../../onnx/float16.ts';
import { encodeFloats } from '../../lora/safetensors.ts';
import { INPAINT_FOLDER, INPAINT_HEAD_FILE } from '../../inpaint/inpaint-engine-files.ts';
import { withTensorSource, type TensorSource } from '../tensor-source.ts';
import { ModelConversionError } from './conversion-error.ts';
import { writeSafetensorsStreamed, type StreamedTensor } from './staged-files.ts';

export const INPAINT_HEAD_SOURCE = 'fooocus_inpaint_head.pth';

/** `inpaint_v26.fooocus.patch` → `inpaint_v26.fooocus.safetensors` (the names inpaint-engine-files.ts looks for). */
export function convertedPatchName(sourceName: string): string {
  return basename(sourceName).replace(/\.patch$/i, '') + '.safetensors';
}

/** Where the engine looks for a converted file under `modelsDir`. */
export function inpaintTargetPath(modelsDir: string, sourceName: string): string {
  return join(
    modelsDir,
    INPAINT_FOLDER,
    /inpaint_head/i.test(sourceName) ? INPAINT_HEAD_FILE : convertedPatchName(sourceName),
  );
}

export async function convertInpaintHead(source: string, outPath: string): Promise<{ shape: number[] }> {
  return withTensorSource(source, async (file) => {
    const names = [...file.tensors.keys()];
    const name = file.tensors.has('head') ? 'head' : names.length === 1 ? names[0] : undefined;
    const info = name === undefined ? undefined : file.tensors.get(name)!;
    if (!info || info.shape.length !== 4 || info.shape[1] !== 5 || info.shape[2] !== 3 || info.shape[3] !== 3)
      throw new ModelConversionError(
        source,
        `not a Fooocus inpaint head: expected a tensor head [C,5,3,3], found ${names.map((n) => `${n} [${file.tensors.get(n)!.shape.join(',')}]`).join(', ')}`,
      );
    const head = await file.readFloat32(info.name);
    await writeSafetensorsStreamed(outPath, [{ name: 'head', dtype: 'F32', shape: head.shape }], async () =>
      encodeFloats(head.data, 'F32'),
    );
    return { shape: head.shape };
  });
}

/** Element strides of `shape` aligned right against `target`, 0 where it broadcasts. */
function broadcastStrides(shape: readonly number[], target: readonly number[], label: string): number[] {
  if (shape.length > target.length) throw new Error(`${label} [${shape.join(',')}] has more axes than the weight`);
  const strides = new Array<number>(target.length).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = target.length - shape.length + i;
    if (shape[i] !== 1 && shape[i] !== target[axis])
      throw new Error(`${label} [${shape.join(',')}] does not broadcast to [${target.join(',')}]`);
    strides[axis] = shape[i] === 1 ? 0 : step;
    step *= shape[i];
  }
  return strides;
}

function gather(values: Float32Array, strides: readonly number[], shape: readonly number[], k: number): number {
  let index = 0;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index += (k % shape[axis]) * strides[axis];
    k = Math.floor(k / shape[axis]);
  }
  return values[index];
}

/**
 * A direct index for the two common range shapes, one value ([] or all ones) and one per output channel
 * ([out,1,…]), so a gigabyte patch is not dequantised through the general per-axis gather.
 */
function rowIndexer(strides: readonly number[], shape: readonly number[]): ((k: number) => number) | null {
  if (strides.every((s) => s === 0)) return () => 0;
  if (strides[0] === 1 && strides.slice(1).every((s) => s === 0)) {
    const inner = shape.slice(1).reduce((a, b) => a * b, 1);
    return (k) => Math.floor(k / inner);
  }
  return null;
}

async function dequantised(file: TensorSource, key: string, shape: number[]): Promise<Float32Array> {
  const w = (await file.readFloat32(`${key}.0`)).data;
  const lo = await file.readFloat32(`${key}.1`);
  const hi = await file.readFloat32(`${key}.2`);
  const loStrides = broadcastStrides(lo.shape, shape, 'w_min');
  const hiStrides = broadcastStrides(hi.shape, shape, 'w_max');
  const out = new Float32Array(w.length);
  const loRow = rowIndexer(loStrides, shape);
  const hiRow = rowIndexer(hiStrides, shape);
  for (let k = 0; k < w.length; k++) {
    const min = loRow ? lo.data[loRow(k)] : gather(lo.data, loStrides, shape, k);
    const max = hiRow ? hi.data[hiRow(k)] : gather(hi.data, hiStrides, shape, k);
    out[k] = Math.fround(Math.fround(Math.fround(w[k] / 255) * Math.fround(max - min)) + min);
  }
  return out;
}

/** Why `key`'s quantised triple cannot be dequantised, or undefined (checked from the shapes before writing). */
function quantisedProblem(file: TensorSource, key: string): string | undefined {
  const w = file.tensors.get(`${key}.0`)!;
  if (w.dtype !== 'U8') return `${key}: quantised weight is ${w.dtype}, not uint8`;
  try {
    broadcastStrides(file.tensors.get(`${key}.1`)!.shape, w.shape, 'w_min');
    broadcastStrides(file.tensors.get(`${key}.2`)!.shape, w.shape, 'w_max');
  } catch (error) {
    return `${key}: ${(error as Error).message}`;
  }
  return undefined;
}

function toF16(values: Float32Array): Buffer {
  const bits = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]);
  // Typed arrays are host-endian; like the graph builder's raw float data, this assumes a little-endian host.
  return Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength);
}

export async function convertInpaintPatch(source: string, outPath: string): Promise<{ tensors: number }> {
  return withTensorSource(source, async (file) => {
    const plan: (StreamedTensor & { isQuantised: boolean })[] = [];
    const problems: string[] = [];
    for (const [name, info] of file.tensors) {
      const quantised = /^(.+)\.0$/.exec(name);
      if (quantised && file.tensors.has(`${quantised[1]}.1`) && file.tensors.has(`${quantised[1]}.2`)) {
        const problem = quantisedProblem(file, quantised[1]);
        if (problem) problems.push(problem);
        plan.push({ name: quantised[1], dtype: 'F16', shape: info.shape, isQuantised: true });
      } else if (!/\.[12]$/.test(name) || !file.tensors.has(name.replace(/\.[12]$/, '.0'))) {
        // A full-precision delta stored as a plain tensor: Fooocus would add it as is.
        plan.push({ name, dtype: 'F16', shape: info.shape, isQuantised: false });
      }
    }
    if (problems.length > 0) throw new ModelConversionError(source, problems.join('; '));
    if (!plan.some((t) => t.name.startsWith('diffusion_model.')))
      throw new ModelConversionError(
        source,
        `not a Fooocus inpaint patch: no diffusion_model.* keys (found ${[...file.tensors.keys()].slice(0, 5).join(', ')}…)`,
      );
    await writeSafetensorsStreamed(outPath, plan, async (t) => {
      return toF16(t.isQuantised ? await dequantised(file, t.name, t.shape) : (await file.readFloat32(t.name)).data);
    });
    return { tensors: plan.length };
  });
}
