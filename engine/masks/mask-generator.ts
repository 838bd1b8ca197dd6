/**
 * `/v1/tools/generate_mask` in the engine: a rembg model by name (fooocus-semantics §7.2) on an
 * RGB image → a greyscale PNG mask of the image's size. Sessions stay loaded per file.
 */
import { modelMissing, invalidInput } from '../errors.ts';
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { OnnxSession } from '../onnx/session.ts';
import { encodeGreyPng } from './grey-png.ts';
import { findMaskModel } from './mask-files.ts';
import { clothMask, rembgInput, saliencyMask } from './rembg-mask.ts';
import { CLOTH_CATEGORIES, MASK_FOLDER, REMBG_MODEL_NAMES, rembgDownloadUrl, rembgModelSpec } from './rembg-models.ts';
import type { ClothCategory } from './rembg-models.ts';

export interface MaskResult {
  png: Uint8Array;
  width: number;
  height: number;
  warnings: string[];
}

export type SessionLoader = (path: string, label: string) => Promise<OnnxSession>;

export function isClothCategory(value: string): value is ClothCategory {
  return Object.hasOwn(CLOTH_CATEGORIES, value);
}

export class MaskGenerator {
  constructor(
    private readonly modelsDir: string,
    private readonly isDemoAllowed: boolean,
    private readonly load: SessionLoader,
  ) {}

  async generate(rgb: Bitmap8, modelName: string, clothCategory: string): Promise<MaskResult> {
    const spec = rembgModelSpec(modelName);
    if (!spec) {
      throw invalidInput('mask_model', `mask_model: '${modelName}' is not one of ${REMBG_MODEL_NAMES.join(', ')}`);
    }
    if (spec.family === 'cloth' && !isClothCategory(clothCategory)) {
      const allowed = Object.keys(CLOTH_CATEGORIES).join(', ');
      throw invalidInput('cloth_category', `cloth_category: '${clothCategory}' is not one of ${allowed}`);
    }
    const file = await findMaskModel(this.modelsDir, modelName, this.isDemoAllowed);
    if (!file) {
      const where = `put rembg's ${modelName}.onnx (${rembgDownloadUrl(modelName)}) under models/${MASK_FOLDER}/`;
      throw modelMissing(`mask model '${modelName}' is not installed: ${where}`, 'mask_model');
    }
    const session = await this.load(file.path, `mask ${modelName}`);
    const outputs = await session.run({ [session.inputs[0].name]: rembgInput(rgb, spec) }, [session.outputs[0].name]);
    const output = outputs[session.outputs[0].name];
    const mask =
      spec.family === 'cloth'
        ? clothMask(output, clothCategory as ClothCategory, rgb.width, rgb.height)
        : saliencyMask(output, rgb.width, rgb.height);
    const demo =
      `mask model '${modelName}' is not installed: the tiny demo mask model ran instead (its mask only marks ` +
      `colours far from the image's mean); put rembg's ${modelName}.onnx under models/${MASK_FOLDER}/`;
    const warnings = file.isDemo ? [demo] : [];
    return { png: encodeGreyPng(rgb.width, rgb.height, mask.data), width: rgb.width, height: rgb.height, warnings };
  }
}
