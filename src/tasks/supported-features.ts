/**
 * What the engine can run. A request that needs more is refused before anything else is done for
 * it, saying so, rather than silently rendering plain text-to-image (DECISIONS §3: never a fake
 * result).
 */
import type { CommonRequest, TaskMode } from '../../adapters/common-request.ts';
import { deriveTaskMode } from '../../adapters/current-tab.ts';
import { FeatureUnavailableError } from '../errors.ts';

/** The task modes the engine runs today. */
export const ENGINE_TASK_MODES: readonly TaskMode[] = ['Text to Image'];

export function assertSupported(request: CommonRequest, modes: readonly TaskMode[] = ENGINE_TASK_MODES): void {
  const mode = deriveTaskMode(request);
  if (!modes.includes(mode)) {
    throw new FeatureUnavailableError(
      `'${mode}' (current_tab '${request.current_tab}') needs the engine's image modes (VAE-encoded inputs, inpainting, ControlNet/IP-Adapter models under models/controlnet and models/ip_adapter), which this server does not have yet; only text to image runs`,
    );
  }
}
