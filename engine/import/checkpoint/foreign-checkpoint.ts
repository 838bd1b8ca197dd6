/**
 * Recognises the single-file checkpoints people keep next to SDXL ones by their key names, so a wrong file is
 * refused with what it is rather than a list of a thousand unknown keys.
 */
import { REFINER_TEXT_ENCODER_2_PREFIX, TEXT_ENCODER_2_PREFIX } from './clip-keys.ts';
import { UNET_PREFIX } from './unet-keys.ts';

/** Why `keys` are not an SDXL base or refiner checkpoint, or undefined when they look like one. */
export function foreignCheckpointProblem(keys: readonly string[]): string | undefined {
  const has = (test: (k: string) => boolean) => keys.some(test);
  if (has((k) => k.includes('double_blocks.')))
    return 'is a Flux model (double_blocks.* tensors), not an SDXL checkpoint';
  if (has((k) => k.startsWith(`${UNET_PREFIX}joint_blocks.`) || k.startsWith('joint_blocks.')))
    return 'is an SD3 model (joint_blocks.* tensors), not an SDXL checkpoint';
  if (has((k) => k.startsWith('cond_stage_model.transformer.')))
    return 'is an SD 1.x checkpoint (cond_stage_model.transformer.*: one CLIP ViT-L, 768-wide context), not SDXL';
  if (has((k) => k.startsWith('cond_stage_model.model.')))
    return 'is an SD 2.x checkpoint (cond_stage_model.model.*: one OpenCLIP ViT-H, 1024-wide context), not SDXL';
  if (!has((k) => k.startsWith(UNET_PREFIX)))
    return 'holds no model.diffusion_model.* tensors: not a single-file Stable Diffusion checkpoint';
  if (!has((k) => k.startsWith(TEXT_ENCODER_2_PREFIX) || k.startsWith(REFINER_TEXT_ENCODER_2_PREFIX)))
    return 'has no OpenCLIP bigG (conditioner.embedders.*.model) tensors: not an SDXL checkpoint';
  return undefined;
}
