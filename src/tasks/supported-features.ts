/**
 * What the engine can run: text to image, upscale/vary, inpaint/outpaint and the four image-prompt
 * types (PyraCanny and CPDS through ControlNet, ImagePrompt and FaceSwap through IP-Adapter). A
 * request with a slot type an engine cannot run is refused before anything else is done for it,
 * saying so, rather than silently rendering without it (DECISIONS §3: never a fake result).
 */
import type { CommonRequest, ControlNetType, TaskMode } from '../../adapters/common-request.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';
import { FeatureUnavailableError } from '../errors.ts';

/** The task modes the engine runs today. */
export const ENGINE_TASK_MODES: readonly TaskMode[] = [
  'Text to Image',
  'Image Upscale or Variation',
  'Image Inpaint or Outpaint',
  'Image Prompt',
];

/** The image-prompt types the engine runs (engine/controlnet and engine/ip-adapter). */
export const ENGINE_IMAGE_PROMPT_TYPES: readonly ControlNetType[] = ['PyraCanny', 'CPDS', 'ImagePrompt', 'FaceSwap'];

/**
 * Fooocus runs image prompts ('cn' goal) when the tab is `ip` or either mixing flag is set
 * (fooocusapi-new.md §9) with images in any slot.
 */
export function assertSupported(
  request: CommonRequest,
  modes: readonly TaskMode[] = ENGINE_TASK_MODES,
  imagePromptTypes: readonly ControlNetType[] = ENGINE_IMAGE_PROMPT_TYPES,
): void {
  const mode = deriveTaskMode(request);
  const hasImagePrompt = request.controlnet_image.some((slot) => slot.cn_img.kind !== 'none');
  const isMixing = request.mixing_image_prompt_and_vary_upscale || request.mixing_image_prompt_and_inpaint;
  const needsImagePrompts = mode === 'Image Prompt' || (hasImagePrompt && isMixing);
  if (needsImagePrompts && !modes.includes('Image Prompt')) {
    throw new FeatureUnavailableError(
      `'Image Prompt' (current_tab '${request.current_tab}'${isMixing ? ', with a mixing flag' : ''}) needs the engine's image modes for image prompts (ControlNet/IP-Adapter models under models/controlnet and models/ip_adapter), which this server does not have yet; text to image, upscale or vary and inpaint or outpaint run`,
    );
  }
  if (needsImagePrompts) {
    request.controlnet_image.forEach((slot, i) => {
      if (slot.cn_img.kind === 'none' || imagePromptTypes.includes(slot.cn_type)) return;
      throw new FeatureUnavailableError(
        `image prompt type '${slot.cn_type}' (controlnet_image slot ${i + 1}) is not supported yet: this engine does not run it; the types that run are ${imagePromptTypes.join(', ')}`,
      );
    });
  }
  if (!modes.includes(mode)) {
    throw new FeatureUnavailableError(
      `'${mode}' (current_tab '${request.current_tab}') is not supported by this engine; it runs ${modes.join(', ')}`,
    );
  }
}
