/**
 * One legacy body (typed: JSON as sent, or a form already parsed from text) → CommonRequest.
 * Renames per fooocusapi-new.md §18; legacy defaults per fooocus-api-legacy.md §3, §4 and
 * fooocus-semantics.md §13.1; DECISIONS §3 for substitutions, seeds and failures.
 */
import { formatAspectRatio, parseAspectRatio } from '../aspect-ratio.ts';
import {
  COMMON_REQUEST_DEFAULTS,
  type CommonRequest,
  type CurrentTab,
  type ImageInput,
  type TaskMode,
} from '../common-request.ts';
import { planLegacyReply } from '../reply-plan.ts';
import { deriveCurrentTab } from '../current-tab.ts';
import { defaultLoras } from '../default-loras.ts';
import { InvalidFieldError } from '../invalid-field-error.ts';
import { parseSeed } from '../parse-seed.ts';
import {
  resolveLoras,
  resolveModelName,
  resolveOffered,
  resolveRefinerName,
  resolveStyles,
  resolveVaeName,
} from '../resolve-names.ts';
import { parseSaveName } from '../save-name.ts';
import type { AdaptContext, AdaptResult, ServerSnapshot } from '../server-snapshot.ts';
import { parseAdvancedParams } from './advanced-params.ts';
import { parseLegacyLoras, parseOutpaintSelections, toImagePrompts, type RawImagePrompt } from './legacy-lists.ts';
import {
  asBoolean,
  asInt,
  asNumber,
  asString,
  checkEnum,
  checkKeyed,
  META_SCHEMES,
  PERFORMANCE_SELECTIONS,
  SAVE_EXTENSIONS,
  UOV_METHODS,
} from './legacy-values.ts';

/** What a route does with `input_image`: text routes have none, upscale-vary and inpaint require it. */
export type LegacyRouteKind = 'text' | 'text-ip' | 'uov' | 'inpaint' | 'ip';

export interface LegacyImages {
  input: ImageInput;
  mask: ImageInput;
  prompts: RawImagePrompt[];
}

export interface LegacySource {
  kind: LegacyRouteKind;
  /** Only the keys this route knows (the caller lists the others as ignored). */
  body: Record<string, unknown>;
  images: LegacyImages;
  /** v1 multipart: `save_meta` defaults to false and `uov_method` has no default (contract §4.2). */
  isForm: boolean;
  ignoredFields: string[];
  /** The route's job_type. */
  jobType: TaskMode;
}

type Layer = Partial<Record<keyof CommonRequest, unknown>>;
const NONE: ImageInput = { kind: 'none' };
const ROUTE_TAB: Record<LegacyRouteKind, CurrentTab> = {
  text: 'uov',
  'text-ip': 'uov',
  uov: 'uov',
  inpaint: 'inpaint',
  ip: 'ip',
};
const INPAINT_ENGINES = ['None', 'v1', 'v2.5', 'v2.6'];
const REFINER_SWAP_METHODS = ['joint', 'separate', 'vae'];

/** Fooocus-API silently fell back to the default for these (contract §13.9); we say so, or refuse under --strict. */
function resolveChoice(
  field: string,
  value: string,
  allowed: readonly string[],
  fallback: string,
  snapshot: ServerSnapshot,
  warnings: string[],
): string {
  if (allowed.includes(value)) return value;
  if (snapshot.isStrict) {
    throw new InvalidFieldError(field, `${field}: '${value}' is not allowed; expected one of ${allowed.join(', ')}`, {
      type: 'enum',
      input: value,
      allowed,
    });
  }
  warnings.push(`${field} '${value}' is unknown; using '${fallback}'`);
  return fallback;
}

function seedOf(value: unknown, randomSeed: bigint): bigint {
  if (typeof value === 'string' && !/^\s*[+-]?\d+\s*$/.test(value)) {
    throw new InvalidFieldError('image_seed', `image_seed: '${value}' is not an integer`, {
      type: 'int_parsing',
      input: value,
    });
  }
  return parseSeed(value, randomSeed);
}

function stringList(field: string, value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw new InvalidFieldError(field, `${field}: expected a list of names`, { type: 'list_type', input: value });
  return value.map((item, i) => asString(`${field}.${i}`, item) ?? '');
}

