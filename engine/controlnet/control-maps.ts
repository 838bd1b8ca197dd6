/**
 * The control maps of a job (fooocus-semantics.md §8): each slot's stored image (alpha over white,
 * as every Fooocus input), cover-resized and centre-cropped to the generation size, then PyraCanny
 * or CPDS unless `skipping_cn_preprocessor` is set; canny slots first, then CPDS, as Fooocus runs
 * its task lists.
 */
import { readInputImage } from '../image/input-image.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { ControlNetJob, ControlNetSlotJob } from '../protocol.ts';
import { coverResize } from './preprocessors/cover-resize.ts';
import { cpds } from './preprocessors/cpds.ts';
import { pyramidCanny } from './preprocessors/pyramid-canny.ts';

export interface ControlMap {
  slot: ControlNetSlotJob;
  map: Bitmap8;
}

const TYPE_ORDER: ControlNetSlotJob['type'][] = ['PyraCanny', 'CPDS'];

export function orderedSlots(job: ControlNetJob): ControlNetSlotJob[] {
  return TYPE_ORDER.flatMap((type) => job.slots.filter((slot) => slot.type === type));
}

export function preprocess(
  image: Bitmap8,
  type: ControlNetSlotJob['type'],
  job: Pick<ControlNetJob, 'cannyLow' | 'cannyHigh' | 'isPreprocessorSkipped'>,
): Bitmap8 {
  if (job.isPreprocessorSkipped) return image;
  return type === 'PyraCanny' ? pyramidCanny(image, job.cannyLow, job.cannyHigh) : cpds(image);
}

export async function controlMaps(
  job: ControlNetJob,
  inputsDir: string,
  width: number,
  height: number,
): Promise<ControlMap[]> {
  const maps: ControlMap[] = [];
  for (const [index, slot] of orderedSlots(job).entries()) {
    const image = await readInputImage(inputsDir, slot.image, `controlnet_image[${index}].cn_img`);
    maps.push({ slot, map: preprocess(coverResize(image, width, height), slot.type, job) });
  }
  return maps;
}
