/**
 * A small ModelProto builder on onnx-proto, for the tiny demo checkpoint and the provider probe.
 * Graphs compute in float32; with `io: 'float16'` every float input is Cast to float32 on entry
 * and every float output Cast back, like fp16 exports that keep their I/O in half precision.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = onnxProto.onnx.INodeProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

export const OPSET = 17;
export const ELEM = { float32: 1, int32: 6, int64: 7, bool: 9, float16: 10 } as const;
export type ElemName = keyof typeof ELEM;
export type Dim = number | string;

/** A float attribute (plain numbers are ints). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export type AttrValue = number | number[] | string | FloatAttr;

function attribute(name: string, value: AttrValue): AttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (value instanceof FloatAttr) return { name, type: T.FLOAT, f: value.value };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  return { name, type: T.INTS, ints: value };
}

function valueInfo(name: string, elem: ElemName, dims: readonly Dim[]): ValueInfo {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: ELEM[elem], shape: { dim } } } };
}

export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: {
    name: string;
    dims: number[];
    elem: 'float32' | 'int64';
    values: ArrayLike<number>;
  }[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private counter = 0;

  constructor(
    readonly name: string,
    /** Dtype of float inputs/outputs as the model declares them. */
    readonly io: 'float32' | 'float16' = 'float32',
  ) {}

  /** Declares an input; returns the float32 (or int) value name to compute with. */
  input(name: string, elem: 'float' | 'int64' | 'int32' | 'bool', dims: readonly Dim[]): string {
    if (elem !== 'float') {
      this.inputs.push(valueInfo(name, elem, dims));
      return name;
    }
    this.inputs.push(valueInfo(name, this.io, dims));
    return this.io === 'float32' ? name : this.node('Cast', [name], { to: ELEM.float32 });
  }

  /** Declares a float output computed by `value` under the public `name`. */
  output(value: string, name: string, dims: readonly Dim[]): void {
    if (this.io === 'float16') this.node('Cast', [value], { to: ELEM.float16 }, name);
    else this.node('Identity', [value], {}, name);
    this.outputs.push(valueInfo(name, this.io, dims));
  }

  weight(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push({ name, dims, elem: 'float32', values });
    return name;
  }

  ints(values: number[], name = this.fresh('const')): string {
    this.initializers.push({ name, dims: [values.length], elem: 'int64', values });
    return name;
  }

  scalar(value: number, name = this.fresh('scalar')): string {
    this.initializers.push({ name, dims: [], elem: 'float32', values: [value] });
    return name;
  }

  /**
   * Adds a node; returns its (first) output name. '' in inputs marks an omitted optional input.
   * `nodeName` gives it a torch-style scoped name (`/down_blocks.0/resnets.0/conv1/Conv`), which
   * the LoRA merge uses to find a module's weight.
   */
  node(
    op: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    output = this.fresh(op),
    nodeName = `${op}_${this.nodes.length}`,
  ): string {
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ opType: op, name: nodeName, input: inputs, output: [output], attribute: attribute_ });
    return output;
  }

  private fresh(prefix: string): string {
    this.counter += 1;
    return `${prefix.toLowerCase()}_${this.counter}`;
  }

  /**
   * Serialises the model. With `externalDataFile`, float initializers of at least `minExternal`
   * elements go into that side file (a relative `location`, as optimum writes model.onnx_data).
   */
  build(options: { externalDataFile?: string; minExternal?: number } = {}): {
    model: Uint8Array;
    externalData?: Buffer;
  } {
    const chunks: Buffer[] = [];
    let offset = 0;
    const tensors: TensorProto[] = this.initializers.map((init) => {
      if (init.elem === 'int64') {
        return { name: init.name, dims: init.dims, dataType: ELEM.int64, int64Data: Array.from(init.values) };
      }
      const f32 = init.values instanceof Float32Array ? init.values : Float32Array.from(init.values);
      const raw = Buffer.from(f32.buffer, f32.byteOffset, f32.byteLength);
      if (options.externalDataFile && f32.length >= (options.minExternal ?? 1024)) {
        const padding = (64 - (offset % 64)) % 64;
        if (padding > 0) chunks.push(Buffer.alloc(padding));
        offset += padding;
        chunks.push(raw);
        const entry = [
          { key: 'location', value: options.externalDataFile },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(raw.length) },
        ];
        offset += raw.length;
        return {
          name: init.name,
          dims: init.dims,
          dataType: ELEM.float32,
          dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
          externalData: entry,
        };
      }
      return { name: init.name, dims: init.dims, dataType: ELEM.float32, rawData: raw };
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'fooocus-gateway tiny-checkpoint',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: this.name, node: this.nodes, initializer: tensors, input: this.inputs, output: this.outputs },
    });
    const bytes = onnx.ModelProto.encode(model).finish();
    return chunks.length > 0 ? { model: bytes, externalData: Buffer.concat(chunks) } : { model: bytes };
  }

  /** Writes `<dir>/model.onnx` (+ `model.onnx_data` when `externalData`). */
  async writeTo(dir: string, externalData: boolean): Promise<void> {
    const built = this.build(externalData ? { externalDataFile: 'model.onnx_data' } : {});
    await writeFile(join(dir, 'model.onnx'), built.model);
    if (built.externalData) await writeFile(join(dir, 'model.onnx_data'), built.externalData);
  }
}
