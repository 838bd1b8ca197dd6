import type { CommonRequest, CurrentTab, TaskMode } from './common-request.ts';

/**
 * fooocusapi-new.md §9: first hit wins — enhance image, image prompt in slot 1 only, uov image,
 * inpaint image; otherwise the client's value stays.
 */
export function deriveCurrentTab(request: CommonRequest): CurrentTab {
  if (request.enhance_input_image.kind !== 'none') return 'enhance';
  if (request.controlnet_image[0] && request.controlnet_image[0].cn_img.kind !== 'none') return 'ip';
  if (request.uov_input_image.kind !== 'none') return 'uov';
  if (request.inpaint_input_image.kind !== 'none') return 'inpaint';
  return request.current_tab;
}

/** The legacy dialect's job_type, fixed when a task is accepted (DECISIONS §3). */
export function deriveTaskMode(request: CommonRequest): TaskMode {
  const hasImagePrompt = request.controlnet_image.some((slot) => slot.cn_img.kind !== 'none');
  switch (request.current_tab) {
    case 'uov':
      return request.uov_input_image.kind !== 'none' && request.uov_method !== 'Disabled'
        ? 'Image Upscale or Variation'
        : 'Text to Image';
    case 'inpaint':
      return request.inpaint_input_image.kind !== 'none' ? 'Image Inpaint or Outpaint' : 'Text to Image';
    case 'ip':
      return hasImagePrompt ? 'Image Prompt' : 'Text to Image';
    default:
      return 'Text to Image';
  }
}