/** Typed top-level legacy fields → the CommonRequest fields they set (undefined = not sent). */
function sentValues(source: LegacySource): Layer {
  const { body, kind, isForm } = source;
  const sent: Layer = {
    prompt: asString('prompt', body.prompt),
    negative_prompt: asString('negative_prompt', body.negative_prompt),
    style_selections: stringList('style_selections', body.style_selections),
    performance_selection:
      body.performance_selection == null
        ? undefined
        : checkEnum(
            'performance_selection',
            asString('performance_selection', body.performance_selection) ?? '',
            PERFORMANCE_SELECTIONS,
          ),
    aspect_ratios_selection: asString('aspect_ratios_selection', body.aspect_ratios_selection),
    image_number: asInt('image_number', body.image_number, [1, 32]),
    sharpness: asNumber('sharpness', body.sharpness, [0, 30]),
    guidance_scale: asNumber('guidance_scale', body.guidance_scale, [1, 30]),
    refiner_model_name: asString('refiner_model_name', body.refiner_model_name),
    refiner_switch: asNumber('refiner_switch', body.refiner_switch, [0.1, 1]),
    read_wildcards_in_order: asBoolean('read_wildcards_in_order', body.read_wildcards_in_order),
    require_base64: asBoolean('require_base64', body.require_base64),
    async_process: asBoolean('async_process', body.async_process),
    save_metadata_to_images: asBoolean('save_meta', body.save_meta),
    metadata_scheme:
      body.meta_scheme == null
        ? undefined
        : checkKeyed('meta_scheme', asString('meta_scheme', body.meta_scheme) ?? '', META_SCHEMES),
    output_format:
      body.save_extension == null
        ? undefined
        : checkKeyed('save_extension', asString('save_extension', body.save_extension) ?? '', SAVE_EXTENSIONS),
    webhook_url: asString('webhook_url', body.webhook_url),
    inpaint_additional_prompt: asString('inpaint_additional_prompt', body.inpaint_additional_prompt),
    outpaint_selections: parseOutpaintSelections(body.outpaint_selections),
    upscale_multiple: asNumber('upscale_value', body.upscale_value, [1, 5]),
  };
  if (kind === 'uov') {
    if (body.uov_method == null || body.uov_method === '') {
      if (isForm)
        throw new InvalidFieldError(
          'uov_method',
          `uov_method: field required; expected one of ${UOV_METHODS.join(', ')}`,
          { type: 'missing', allowed: UOV_METHODS },
        );
    } else sent.uov_method = checkEnum('uov_method', asString('uov_method', body.uov_method) ?? '', UOV_METHODS);
    // v1 with Custom and no value failed in the worker (contract §4.2.1); say so up front.
    if (isForm && sent.uov_method === 'Upscale (Custom)' && sent.upscale_multiple === undefined) {
      throw new InvalidFieldError(
        'upscale_value',
        "upscale_value: required with uov_method 'Upscale (Custom)' (1.0..5.0)",
        { type: 'missing' },
      );
    }
  }
  return Object.fromEntries(Object.entries(sent).filter(([, v]) => v !== undefined)) as Layer;
}

function outpaintDistance(body: Record<string, unknown>): CommonRequest['outpaint_distance'] {
  // v1 defaults 0, v2 −1 (nullable): both mean "Fooocus's own margin", which CommonRequest spells 0.
  const side = (name: string) =>
    Math.max(0, asInt(`outpaint_distance_${name}`, body[`outpaint_distance_${name}`]) ?? 0);
  return [side('left'), side('top'), side('right'), side('bottom')];
}

function requireImage(source: LegacySource): void {
  if ((source.kind === 'uov' || source.kind === 'inpaint') && source.images.input.kind === 'none') {
    throw new InvalidFieldError(
      'input_image',
      'input_image: field required; send an image (a file part in v1, a URL, data URI or base64 text in v2)',
      { type: 'missing' },
    );
  }
}

