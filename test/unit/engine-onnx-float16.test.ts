import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  fromFloat16Array,
  toFloat16Array,
} from '../../engine/onnx/float16.ts';

// Expected bit patterns are IEEE 754 binary16 encodings (e.g. numpy.float16(x).view(uint16)).
const CASES: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.5, 0x3800],
  [65504, 0x7bff],
  [65520, 0x7c00], // rounds up past the largest finite half → Inf
  [1e6, 0x7c00],
  [-Infinity, 0xfc00],
  [2 ** -24, 0x0001], // smallest subnormal
  [2 ** -14, 0x0400], // smallest normal
  [2 ** -26, 0x0000], // below half the smallest subnormal → 0
  [1 + 2 ** -11, 0x3c00], // tie → even mantissa
  [1 + 3 * 2 ** -11, 0x3c02], // tie → even (rounds up)
  [0.1, 0x2e66],
];

test('converts float32 to the IEEE half bit patterns, rounding to nearest even', () => {
  for (const [value, bits] of CASES) assert.equal(float32ToFloat16Bits(value), bits, `value ${value}`);
  assert.equal(float32ToFloat16Bits(NaN) & 0x7c00, 0x7c00);
  assert.notEqual(float32ToFloat16Bits(NaN) & 0x3ff, 0);
});

test('converts half bit patterns back to the exact float values', () => {
  assert.equal(float16BitsToFloat32(0x3c00), 1);
  assert.equal(float16BitsToFloat32(0x7bff), 65504);
  assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
  assert.equal(float16BitsToFloat32(0xfc00), -Infinity);
  assert.ok(Number.isNaN(float16BitsToFloat32(0x7e00)));
  assert.equal(float16BitsToFloat32(0x2e66), 0.0999755859375);
});

test('round-trips every finite half value through float32 unchanged', () => {
  const all = new Uint16Array(0x10000).map((_, i) => i);
  const back = toFloat16Array(fromFloat16Array(all));
  for (let i = 0; i < all.length; i++) {
    const isNaN16 = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (!isNaN16) assert.equal(back[i], i, `bits 0x${i.toString(16)}`);
  }
});
