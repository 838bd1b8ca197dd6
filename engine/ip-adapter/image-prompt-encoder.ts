/**
 * Image prompts of the IP-Adapter types (ImagePrompt, FaceSwap) → their per-layer tokens, as
 * Fooocus's `apply_control_nets` prepares them (fooocus-semantics.md §8): FaceSwap images are
 * first cropped to the face (engine/faces; skipped with skipping_cn_preprocessor), every image is
 * stretched to 224×224, encoded by CLIP vision and projected by its type's adapter. Models are
 * loaded on first use and kept while jobs keep using the same files.
 */
import { join } from 'node:path';
import { modelMissing } from '../errors.ts';
import { resampleLanczos, type Bitmap8 } from '../image/lanczos-resample.ts';
import type { ProviderSelector } from '../onnx/providers.ts';
import { CLIP_VISION_FOLDER, findClipVision, findIpAdapter, type IpAdapterKind } from './ip-adapter-files.ts';
import { ClipVisionEncoder, IP_IMAGE_SIZE, IpAdapterModel } from './ip-adapter-model.ts';
import type { ImagePromptTokens } from './image-prompt-feeds.ts';

export interface IpSlot {
  type: IpAdapterKind;
  image: Bitmap8;
  stop: number;
  weight: number;
}

/** Crops an image to its best face, aligned (engine/faces), or returns it whole; says what it did. */
export type FaceCropper = (image: Bitmap8, warnings: string[]) => Promise<Bitmap8>;

export interface PreparedImagePrompts {
  tokens: ImagePromptTokens[];
  /** The 224² images CLIP saw, in slot order (debugging_cn_preprocessor returns the first). */
  preprocessed: Bitmap8[];
}

function say(warnings: string[], warning: string): void {
  if (!warnings.includes(warning)) warnings.push(warning);
}

export class ImagePromptEncoder {
  private clip: ClipVisionEncoder | null = null;
  private readonly adapters = new Map<IpAdapterKind, IpAdapterModel>();

  constructor(
    private readonly modelsDir: string,
    private readonly providers: ProviderSelector,
  ) {}

  private async clipVision(warnings: string[]): Promise<ClipVisionEncoder> {
    const folder = await findClipVision(this.modelsDir);
    const root = join(this.modelsDir, CLIP_VISION_FOLDER);
    if (!folder) {
      const message = `image prompts need a CLIP vision model: none under ${root} (convert clip_vision_vit_h.safetensors there; see README)`;
      throw modelMissing(message, 'controlnet_image');
    }
    if (folder.isDemo)
      say(
        warnings,
        `image prompts encoded by the tiny random-weight demo CLIP vision model ${folder.name}: install a real one under ${root} (see README)`,
      );
    if (this.clip?.folder.dir !== folder.dir) {
      await this.clip?.release();
      this.clip = null;
      this.clip = await ClipVisionEncoder.load(folder, this.providers);
    }
    return this.clip;
  }

  private async adapter(kind: IpAdapterKind, warnings: string[]): Promise<IpAdapterModel> {
    const files = await findIpAdapter(this.modelsDir, kind);
    if ('reason' in files) throw modelMissing(`${kind} image prompts: ${files.reason}`, 'controlnet_image');
    if (files.isDemo)
      say(
        warnings,
        `${kind} image prompts applied by the tiny random-weight demo IP-Adapter ${files.name}: install a real one (see README)`,
      );
    const loaded = this.adapters.get(kind);
    if (loaded?.files.dir === files.dir && loaded.files.negative === files.negative) return loaded;
    await loaded?.release();
    this.adapters.delete(kind);
    const model = await IpAdapterModel.load(files, this.providers);
    this.adapters.set(kind, model);
    return model;
  }

  async prepare(
    slots: readonly IpSlot[],
    options: { isPreprocessorSkipped: boolean; faceCrop: FaceCropper },
    warnings: string[],
  ): Promise<PreparedImagePrompts> {
    const tokens: ImagePromptTokens[] = [];
    const preprocessed: Bitmap8[] = [];
    for (const slot of slots) {
      let image = slot.image;
      if (slot.type === 'FaceSwap' && !options.isPreprocessorSkipped) image = await options.faceCrop(image, warnings);
      image = resampleLanczos(image, IP_IMAGE_SIZE, IP_IMAGE_SIZE);
      preprocessed.push(image);
      const clip = await this.clipVision(warnings);
      const adapter = await this.adapter(slot.type, warnings);
      const hidden = await clip.encode(image);
      tokens.push({
        cond: await adapter.conditional(hidden),
        uncond: await adapter.unconditional(),
        stop: slot.stop,
        weight: slot.weight,
      });
    }
    return { tokens, preprocessed };
  }

  async release(): Promise<void> {
    await this.clip?.release();
    this.clip = null;
    for (const model of this.adapters.values()) await model.release();
    this.adapters.clear();
  }
}
