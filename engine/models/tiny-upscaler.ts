/**
 * The demo super-resolution model written on first start next to the demo checkpoint
 * (DECISIONS §4), so every upscale path runs out of the box: ESRGAN-shaped I/O as a real export
 * has it (`input` float32 [1,3,H,W] in 0..1 → `output` [1,3,2H,2W]), named like RRDBNet's first and
 * last convolutions. It is a bilinear ×2 of the input plus a small seeded random residual computed
 * at input resolution, cheap enough that a 1024² Fast 2x stays well inside a second of compute;
 * every task that uses it says so in its warnings.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FloatAttr, GraphBuilder } from './onnx-graph-builder.ts';
import { createWeightRng } from './tiny/seeded-weights.ts';

/** File name of the demo under models/upscale_models/. */
export const TINY_DEMO_UPSCALER_FILE = 'tiny-esrgan-demo.onnx';
export const TINY_UPSCALER_SCALE = 2;
const FEATURES = 4;

export function buildTinyUpscaler(seed = 409985): GraphBuilder {
  const rand = createWeightRng(seed);
  const g = new GraphBuilder('tiny_esrgan_demo');
  const input = g.input('input', 'float', [1, 3, 'height', 'width']);
  const scales = g.weight('upsample.scales', [4], Float32Array.from([1, 1, TINY_UPSCALER_SCALE, TINY_UPSCALER_SCALE]));
  const features = g.node(
    'LeakyRelu',
    [
      g.node(
        'Conv',
        [
          input,
          g.weight('conv_first.weight', [FEATURES, 3, 3, 3], rand(FEATURES * 27, 0.3)),
          g.weight('conv_first.bias', [FEATURES], rand(FEATURES, 0.05)),
        ],
        { pads: [1, 1, 1, 1] },
      ),
    ],
    { alpha: new FloatAttr(0.2) },
  );
  const residual = g.node('Conv', [
    features,
    g.weight('conv_last.weight', [3, FEATURES, 1, 1], rand(3 * FEATURES, 0.08)),
    g.weight('conv_last.bias', [3], new Float32Array(3)),
  ]);
  const upsampled = g.node('Resize', [g.node('Add', [input, residual]), '', scales], { mode: 'linear' });
  g.output(upsampled, 'output', [1, 3, 'out_height', 'out_width']);
  return g;
}

/** Writes the demo to `path` (staged and renamed, so a half-written file is never listed). */
export async function writeTinyUpscaler(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const staging = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Date.now()}`);
  try {
    await writeFile(staging, buildTinyUpscaler().build().model);
    await rename(staging, path);
  } finally {
    await rm(staging, { force: true });
  }
}
