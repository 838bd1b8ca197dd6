/**
 * The demo mask models written on first start (DECISIONS §4), with the I/O of rembg's exports
 * (`input.image` float32 [1,3,H,W] → first output [1,C,H,W]) and no trained weights: the saliency
 * demo scores each pixel by how far its colour is from the image's mean colour (so a subject on a
 * plain background comes out white), the cloth demo splits those pixels into upper/lower/full by
 * their dominant colour difference. Spatial dims are dynamic, so one file serves the 320, 768 and
 * 1024 inputs of every rembg name; masks made with it are labelled demo.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GraphBuilder } from '../models/onnx-graph-builder.ts';
import type { RembgFamily } from './rembg-models.ts';

/** |x − mean over H, W| per channel: [1,3,H,W]. */
function colourDistance(g: GraphBuilder, input: string): string {
  const mean = g.node('ReduceMean', [input], { axes: [2, 3], keepdims: 1 });
  return g.node('Abs', [g.node('Sub', [input, mean])]);
}

export function buildTinyMaskModel(family: RembgFamily): GraphBuilder {
  const g = new GraphBuilder(family === 'cloth' ? 'tiny_cloth_seg_demo' : 'tiny_mask_demo');
  const input = g.input('input.image', 'float', [1, 3, 'height', 'width']);
  const distance = colourDistance(g, input);
  if (family === 'saliency') {
    const weight = g.weight('score.weight', [1, 3, 1, 1], [1, 1, 1]);
    const score = g.node('Conv', [distance, weight, g.weight('score.bias', [1], [0])]);
    g.output(score, 'output', [1, 1, 'height', 'width']);
  } else {
    // Classes: background (close to the mean colour), upper (red), lower (blue), full (green).
    const weights = [-1, -1, -1, 1, 0, 0, 0, 0, 1, 0, 1, 0];
    const bias = g.weight('classes.bias', [4], [1, 0, 0, 0]);
    const logits = g.node('Conv', [distance, g.weight('classes.weight', [4, 3, 1, 1], weights), bias]);
    g.output(logits, 'output', [1, 4, 'height', 'width']);
  }
  return g;
}

/** Writes the demo (staged and renamed, so a half-written file is never found). */
export async function writeTinyMaskModel(path: string, family: RembgFamily): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const staging = join(dirname(path), `.${basename(path)}.partial-${process.pid}-${Date.now()}`);
  try {
    await writeFile(staging, buildTinyMaskModel(family).build().model);
    await rename(staging, path);
  } finally {
    await rm(staging, { force: true });
  }
}
