/**
 * The legacy (Fooocus-API) generation bodies → CommonRequest: v1 text-to-image and the v2 routes
 * (JSON, images as URL / data URI / base64 text) and the v1 multipart routes (images as file parts,
 * `loras`/`advanced_params` as JSON text, lists comma-separated). fooocus-api-legacy.md §3, §4.
 */
import { classifyImage } from '../classify-image.ts';
import { CONTROLNET_SLOTS, type ImageInput, type TaskMode } from '../common-request.ts';
import { InvalidFieldError } from '../invalid-field-error.ts';
import type { AdaptContext, AdaptResult, ServerSnapshot } from '../server-snapshot.ts';
import {
  parseFormBoolean,
  parseFormFloat,
  parseFormInt,
  parseFormIntegerText,
  parseFormJson,
  parseFormList,
} from './form-values.ts';
import type { RawImagePrompt } from './legacy-lists.ts';
import { adaptLegacy, type LegacyRouteKind } from './legacy-mapping.ts';

export type LegacyJsonRoute =
  | 'v1/text-to-image'
  | 'v2/text-to-image-with-ip'
  | 'v2/image-upscale-vary'
  | 'v2/image-inpaint-outpaint'
  | 'v2/image-prompt';
export type LegacyFormRoute = 'v1/image-upscale-vary' | 'v1/image-inpaint-outpaint' | 'v1/image-prompt';

const ROUTE_KIND: Record<LegacyJsonRoute | LegacyFormRoute, LegacyRouteKind> = {
  'v1/text-to-image': 'text',
  'v2/text-to-image-with-ip': 'text-ip',
  'v2/image-upscale-vary': 'uov',
  'v2/image-inpaint-outpaint': 'inpaint',
  'v2/image-prompt': 'ip',
  'v1/image-upscale-vary': 'uov',
  'v1/image-inpaint-outpaint': 'inpaint',
  'v1/image-prompt': 'ip',
};

/** The original's `job_type` per route (contract §4); the task's stored mode may be narrower (deriveTaskMode). */
export const LEGACY_JOB_TYPES: Readonly<Record<LegacyJsonRoute | LegacyFormRoute, TaskMode>> = {
  'v1/text-to-image': 'Text to Image',
  'v2/text-to-image-with-ip': 'Text to Image',
  'v2/image-upscale-vary': 'Image Upscale or Variation',
  'v2/image-inpaint-outpaint': 'Image Inpaint or Outpaint',
  'v2/image-prompt': 'Image Prompt',
  'v1/image-upscale-vary': 'Image Upscale or Variation',
  'v1/image-inpaint-outpaint': 'Image Inpaint or Outpaint',
  'v1/image-prompt': 'Image Prompt',
};

const COMMON_FIELDS = [
  'prompt',
  'negative_prompt',
  'style_selections',
  'performance_selection',
  'aspect_ratios_selection',
  'image_number',
  'image_seed',
  'sharpness',
  'guidance_scale',
  'base_model_name',
  'refiner_model_name',
  'refiner_switch',
  'loras',
  'advanced_params',
  'save_meta',
  'meta_scheme',
  'save_extension',
  'save_name',
  'read_wildcards_in_order',
  'require_base64',
  'async_process',
  'webhook_url',
];
const INPAINT_FIELDS = [
  'input_image',
  'input_mask',
  'inpaint_additional_prompt',
  'outpaint_selections',
  'outpaint_distance_left',
  'outpaint_distance_right',
  'outpaint_distance_top',
  'outpaint_distance_bottom',
];
const SLOT_NUMBERS = Array.from({ length: CONTROLNET_SLOTS }, (_, i) => i + 1);

const JSON_FIELDS: Record<LegacyRouteKind, readonly string[]> = {
  text: COMMON_FIELDS,
  'text-ip': [...COMMON_FIELDS, 'image_prompts'],
  uov: [...COMMON_FIELDS, 'input_image', 'uov_method', 'upscale_value', 'image_prompts'],
  inpaint: [...COMMON_FIELDS, ...INPAINT_FIELDS, 'image_prompts'],
  ip: [...COMMON_FIELDS, ...INPAINT_FIELDS, 'image_prompts'],
};

/** v1 text fields (files are listed in FORM_FILES). v1 has no `image_prompts` (the docs' example sends it; ignored). */
const FORM_FIELDS: Record<'uov' | 'inpaint' | 'ip', readonly string[]> = {
  uov: [...COMMON_FIELDS, 'uov_method', 'upscale_value'],
  inpaint: [...COMMON_FIELDS, ...INPAINT_FIELDS.filter((f) => f !== 'input_image' && f !== 'input_mask')],
  ip: [
    ...COMMON_FIELDS,
    ...INPAINT_FIELDS.filter((f) => f !== 'input_image' && f !== 'input_mask'),
    ...SLOT_NUMBERS.flatMap((n) => [`cn_stop${n}`, `cn_weight${n}`, `cn_type${n}`]),
  ],
};
const FORM_FILES: Record<'uov' | 'inpaint' | 'ip', readonly string[]> = {
  uov: ['input_image'],
  inpaint: ['input_image', 'input_mask'],
  ip: ['input_image', 'input_mask', ...SLOT_NUMBERS.map((n) => `cn_img${n}`)],
};

