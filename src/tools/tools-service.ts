/**
 * `/v1/tools/describe-image` and `/v1/tools/generate_mask` (both dialects): check that a model
 * (real or demo) is there before touching the image — with none, a 503 naming the folder and what
 * to put there (DECISIONS §3) — then decode the image in the codec worker (a bad one is a 422
 * naming the field) and run the model in the tools child. Nothing is queued or stored.
 */
import type { ImageInput } from '../../adapters/common-request.ts';
import type { DescribeToolRequest, MaskToolRequest } from '../../adapters/tools/tool-requests.ts';
import {
  CAPTIONER_MISSING,
  CLOTH_CATEGORIES,
  findCaptioner,
  findMaskModel,
  findTagger,
  MASK_FOLDER,
  REMBG_MODEL_NAMES,
  rembgDownloadUrl,
  rembgModelSpec,
  TAGGER_MISSING,
} from '../../engine/index.ts';
import { FeatureUnavailableError, InvalidFieldError } from '../errors.ts';
import { ToolFailure, type DescribeOutcome, type MaskOutcome, type ToolsClient } from './tools-client.ts';

export interface ToolImageReader {
  /** The image decoded and re-encoded as PNG (InvalidFieldError naming `field` when it is not one). */
  readImage(field: string, input: ImageInput): Promise<{ png: Uint8Array; width: number; height: number }>;
}

export interface ToolsServiceOptions {
  client: ToolsClient;
  images: ToolImageReader;
  modelsDir: string;
  isDemoAllowed: boolean;
}

export const SAM_UNAVAILABLE =
  "mask_model 'sam' (GroundingDINO boxes + SAM segmentation) is not available: it needs ONNX exports of " +
  'GroundingDINO (groundingdino_swint_ogc) and SAM (sam_vit_b_01ec64, sam_vit_l_0b3195 or sam_vit_h_4b8939), ' +
  `which this server cannot run yet; use a rembg model (${REMBG_MODEL_NAMES.join(', ')}) ` +
  `with its .onnx under models/${MASK_FOLDER}/`;

export class ToolsService {
  constructor(private readonly options: ToolsServiceOptions) {}

  async describe(request: DescribeToolRequest): Promise<DescribeOutcome> {
    const { modelsDir, isDemoAllowed } = this.options;
    const isAnime = request.imageType === 'Anime';
    const find = isAnime ? findTagger : findCaptioner;
    const installed = await find(modelsDir, isDemoAllowed);
    if (!installed) throw new FeatureUnavailableError(isAnime ? TAGGER_MISSING : CAPTIONER_MISSING);
    const { png } = await this.options.images.readImage(request.field, request.image);
    return this.mapped(() => this.options.client.describe(png, request.imageType));
  }

  async mask(request: MaskToolRequest): Promise<MaskOutcome> {
    const { model, clothCategory } = request;
    if (model === 'sam') throw new FeatureUnavailableError(SAM_UNAVAILABLE);
    const spec = rembgModelSpec(model);
    if (!spec) {
      const allowed = [...REMBG_MODEL_NAMES, 'sam'];
      const message = `mask_model: '${model}' is not one of ${allowed.join(', ')}`;
      throw new InvalidFieldError('mask_model', message, { type: 'enum', input: model, allowed });
    }
    if (spec.family === 'cloth' && !Object.hasOwn(CLOTH_CATEGORIES, clothCategory)) {
      const allowed = Object.keys(CLOTH_CATEGORIES);
      const message = `cloth_category: '${clothCategory}' is not one of ${allowed.join(', ')}`;
      throw new InvalidFieldError('cloth_category', message, { type: 'enum', input: clothCategory, allowed });
    }
    if (!(await findMaskModel(this.options.modelsDir, model, this.options.isDemoAllowed))) {
      const where = `put rembg's ${model}.onnx (${rembgDownloadUrl(model)}) under models/${MASK_FOLDER}/`;
      throw new FeatureUnavailableError(`'${model}' masks need a model that is not installed: ${where}`);
    }
    const { png } = await this.options.images.readImage('image', request.image);
    return this.mapped(() => this.options.client.mask(png, model, clothCategory));
  }

  close(): Promise<void> {
    return this.options.client.close();
  }

  /** Engine failures as the gateway's errors: a model gone since the check is a 503, a refused input a 422. */
  private async mapped<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof ToolFailure)) throw error;
      if (error.kind === 'model-missing') throw new FeatureUnavailableError(error.message, { cause: error });
      if (error.kind === 'invalid-input') {
        throw new InvalidFieldError(error.field ?? 'image', error.message, { cause: error });
      }
      throw error;
    }
  }
}
