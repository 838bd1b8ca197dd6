/**
 * A ModelProto builder for full-size synthetic models: weights are recipes (seeded random, fill,
 * small explicit values), not arrays, and are only materialised, chunk by chunk, while the
 * external data file is written. So a 10 GB UNet is generated with a few MB of memory: the
 * protobuf holds only the graph and the external references (the 2 GB protobuf limit and Node's
 * 4 GiB Buffer limit never apply), and no weight file is ever held whole.
 *
 * Names follow torch.onnx as optimum exports diffusers/transformers models: nodes are scoped by
 * module (`/down_blocks.1/attentions.0/proj_in/MatMul`, `_1`, `_2` for repeats), values are
 * `<node name>_output_0`, Conv/Norm weights and all biases keep their module names, and a Linear's
 * weight is stored transposed under an anonymous `onnx::MatMul_<n>`.
 * The float type (`float32` or `float16`) is the checkpoint's: weights, constants and I/O all
 * use it, as an fp16 export computes in half precision throughout.
 */
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { fillChunk, tensorSeed, transpose, type WeightRecipe } from './weight-recipes.ts';
import onnxProto from 'onnx-proto';
import { float32ToFloat16Bits } from '../../onnx/float16.ts';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

export const SYNTHETIC_OPSET = 17;
const MICROSOFT_DOMAIN = 'com.microsoft';
export type FloatType = 'float32' | 'float16';
const ELEM = { float32: 1, int64: 7, float16: 10 } as const;
/** Offsets in the data file are aligned like onnx's own external-data writer. */
const ALIGN = 4096;
/** Elements generated per chunk while streaming a tensor. */
const CHUNK = 1 << 20;

/**
 * Supplies a module parameter's values instead of the graph's own recipe: `parameter` is its diffusers/transformers
 * name (`down_blocks.1.attentions.0.proj_in.weight`) and `shape` torch's shape of it, whatever the stored layout.
 */
export type WeightResolver = (parameter: string, shape: readonly number[]) => WeightRecipe | undefined;

/** A module parameter as the graph stores it: a Linear's weight is its transpose, a GroupNorm's a [C,1,1] reshape. */
export interface GraphParameter {
  initializer: string;
  parameter: string;
  shape: number[];
  isTransposed: boolean;
}

export class Float {
  constructor(readonly value: number) {}
}
export type Attr = number | number[] | string | Float;

interface PlannedTensor {
  name: string;
  dims: number[];
  /** `float`: the checkpoint's float type; `float32`: always float32 (e.g. Resize scales). */
  elem: 'float' | 'float32' | 'int64';
  recipe: WeightRecipe;
}

function attribute(name: string, value: Attr): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof Float) return { name, type: T.FLOAT, f: value.value };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  return { name, type: T.INTS, ints: value };
}

export interface WriteResult {
  /** Bytes of model.onnx and of model.onnx_data (0 when inline). */
  modelBytes: number;
  dataBytes: number;
  parameters: number;
}

