/**
 * The rembg segmentation models Fooocus offers for auto masks (fooocus-semantics §7.2), with the
 * input size and normalisation each of rembg's sessions uses, and the file name rembg's release
 * gives each ONNX export (what a user drops under models/mask/).
 */

export const MASK_FOLDER = 'mask';

/** `saliency`: one foreground-probability map; `cloth`: four class maps (background, upper, lower, full). */
export type RembgFamily = 'saliency' | 'cloth';

export interface RembgModelSpec {
  name: string;
  family: RembgFamily;
  /** Square input side the session resizes to. */
  size: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
const UNIT_STD = [1, 1, 1] as const;

const saliency = { family: 'saliency', mean: IMAGENET_MEAN } as const;
const u2net = (name: string): RembgModelSpec => ({ name, ...saliency, size: 320, std: IMAGENET_STD });
const isnet = (name: string): RembgModelSpec => ({ name, ...saliency, size: 1024, std: UNIT_STD });

export const REMBG_MODELS: readonly RembgModelSpec[] = [
  u2net('u2net'),
  u2net('u2netp'),
  u2net('u2net_human_seg'),
  { name: 'u2net_cloth_seg', family: 'cloth', size: 768, mean: IMAGENET_MEAN, std: IMAGENET_STD },
  u2net('silueta'),
  isnet('isnet-general-use'),
  isnet('isnet-anime'),
];

export const REMBG_MODEL_NAMES: readonly string[] = REMBG_MODELS.map((m) => m.name);

export function rembgModelSpec(name: string): RembgModelSpec | undefined {
  return REMBG_MODELS.find((m) => m.name === name);
}

/** u2net_cloth_seg's classes as rembg numbers them (0 is background). */
export const CLOTH_CATEGORIES = { upper: 1, lower: 2, full: 3 } as const;
export type ClothCategory = keyof typeof CLOTH_CATEGORIES;

/** Where rembg publishes each model (named in the 503 that asks for it). */
export function rembgDownloadUrl(name: string): string {
  return `https://github.com/danielgatis/rembg/releases/download/v0.0.0/${name}.onnx`;
}