export function adaptLegacy(source: LegacySource, snapshot: ServerSnapshot, context: AdaptContext): AdaptResult {
  const { body, kind, images } = source;
  const warnings: string[] = [];
  requireImage(source);
  const advanced = parseAdvancedParams(body.advanced_params);
  const sent: Layer = { ...advanced.values, ...sentValues(source) };
  const server = (snapshot.serverPreset ?? {}) as Layer;
  const legacyDefaults: Layer = {
    inpaint_respective_field: 1.0,
    save_metadata_to_images: !source.isForm,
    uov_method: kind === 'uov' ? 'Upscale (2x)' : 'Disabled',
    current_tab: ROUTE_TAB[kind],
  };
  const pick = <K extends keyof CommonRequest>(key: K): CommonRequest[K] =>
    (key in sent
      ? sent[key]
      : key in server
        ? server[key]
        : key in legacyDefaults
          ? legacyDefaults[key]
          : COMMON_REQUEST_DEFAULTS[key]) as CommonRequest[K];

  const size = parseAspectRatio(String(pick('aspect_ratios_selection')));
  if (size.isRounded)
    warnings.push(`aspect_ratios_selection rounded down to ${formatAspectRatio(size)} (sides must be multiples of 8)`);
  const loras = parseLegacyLoras(body.loras, warnings) ?? defaultLoras(snapshot);
  const hasInpaintInput = kind === 'inpaint' || kind === 'ip';
  const imagePrompts = toImagePrompts(images.prompts, warnings);

  const request: CommonRequest = {
    ...(Object.fromEntries(
      Object.keys(COMMON_REQUEST_DEFAULTS).map((k) => [k, pick(k as keyof CommonRequest)]),
    ) as unknown as CommonRequest),
    aspect_ratios_selection: formatAspectRatio(size),
    image_seed: seedOf(body.image_seed, context.randomSeed),
    base_model_name: resolveModelName(asString('base_model_name', body.base_model_name), snapshot, warnings),
    refiner_model_name: resolveRefinerName(pick('refiner_model_name'), snapshot, warnings),
    vae_name: resolveVaeName(pick('vae_name'), snapshot, warnings),
    loras: resolveLoras(loras, snapshot, warnings),
    style_selections: resolveStyles(pick('style_selections'), snapshot, warnings),
    sampler_name: resolveOffered(
      'sampler_name',
      pick('sampler_name'),
      snapshot.samplers,
      COMMON_REQUEST_DEFAULTS.sampler_name,
      snapshot,
      warnings,
    ),
    scheduler_name: resolveOffered(
      'scheduler_name',
      pick('scheduler_name'),
      snapshot.schedulers,
      COMMON_REQUEST_DEFAULTS.scheduler_name,
      snapshot,
      warnings,
    ),
    inpaint_engine: resolveChoice(
      'advanced_params.inpaint_engine',
      pick('inpaint_engine'),
      INPAINT_ENGINES,
      COMMON_REQUEST_DEFAULTS.inpaint_engine,
      snapshot,
      warnings,
    ),
    refiner_swap_method: resolveChoice(
      'advanced_params.refiner_swap_method',
      pick('refiner_swap_method'),
      REFINER_SWAP_METHODS,
      'joint',
      snapshot,
      warnings,
    ),
    input_image_checkbox: true,
    uov_input_image: kind === 'uov' ? images.input : NONE,
    inpaint_input_image: hasInpaintInput ? images.input : NONE,
    inpaint_mask_image_upload: hasInpaintInput ? images.mask : NONE,
    controlnet_image: imagePrompts.slots,
    enhance_input_image: NONE,
    enhance_checkbox: false,
    enhance_ctrls: [],
    outpaint_distance: outpaintDistance(body),
    save_name: parseSaveName(asString('save_name', body.save_name) ?? null),
    webhook_url: pick('webhook_url') ?? '',
    inpaint_additional_prompt: pick('inpaint_additional_prompt') ?? '',
  };
  // v0.5's checkbox (default true) must be on for an uploaded mask to apply; ≤ v0.4 applied the mask
  // whatever its `inpaint_mask_upload_checkbox` said, so the alias cannot switch a sent mask off.
  request.inpaint_advanced_masking_checkbox =
    request.inpaint_mask_image_upload.kind !== 'none' && advanced.values.inpaint_advanced_masking_checkbox !== false;
  request.current_tab = deriveCurrentTab(request);
  // v0.5 sets the mixing flags itself when image prompts come with an uov or inpaint image (contract §3.2, §4.3).
  const hasImagePrompt = request.controlnet_image.length > 0;
  if (hasImagePrompt && request.uov_input_image.kind !== 'none') request.mixing_image_prompt_and_vary_upscale = true;
  if (hasImagePrompt && request.inpaint_input_image.kind !== 'none') request.mixing_image_prompt_and_inpaint = true;
  const reply = planLegacyReply(context.accept ?? '', request.async_process, source.jobType);
  if (reply.isBinaryAccept) request.image_number = 1;
  // One mapping from CommonRequest image paths to the names this client sent (a later 422 names them).
  const fieldNames: Record<string, string> = {
    uov_input_image: 'input_image',
    inpaint_input_image: 'input_image',
    inpaint_mask_image_upload: 'input_mask',
  };
  imagePrompts.sentNames.forEach((name, k) => (fieldNames[`controlnet_image.${k}.cn_img`] = name));
  return { request, warnings, ignoredFields: [...source.ignoredFields, ...advanced.ignored], reply, fieldNames };
}