type FormParser = (field: string, text: string | undefined) => unknown;
const FORM_PARSERS: Record<string, FormParser> = {
  image_number: parseFormInt,
  image_seed: parseFormIntegerText,
  outpaint_distance_left: parseFormInt,
  outpaint_distance_right: parseFormInt,
  outpaint_distance_top: parseFormInt,
  outpaint_distance_bottom: parseFormInt,
  sharpness: parseFormFloat,
  guidance_scale: parseFormFloat,
  refiner_switch: parseFormFloat,
  upscale_value: parseFormFloat,
  save_meta: parseFormBoolean,
  read_wildcards_in_order: parseFormBoolean,
  require_base64: parseFormBoolean,
  async_process: parseFormBoolean,
  style_selections: parseFormList,
  outpaint_selections: parseFormList,
  loras: parseFormJson,
  advanced_params: parseFormJson,
  ...Object.fromEntries(
    SLOT_NUMBERS.flatMap((n) => [
      [`cn_stop${n}`, parseFormFloat],
      [`cn_weight${n}`, parseFormFloat],
    ]),
  ),
};
/** Text fields: an empty value is "absent" (FastAPI), so the default applies. */
const parseFormText: FormParser = (_field, text) => (text === undefined || text === '' ? undefined : text);

function partition(
  sent: Record<string, unknown>,
  known: readonly string[],
): { body: Record<string, unknown>; ignored: string[] } {
  const body: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [key, value] of Object.entries(sent)) {
    if (known.includes(key)) body[key] = value;
    else ignored.push(key);
  }
  return { body, ignored };
}

function jsonImagePrompts(value: unknown): RawImagePrompt[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new InvalidFieldError(
      'image_prompts',
      'image_prompts: expected a list of {"cn_img", "cn_stop", "cn_weight", "cn_type"} objects',
      { type: 'list_type', input: value },
    );
  return value.map((item, i) => {
    const at = `image_prompts.${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new InvalidFieldError(at, `${at}: expected an object`, { type: 'dict_type', input: item });
    const slot = item as Record<string, unknown>;
    if (slot.cn_img !== undefined && slot.cn_img !== null && typeof slot.cn_img !== 'string') {
      throw new InvalidFieldError(`${at}.cn_img`, `${at}.cn_img: expected an image string (URL, data URI or base64)`, {
        type: 'string_type',
        input: slot.cn_img,
      });
    }
    return {
      image: classifyImage(`${at}.cn_img`, slot.cn_img as string | null | undefined),
      stop: slot.cn_stop,
      weight: slot.cn_weight,
      type: slot.cn_type,
      names: { image: `${at}.cn_img`, stop: `${at}.cn_stop`, weight: `${at}.cn_weight`, type: `${at}.cn_type` },
    };
  });
}

function jsonImage(field: string, value: unknown): ImageInput {
  if (value !== undefined && value !== null && typeof value !== 'string') {
    throw new InvalidFieldError(field, `${field}: expected an image string (URL, data URI or base64)`, {
      type: 'string_type',
      input: value,
    });
  }
  return classifyImage(field, value as string | null | undefined);
}

/**
 * body = the JSON the client sent (already lax-coerced: numbers/booleans typed; int64 seeds as bigint or digit string),
 * before the validator's defaults
 */
export function toCommonRequestFromLegacyJson(
  route: LegacyJsonRoute,
  body: Record<string, unknown>,
  snapshot: ServerSnapshot,
  context: AdaptContext,
): AdaptResult {
  const kind = ROUTE_KIND[route];
  const { body: known, ignored } = partition(body, JSON_FIELDS[kind]);
  const images = {
    input: jsonImage('input_image', known.input_image),
    mask: jsonImage('input_mask', known.input_mask),
    prompts: jsonImagePrompts(known.image_prompts),
  };
  return adaptLegacy(
    { kind, body: known, images, isForm: false, ignoredFields: ignored, jobType: LEGACY_JOB_TYPES[route] },
    snapshot,
    context,
  );
}

const upload = (bytes: Uint8Array | undefined): ImageInput =>
  bytes && bytes.byteLength > 0 ? { kind: 'bytes', bytes } : { kind: 'none' };

/** fields = multipart text fields as sent (strings; '' = default); files = uploaded parts by field name */
export function toCommonRequestFromLegacyForm(
  route: LegacyFormRoute,
  fields: Record<string, string | undefined>,
  files: Record<string, Uint8Array | undefined>,
  snapshot: ServerSnapshot,
  context: AdaptContext,
): AdaptResult {
  const kind = ROUTE_KIND[route] as 'uov' | 'inpaint' | 'ip';
  const { body: texts, ignored } = partition(fields, FORM_FIELDS[kind]);
  const body: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(texts)) {
    const value = (FORM_PARSERS[name] ?? parseFormText)(name, text as string | undefined);
    if (value !== undefined) body[name] = value;
  }
  const knownFiles = FORM_FILES[kind];
  const ignoredFiles = Object.keys(files).filter((name) => !knownFiles.includes(name));
  const images = {
    input: upload(files.input_image),
    mask: kind === 'uov' ? upload(undefined) : upload(files.input_mask),
    prompts:
      kind === 'ip'
        ? SLOT_NUMBERS.map((n) => ({
            image: upload(files[`cn_img${n}`]),
            stop: body[`cn_stop${n}`],
            weight: body[`cn_weight${n}`],
            type: body[`cn_type${n}`],
            names: { image: `cn_img${n}`, stop: `cn_stop${n}`, weight: `cn_weight${n}`, type: `cn_type${n}` },
          }))
        : [],
  };
  return adaptLegacy(
    {
      kind,
      body,
      images,
      isForm: true,
      ignoredFields: [...ignored, ...ignoredFiles],
      jobType: LEGACY_JOB_TYPES[route],
    },
    snapshot,
    context,
  );
}