export class StreamingGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly tensors: PlannedTensor[] = [];
  private readonly params: GraphParameter[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly scopeCounts = new Map<string, number>();
  private anonymous: number;
  private constants = 0;

  constructor(
    readonly name: string,
    readonly float: FloatType,
    /** First number of the anonymous `onnx::MatMul_<n>` weights, distinct per model like an export's. */
    anonymousStart = 1000,
    private readonly resolve?: WeightResolver,
  ) {
    this.anonymous = anonymousStart;
  }

  get floatCode(): number {
    return ELEM[this.float];
  }

  private valueInfo(name: string, elem: 'float' | 'int64', dims: readonly (number | string)[]): ValueInfo {
    const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
    return { name, type: { tensorType: { elemType: elem === 'float' ? this.floatCode : ELEM.int64, shape: { dim } } } };
  }

  input(name: string, elem: 'float' | 'int64', dims: readonly (number | string)[]): string {
    this.inputs.push(this.valueInfo(name, elem, dims));
    return name;
  }

  /** Publishes `value` as the graph output `name` (an Identity, as torch adds for renamed outputs). */
  output(value: string, name: string, dims: readonly (number | string)[]): void {
    this.nodes.push({ opType: 'Identity', name: `/${name}/Identity`, input: [value], output: [name] });
    this.outputs.push(this.valueInfo(name, 'float', dims));
  }

  weight(name: string, dims: number[], recipe: WeightRecipe): string {
    this.tensors.push({ name, dims, elem: 'float', recipe });
    return name;
  }

  /**
   * A module parameter stored as `initializer`: with a resolver its values come from there (a missing one is an
   * error, so an import never leaves a random weight behind), else from `recipe`.
   */
  parameter(
    initializer: string,
    parameter: string,
    shape: number[],
    recipe: WeightRecipe,
    stored: { isTransposed?: boolean; dims?: number[] } = {},
  ): string {
    const isTransposed = stored.isTransposed ?? false;
    const dims = isTransposed ? [shape[1], shape[0]] : (stored.dims ?? shape);
    let chosen = recipe;
    if (this.resolve) {
      const resolved = this.resolve(parameter, shape);
      if (!resolved)
        throw new Error(`${this.name}: no weight supplied for parameter ${parameter} [${shape.join(',')}]`);
      chosen =
        isTransposed && resolved.kind === 'source'
          ? { ...resolved, read: async () => transpose(await resolved.read(), shape[0], shape[1]) }
          : resolved;
    }
    this.params.push({ initializer, parameter, shape, isTransposed });
    return this.weight(initializer, dims, chosen);
  }

  /** The module parameters in the order they were added. */
  get parameters(): readonly GraphParameter[] {
    return this.params;
  }

  /** One tensor's values as float32, whole (before the float16 rounding of a float16 graph). */
  async values(initializer: string, seed: number): Promise<Float32Array> {
    const t = this.tensors.find((x) => x.name === initializer);
    if (!t) throw new Error(`${this.name}: no initializer ${initializer}`);
    const recipe = await this.loaded(t);
    const count = t.dims.reduce((a, b) => a * b, 1);
    const out = new Float32Array(count);
    fillChunk(recipe, out, 0, { s: tensorSeed(seed, t.name) });
    return out;
  }

  /** A source recipe read into values (checked against the planned size); other recipes as they are. */
  private async loaded(t: PlannedTensor): Promise<Exclude<WeightRecipe, { kind: 'source' }>> {
    if (t.recipe.kind !== 'source') return t.recipe;
    const values = await t.recipe.read();
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (values.length !== count)
      throw new Error(
        `${this.name}: ${t.recipe.label} gave ${values.length} values for ${t.name} [${t.dims.join(',')}]`,
      );
    return { kind: 'values', values };
  }

  /** A torch-anonymous constant (`onnx::Mul_1234`-like). */
  constant(values: number[], dims: number[] = [values.length]): string {
    return this.weight(`onnx::Constant_${this.constants++}`, dims, { kind: 'values', values });
  }

  /** A float32 constant whatever the checkpoint's type (inputs ONNX requires as float32). */
  float32(values: number[]): string {
    const name = `onnx::Float_${this.constants++}`;
    this.tensors.push({ name, dims: [values.length], elem: 'float32', recipe: { kind: 'values', values } });
    return name;
  }

  scalar(value: number): string {
    return this.constant([value], []);
  }

  ints(values: number[]): string {
    const name = `onnx::Ints_${this.constants++}`;
    this.tensors.push({ name, dims: [values.length], elem: 'int64', recipe: { kind: 'values', values } });
    return name;
  }

  /** The next anonymous Linear weight name. */
  anonymousMatMul(): string {
    return `onnx::MatMul_${this.anonymous++}`;
  }

  /**
   * A node named `/<scope with / between modules>/<Op>[_k]`; returns its output
   * `<node name>_output_0`. `scope` is a module path (`down_blocks.0.resnets.0.conv1`) or '' (root).
   */
  node(scope: string, op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs = 1): string {
    const prefix = scope === '' ? '' : `/${scope.replace(/\.(?!\d)/g, '/')}`;
    const key = `${prefix}/${op}`;
    const count = this.scopeCounts.get(key) ?? 0;
    this.scopeCounts.set(key, count + 1);
    const name = count === 0 ? key : `${key}_${count}`;
    const output = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({
      opType: op,
      name,
      input: inputs,
      output,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output[0];
  }

  /**
   * A node of onnxruntime's contrib domain (com.microsoft), e.g. MultiHeadAttention, which the CPU,
   * CUDA and WebGPU providers all implement; the model then imports that domain too.
   */
  microsoftNode(scope: string, op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    const output = this.node(scope, op, inputs, attrs);
    this.nodes[this.nodes.length - 1].domain = MICROSOFT_DOMAIN;
    return output;
  }

  get parameterCount(): number {
    return this.tensors.reduce((sum, t) => sum + t.dims.reduce((a, b) => a * b, 1), 0);
  }

  private bytesOf(t: PlannedTensor): number {
    const count = t.dims.reduce((a, b) => a * b, 1);
    return count * this.widthOf(t);
  }

  private widthOf(t: PlannedTensor): number {
    return t.elem === 'int64' ? 8 : t.elem === 'float' && this.float === 'float16' ? 2 : 4;
  }

  private elemCode(t: PlannedTensor): number {
    return t.elem === 'int64' ? ELEM.int64 : t.elem === 'float32' ? ELEM.float32 : this.floatCode;
  }

  /** The tensor's bytes for `[start, start + count)` elements, in the stored type. */
  private encodeChunk(
    t: PlannedTensor,
    recipe: Exclude<WeightRecipe, { kind: 'source' }>,
    start: number,
    count: number,
    state: { s: number },
    scratch: Float32Array,
  ): Uint8Array {
    if (t.elem === 'int64') {
      const out = new BigInt64Array(count);
      const values = (recipe as { values: ArrayLike<number> }).values;
      for (let i = 0; i < count; i++) out[i] = BigInt(values[start + i]);
      return new Uint8Array(out.buffer);
    }
    const chunk = scratch.subarray(0, count);
    fillChunk(recipe, chunk, start, state);
    if (t.elem === 'float32' || this.float === 'float32')
      return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const half = new Uint16Array(count);
    for (let i = 0; i < count; i++) half[i] = float32ToFloat16Bits(chunk[i]);
    return new Uint8Array(half.buffer);
  }

  private async *bytes(t: PlannedTensor, seed: number): AsyncGenerator<Uint8Array> {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const state = { s: tensorSeed(seed, t.name) };
    const recipe = await this.loaded(t);
    const scratch = new Float32Array(Math.min(count, CHUNK));
    for (let start = 0; start < count; start += CHUNK)
      yield this.encodeChunk(t, recipe, start, Math.min(CHUNK, count - start), state, scratch);
  }

  private modelProto(tensors: TensorProto[]): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'fooocus-gateway synthetic-sdxl',
      opsetImport: [
        { domain: '', version: SYNTHETIC_OPSET },
        ...(this.nodes.some((n) => n.domain === MICROSOFT_DOMAIN) ? [{ domain: MICROSOFT_DOMAIN, version: 1 }] : []),
      ],
      graph: { name: this.name, node: this.nodes, initializer: tensors, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  /**
   * Writes `<dir>/model.onnx`, and with `external` every tensor of at least 1 KiB into
   * `<dir>/model.onnx_data` (as onnx.save's size_threshold does), streamed in 1 M-element chunks.
   */
  async write(dir: string, options: { external: boolean; seed: number }): Promise<WriteResult> {
    const parameters = this.parameterCount;
    if (!options.external) {
      const tensors: TensorProto[] = [];
      for (const t of this.tensors) {
        const parts: Uint8Array[] = [];
        for await (const part of this.bytes(t, options.seed)) parts.push(Uint8Array.from(part));
        tensors.push({ name: t.name, dims: t.dims, dataType: this.elemCode(t), rawData: Buffer.concat(parts) });
      }
      const model = this.modelProto(tensors);
      await writeFile(join(dir, 'model.onnx'), model);
      return { modelBytes: model.length, dataBytes: 0, parameters };
    }
    const location = 'model.onnx_data';
    let offset = 0;
    const placed: { tensor: PlannedTensor; offset: number }[] = [];
    const tensors: TensorProto[] = [];
    for (const t of this.tensors) {
      const dataType = this.elemCode(t);
      const length = this.bytesOf(t);
      if (length < 1024) {
        // Small tensors stay inline; built now (they are tiny).
        const parts: Uint8Array[] = [];
        for await (const part of this.bytes(t, options.seed)) parts.push(Uint8Array.from(part));
        tensors.push({ name: t.name, dims: t.dims, dataType, rawData: Buffer.concat(parts) });
        continue;
      }
      offset += (ALIGN - (offset % ALIGN)) % ALIGN;
      placed.push({ tensor: t, offset });
      const externalData = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(length) },
      ];
      offset += length;
      tensors.push({
        name: t.name,
        dims: t.dims,
        dataType,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData,
      });
    }
    const data: FileHandle = await open(join(dir, location), 'w');
    try {
      for (const { tensor, offset: at } of placed) {
        let position = at;
        for await (const part of this.bytes(tensor, options.seed)) {
          let done = 0;
          while (done < part.length)
            done += (await data.write(part, done, part.length - done, position + done)).bytesWritten;
          position += part.length;
        }
      }
    } finally {
      await data.close();
    }
    const model = this.modelProto(tensors);
    await writeFile(join(dir, 'model.onnx'), model);
    return { modelBytes: model.length, dataBytes: offset, parameters };
  }
}
