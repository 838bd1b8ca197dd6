/**
 * Decoding a RetinaFace detector's raw outputs (the facexlib `detection_Resnet50_Final` model
 * Fooocus's FaceSwap uses, exported to ONNX): per prior, `loc` [4] box offsets, `conf` [2]
 * (background, face) and `landms` [10] five-point offsets. Priors follow RetinaFace-R50's config:
 * feature strides 8, 16, 32 with anchor sizes (16, 32), (64, 128), (256, 512) px, one row per
 * anchor, row-major over the ceil(h/stride) × ceil(w/stride) grid; variances 0.1 (centres) and 0.2
 * (sizes). Faces are kept above a 0.8 score and merged by NMS at IoU 0.4, best first (facexlib's
 * defaults), in pixels of the image the detector saw.
 */

export const RETINAFACE_STEPS = [8, 16, 32] as const;
export const RETINAFACE_ANCHORS = [
  [16, 32],
  [64, 128],
  [256, 512],
] as const;
export const RETINAFACE_VARIANCE = [0.1, 0.2] as const;
/** BGR means the detector subtracts from 0..255 pixels. */
export const RETINAFACE_BGR_MEAN = [104, 117, 123] as const;
export const FACE_SCORE_THRESHOLD = 0.8;
export const FACE_NMS_THRESHOLD = 0.4;

export interface DetectedFace {
  /** x1, y1, x2, y2 in pixels. */
  box: [number, number, number, number];
  score: number;
  /** Left eye, right eye, nose, left mouth corner, right mouth corner: [x, y] in pixels. */
  landmarks: [number, number][];
}

/** [cx, cy, w, h] per prior, normalised to the image size. */
export function retinafacePriors(width: number, height: number): Float32Array {
  const out: number[] = [];
  for (const [k, step] of RETINAFACE_STEPS.entries()) {
    const rows = Math.ceil(height / step);
    const cols = Math.ceil(width / step);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        for (const size of RETINAFACE_ANCHORS[k])
          out.push(((j + 0.5) * step) / width, ((i + 0.5) * step) / height, size / width, size / height);
      }
    }
  }
  return Float32Array.from(out);
}

function iou(a: DetectedFace['box'], b: DetectedFace['box']): number {
  // py_cpu_nms counts pixels inclusively (+1), as facexlib does.
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]) + 1);
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]) + 1);
  const inter = w * h;
  const area = (r: DetectedFace['box']) => (r[2] - r[0] + 1) * (r[3] - r[1] + 1);
  return inter / (area(a) + area(b) - inter);
}

/** Rows whose two conf values are not already probabilities get a softmax (exports without the test-phase softmax). */
function faceProbability(conf: ArrayLike<number>, i: number): number {
  const bg = conf[i * 2];
  const face = conf[i * 2 + 1];
  const isProbability = bg >= 0 && face >= 0 && Math.abs(bg + face - 1) < 1e-3;
  return isProbability ? face : 1 / (1 + Math.exp(bg - face));
}

export function decodeRetinaface(
  loc: ArrayLike<number>,
  conf: ArrayLike<number>,
  landms: ArrayLike<number>,
  width: number,
  height: number,
): DetectedFace[] {
  const priors = retinafacePriors(width, height);
  const count = priors.length / 4;
  if (loc.length !== count * 4 || conf.length !== count * 2 || landms.length !== count * 10) {
    throw new Error(
      `face detector: ${loc.length / 4} boxes for ${count} RetinaFace priors of a ${width}×${height} input (not a RetinaFace-R50-layout model)`,
    );
  }
  const [v0, v1] = RETINAFACE_VARIANCE;
  const candidates: DetectedFace[] = [];
  for (let i = 0; i < count; i++) {
    const score = faceProbability(conf, i);
    if (!(score > FACE_SCORE_THRESHOLD)) continue;
    const [pcx, pcy, pw, ph] = [priors[i * 4], priors[i * 4 + 1], priors[i * 4 + 2], priors[i * 4 + 3]];
    const cx = pcx + loc[i * 4] * v0 * pw;
    const cy = pcy + loc[i * 4 + 1] * v0 * ph;
    const w = pw * Math.exp(loc[i * 4 + 2] * v1);
    const h = ph * Math.exp(loc[i * 4 + 3] * v1);
    const landmarks: [number, number][] = [];
    for (let k = 0; k < 5; k++)
      landmarks.push([
        (pcx + landms[i * 10 + 2 * k] * v0 * pw) * width,
        (pcy + landms[i * 10 + 2 * k + 1] * v0 * ph) * height,
      ]);
    candidates.push({
      box: [(cx - w / 2) * width, (cy - h / 2) * height, (cx + w / 2) * width, (cy + h / 2) * height],
      score,
      landmarks,
    });
  }
  // Stable: equal scores keep prior order.
  candidates.sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  for (const face of candidates) if (kept.every((k) => iou(k.box, face.box) <= FACE_NMS_THRESHOLD)) kept.push(face);
  return kept;
}
