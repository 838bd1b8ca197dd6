/**
 * Describe → Anime (fooocus-semantics §9): a WD14 tagger as Fooocus runs it. The image keeps its
 * aspect ratio, is LANCZOS-fitted into a white square of the model's input side (448 for the
 * moat tagger; read from the model), centred at the floor of half the margin, and fed as BGR
 * float 0..255 NHWC; the first output holds one sigmoid score per CSV tag.
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import { resampleLanczos } from '../image/lanczos-resample.ts';
import type { FeedTensor, OnnxSession } from '../onnx/session.ts';
import { selectTags, type TaggerTag } from './tags-csv.ts';

export const DEFAULT_TAGGER_SIZE = 448;

/** The square side from the model's NHWC input [N, S, S, 3]; a dynamic side falls back to 448. */
export function taggerInputSize(session: Pick<OnnxSession, 'inputs'>): number {
  const side = session.inputs[0]?.shape[1];
  return typeof side === 'number' && side > 0 ? side : DEFAULT_TAGGER_SIZE;
}

/** `rgb`: 3-channel image. */
export function taggerInput(rgb: Bitmap8, size: number): FeedTensor {
  const ratio = size / Math.max(rgb.width, rgb.height);
  // PIL: int(x * ratio) per side.
  const width = Math.max(1, Math.trunc(rgb.width * ratio));
  const height = Math.max(1, Math.trunc(rgb.height * ratio));
  const fitted = resampleLanczos(rgb, width, height);
  const left = Math.floor((size - width) / 2);
  const top = Math.floor((size - height) / 2);
  const data = new Float32Array(size * size * 3).fill(255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 3;
      const d = ((y + top) * size + (x + left)) * 3;
      data[d] = fitted.data[s + 2];
      data[d + 1] = fitted.data[s + 1];
      data[d + 2] = fitted.data[s];
    }
  }
  return { data, dims: [1, size, size, 3] };
}

export async function tagImage(session: OnnxSession, tags: readonly TaggerTag[], rgb: Bitmap8): Promise<string> {
  const input = taggerInput(rgb, taggerInputSize(session));
  const output = session.outputs[0].name;
  const result = await session.run({ [session.inputs[0].name]: input }, [output]);
  // Batch 1: [1, tags].
  return selectTags(tags, result[output].data);
}
