/**
 * The demo face detector (DECISIONS §4): the I/O of a RetinaFace-R50 ONNX export (one BGR
 * mean-subtracted NCHW image of any size → `loc` [1, N, 4], `conf` [1, N, 2] softmaxed, `landms`
 * [1, N, 10] for the priors of retinaface-decode.ts) computed by a few fixed operators instead of a
 * ResNet: each stride's grid averages the pixels under it (AveragePool, ceil mode), a 1×1 conv
 * scores "face" from brightness (bright regions are faces, dark ones not, so tests know where the
 * faces are), and constant biases place the five landmarks in a face-like pattern around each
 * anchor. Deterministic, no random weights.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GraphBuilder } from '../models/onnx-graph-builder.ts';
import { RETINAFACE_ANCHORS, RETINAFACE_STEPS } from './retinaface-decode.ts';

/** Landmark offsets from the anchor centre in anchor sizes, divided by the 0.1 variance. */
const LANDMARK_BIAS = [-2, -1, 2, -1, 0, 0.5, -1.5, 2.2, 1.5, 2.2];
/** face logit = gain·(B + G + R, mean-subtracted) + offset: about +20 on white, −19 on black. */
const FACE_GAIN = 0.05;
const FACE_OFFSET = -2;
const PER_ANCHOR = 16;

export function buildTinyFaceDetector(): GraphBuilder {
  const g = new GraphBuilder('tiny_retinaface');
  const image = g.input('input', 'float', [1, 3, 'height', 'width']);
  const parts: string[] = [];
  for (const [k, step] of RETINAFACE_STEPS.entries()) {
    const anchors = RETINAFACE_ANCHORS[k].length;
    const pooled = g.node('AveragePool', [image], {
      kernel_shape: [step, step],
      strides: [step, step],
      ceil_mode: 1,
      count_include_pad: 0,
    });
    const out = anchors * PER_ANCHOR;
    const weight = new Float32Array(out * 3);
    const bias = new Float32Array(out);
    for (let a = 0; a < anchors; a++) {
      const base = a * PER_ANCHOR;
      // [0..3] loc (0: the prior box itself), [4] background 0, [5] face, [6..15] landmarks.
      for (let c = 0; c < 3; c++) weight[(base + 5) * 3 + c] = FACE_GAIN;
      bias[base + 5] = FACE_OFFSET;
      for (let i = 0; i < 10; i++) bias[base + 6 + i] = LANDMARK_BIAS[i];
    }
    const conv = g.node('Conv', [
      pooled,
      g.weight(`head${k}.weight`, [out, 3, 1, 1], weight),
      g.weight(`head${k}.bias`, [out], bias),
    ]);
    // [1, A·16, h, w] → [1, h, w, A·16] → [1, h·w·A, 16]: rows in prior order (cell-major, anchors inside).
    parts.push(g.node('Reshape', [g.node('Transpose', [conv], { perm: [0, 2, 3, 1] }), g.ints([1, -1, PER_ANCHOR])]));
  }
  const all = g.node('Concat', parts, { axis: 1 });
  const slice = (from: number, to: number) => g.node('Slice', [all, g.ints([from]), g.ints([to]), g.ints([2])]);
  g.output(slice(0, 4), 'loc', [1, 'priors', 4]);
  g.output(g.node('Softmax', [slice(4, 6)], { axis: -1 }), 'conf', [1, 'priors', 2]);
  g.output(slice(6, 16), 'landms', [1, 'priors', 10]);
  return g;
}

export async function writeTinyFaceDetector(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, buildTinyFaceDetector().build().model);
}
