/** The LoRA delta computed by onnxruntime (large weights) agrees with the JavaScript reference. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NativeProduct, NATIVE_PRODUCT_MIN_MACS } from '../../engine/lora/delta-product.ts';
import { DATA_TYPE } from '../../engine/lora/initializer-data.ts';
import { addLowRankDelta, addLowRankDeltaNative } from '../../engine/lora/low-rank-delta.ts';
import { float16BitsToFloat32, toFloat16Array } from '../../engine/onnx/float16.ts';

function seeded(count: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: count }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

test('a weight above the threshold gets the same delta from onnxruntime as from the JavaScript loop, in both layouts and dtypes', async () => {
  const [out, k, rank] = [256, 520, 128];
  assert.ok(out * k * rank >= NATIVE_PRODUCT_MIN_MACS);
  const factors = { up: seeded(out * rank, 1), down: seeded(rank * k, 2), out, rank, k };
  const native = new NativeProduct();
  try {
    for (const layout of ['out-in', 'in-out'] as const) {
      const base = seeded(out * k, 3);
      const expected = Float32Array.from(base);
      const actual = Float32Array.from(base);
      addLowRankDelta(new Uint8Array(expected.buffer), DATA_TYPE.float32, layout, factors);
      await addLowRankDeltaNative(new Uint8Array(actual.buffer), DATA_TYPE.float32, layout, factors, native);
      const worst = actual.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0);
      assert.ok(worst < 1e-4, `${layout}: max difference ${worst}`);
      const half = toFloat16Array(base);
      const halfExpected = Uint16Array.from(half);
      addLowRankDelta(new Uint8Array(halfExpected.buffer), DATA_TYPE.float16, layout, factors);
      await addLowRankDeltaNative(new Uint8Array(half.buffer), DATA_TYPE.float16, layout, factors, native);
      const worstHalf = half.reduce(
        (m, v, i) => Math.max(m, Math.abs(float16BitsToFloat32(v) - float16BitsToFloat32(halfExpected[i]))),
        0,
      );
      assert.ok(worstHalf <= 2 ** -8 * 64, `${layout} fp16: max difference ${worstHalf}`);
    }
  } finally {
    await native.release();
  }
});
