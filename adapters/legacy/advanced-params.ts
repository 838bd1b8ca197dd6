/**
 * Legacy `advanced_params` (fooocus-api-legacy.md §3.2, v0.5 field set) → CommonRequest fields, which
 * carry the same names flattened (fooocusapi-new.md §18). The original replaced an unparsable object
 * with all defaults; here every bad value is a 422 naming `advanced_params.<key>`, and unknown keys
 * are ignored but reported.
 */
import type { CommonRequest } from '../common-request.ts';
import { InvalidFieldError } from '../invalid-field-error.ts';
import { asBoolean, asInt, asNumber, asString } from './legacy-values.ts';

type Kind = 'bool' | 'int' | 'float' | 'str';
type AdvancedKey = keyof CommonRequest & string;

const ADVANCED_PARAMS: Readonly<Record<string, readonly [Kind, (readonly [number, number])?]>> = {
  disable_preview: ['bool'],
  disable_intermediate_results: ['bool'],
  disable_seed_increment: ['bool'],
  adm_scaler_positive: ['float', [0.1, 3]],
  adm_scaler_negative: ['float', [0.1, 3]],
  adm_scaler_end: ['float', [0, 1]],
  adaptive_cfg: ['float', [1, 30]],
  clip_skip: ['int', [1, 12]],
  sampler_name: ['str'],
  scheduler_name: ['str'],
  overwrite_step: ['int', [-1, 200]],
  // The original's schema says −1..1 (a slip: it is a step number, −1..200 in Fooocus); both are accepted.
  overwrite_switch: ['float', [-1, 200]],
  overwrite_width: ['int', [-1, 2048]],
  overwrite_height: ['int', [-1, 2048]],
  overwrite_vary_strength: ['float', [-1, 1]],
  overwrite_upscale_strength: ['float', [-1, 1]],
  mixing_image_prompt_and_vary_upscale: ['bool'],
  mixing_image_prompt_and_inpaint: ['bool'],
  debugging_cn_preprocessor: ['bool'],
  skipping_cn_preprocessor: ['bool'],
  canny_low_threshold: ['int', [1, 255]],
  canny_high_threshold: ['int', [1, 255]],
  refiner_swap_method: ['str'],
  controlnet_softness: ['float', [0, 1]],
  freeu_enabled: ['bool'],
  freeu_b1: ['float'],
  freeu_b2: ['float'],
  freeu_s1: ['float'],
  freeu_s2: ['float'],
  debugging_inpaint_preprocessor: ['bool'],
  inpaint_disable_initial_latent: ['bool'],
  inpaint_engine: ['str'],
  inpaint_strength: ['float', [0, 1]],
  inpaint_respective_field: ['float', [0, 1]],
  inpaint_advanced_masking_checkbox: ['bool'],
  invert_mask_checkbox: ['bool'],
  inpaint_erode_or_dilate: ['int', [-64, 64]],
  black_out_nsfw: ['bool'],
  vae_name: ['str'],
  debugging_dino: ['bool'],
  dino_erode_or_dilate: ['int', [-64, 64]],
  debugging_enhance_masks_checkbox: ['bool'],
};

/** ≤ v0.4 name of the mask checkbox; accepted, see toCommonRequest's mask rule. */
export const MASK_UPLOAD_ALIAS = 'inpaint_mask_upload_checkbox';

export interface AdvancedParamsResult {
  values: Partial<Record<AdvancedKey, unknown>>;
  /** The alias's value, when sent. */
  maskUploadAlias: boolean | undefined;
  /** `advanced_params.<key>` for each unknown key. */
  ignored: string[];
}

function convert(field: string, kind: Kind, value: unknown, range?: readonly [number, number]): unknown {
  switch (kind) {
    case 'bool':
      return asBoolean(field, value);
    case 'int':
      return asInt(field, value, range);
    case 'float':
      return asNumber(field, value, range);
    default:
      return asString(field, value);
  }
}

export function parseAdvancedParams(value: unknown, field = 'advanced_params'): AdvancedParamsResult {
  const result: AdvancedParamsResult = { values: {}, maskUploadAlias: undefined, ignored: [] };
  if (value === undefined || value === null) return result;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFieldError(field, `${field}: expected a JSON object of advanced parameters`, {
      type: 'dict_type',
      input: value,
    });
  }
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const spec = ADVANCED_PARAMS[key];
    if (key === MASK_UPLOAD_ALIAS) result.maskUploadAlias = asBoolean(`${field}.${key}`, raw);
    else if (!spec) result.ignored.push(`${field}.${key}`);
    else {
      const converted = convert(`${field}.${key}`, spec[0], raw, spec[1]);
      if (converted !== undefined) result.values[key as AdvancedKey] = converted;
    }
  }
  return result;
}
