/**
 * The LoRA delta up@down by onnxruntime's MatMul (MLAS, every core) for the large weights of a real
 * UNet. The JavaScript loop of low-rank-delta.ts runs at ~1 GFLOP/s on one core; a rank-128 LoRA
 * on every attention and resnet layer of SDXL is ~600 GFLOP, i.e. ten minutes — over the merge's
 * two-minute goal by far (bench/real-size.bench.ts). Small weights stay in JavaScript, where a
 * session run would cost more than it saves and results are bit-for-bit the reference's.
 */
import os from 'node:os';
import { GraphBuilder } from '../models/onnx-graph-builder.ts';
import { OnnxSession } from '../onnx/session.ts';

/** Multiply-adds from which a weight's delta goes to onnxruntime. */
export const NATIVE_PRODUCT_MIN_MACS = 1 << 24;

function productModel(): Uint8Array {
  const g = new GraphBuilder('lora_delta_product');
  const left = g.input('left', 'float', ['rows', 'rank']);
  const right = g.input('right', 'float', ['rank', 'cols']);
  g.output(g.node('MatMul', [left, right]), 'product', ['rows', 'cols']);
  return g.build().model;
}

export class NativeProduct {
  private session: Promise<OnnxSession> | undefined;

  /** left [rows,rank] @ right [rank,cols] → [rows,cols], float32. */
  async multiply(
    left: Float32Array,
    right: Float32Array,
    rows: number,
    rank: number,
    cols: number,
  ): Promise<Float32Array> {
    this.session ??= OnnxSession.create(productModel(), {
      provider: 'cpu',
      threads: os.availableParallelism(),
      label: 'LoRA delta product',
    });
    const session = await this.session;
    const result = await session.run({
      left: { data: left, dims: [rows, rank] },
      right: { data: right, dims: [rank, cols] },
    });
    return result.product.data;
  }

  async release(): Promise<void> {
    if (this.session) await (await this.session).release();
    this.session = undefined;
  }
}
