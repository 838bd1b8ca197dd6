/**
 * What the engine can run. Text to image, upscale/vary, inpaint/outpaint and the IP-Adapter image
 * prompts (ImagePrompt, FaceSwap) run; a request with a slot type the engine cannot run yet is
 * refused before anything else is done for it, saying so, rather than silently rendering without it
 * (DECISIONS §3: never a fake result).
 */
import type { CommonRequest, ControlNetType, TaskMode } from '../../adapters/common-request.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';
import { FeatureUnavailableError } from '../errors.ts';

/** The task modes the engine runs today. */
export const ENGINE_TASK_MODES: readonly TaskMode[] = ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint', 'Image Prompt'];

/** Image-prompt types the engine runs (engine/ip-adapter); the ControlNet types follow with their models. */
export const ENGINE_IMAGE_PROMPT_TYPES: readonly ControlNetType[] = ['ImagePrompt', 'FaceSwap'];

/**
 * Fooocus runs image prompts ('cn' goal) when the tab is `ip` or either mixing flag is set
 * (fooocusapi-new.md §9) with images in any slot.
 */
export function assertSupported(request: CommonRequest, modes: readonly TaskMode[] = ENGINE_TASK_MODES): void {
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
    const sent = request.controlnet_image.filter((slot) => slot.cn_img.kind !== 'none').map((slot) => slot.cn_type);
    const refused = [...new Set(sent.filter((type) => !ENGINE_IMAGE_PROMPT_TYPES.includes(type)))];
    if (refused.length > 0) {
      throw new FeatureUnavailableError(
        `image prompts of type ${refused.join(', ')} are not supported by this engine yet (they need ControlNet ` +
          `models under models/controlnet); ${ENGINE_IMAGE_PROMPT_TYPES.join(' and ')} run (IP-Adapter)`,
      );
    }
  }
  if (!modes.includes(mode)) {
    throw new FeatureUnavailableError(`'${mode}' (current_tab '${request.current_tab}') is not supported by this engine; it runs ${modes.join(', ')}`);
  }
}
