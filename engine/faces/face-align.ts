/**
 * FaceSwap's crop (fooocus-semantics.md §8.4): the similarity transform (rotation, uniform scale,
 * translation) taking the face's five landmarks onto the FFHQ 512×512 template, then the image warped
 * through it with bilinear sampling and a grey border (135, 133, 132). Fooocus fits the transform
 * with OpenCV's LMEDS; with five consistent points that agrees with the least-squares fit used
 * here (Umeyama, no reflection), which needs no random sampling.
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';

export const FACE_CROP_SIZE = 512;
/** facexlib's 5-point template for a 512² face (eyes, nose, mouth corners). */
export const FFHQ_TEMPLATE_512: readonly [number, number][] = [
  [192.98138, 239.94708],
  [318.90277, 240.1936],
  [256.63416, 314.01935],
  [201.26117, 371.41043],
  [313.08905, 371.15118],
];
export const FACE_BORDER_RGB = [135, 133, 132] as const;

/** [a, b, tx, ty]: x' = a·x − b·y + tx, y' = b·x + a·y + ty, least squares from `from` to `to`. */
export function similarityTransform(
  from: readonly [number, number][],
  to: readonly [number, number][],
): [number, number, number, number] {
  const n = from.length;
  let fx = 0,
    fy = 0,
    tx = 0,
    ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i][0];
    fy += from[i][1];
    tx += to[i][0];
    ty += to[i][1];
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let sxx = 0,
    sxy = 0,
    norm = 0;
  for (let i = 0; i < n; i++) {
    const x = from[i][0] - fx,
      y = from[i][1] - fy,
      u = to[i][0] - tx,
      v = to[i][1] - ty;
    sxx += x * u + y * v;
    sxy += x * v - y * u;
    norm += x * x + y * y;
  }
  if (norm === 0) throw new Error('face landmarks coincide: no transform');
  const a = sxx / norm;
  const b = sxy / norm;
  return [a, b, tx - (a * fx - b * fy), ty - (b * fx + a * fy)];
}

/** The RGB crop of `size`² whose pixel (x, y) shows the source at the inverse transform of (x, y). */
export function warpSimilarity(
  image: Bitmap8,
  transform: [number, number, number, number],
  size = FACE_CROP_SIZE,
): Bitmap8 {
  const [a, b, tx, ty] = transform;
  const det = a * a + b * b;
  const out = new Uint8Array(size * size * 3);
  const ch = image.channels;
  const at = (x: number, y: number, c: number) =>
    x < 0 || y < 0 || x >= image.width || y >= image.height
      ? FACE_BORDER_RGB[c]
      : image.data[(y * image.width + x) * ch + c];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      // Inverse of [[a, −b], [b, a]]: [[a, b], [−b, a]] / (a² + b²).
      const dx = x - tx,
        dy = y - ty;
      const sx = (a * dx + b * dy) / det;
      const sy = (-b * dx + a * dy) / det;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      const fx = sx - x0,
        fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
        const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
        out[(y * size + x) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width: size, height: size, channels: 3, data: out };
}

export function alignFace(image: Bitmap8, landmarks: readonly [number, number][]): Bitmap8 {
  return warpSimilarity(image, similarityTransform(landmarks, FFHQ_TEMPLATE_512));
}
