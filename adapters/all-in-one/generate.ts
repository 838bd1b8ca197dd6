/**
 * POST /v1/engine/generate/ body (already validated and lax-coerced) → CommonRequest.
 * Pure: the server state arrives as a snapshot, the random seed as a context value.
 */
import { InvalidFieldError } from '../invalid-field-error.ts';
import { formatAspectRatio, parseAspectRatio } from '../aspect-ratio.ts';
import { classifyImage } from '../classify-image.ts';
import {
  COMMON_REQUEST_DEFAULTS,
  CONTROLNET_SLOTS,
  DEFAULT_ENHANCE_CTRL,
  DEFAULT_IMAGE_PROMPT,
  ENHANCE_SLOTS,
  type CommonRequest,
  type EnhanceCtrl,
  type ImageInput,
  type ImagePrompt,
  type LoraSetting,
} from '../common-request.ts';
import { deriveCurrentTab, deriveTaskMode } from '../current-tab.ts';
import { planAllInOneReply } from '../reply-plan.ts';
import { defaultLoras, withLoraDefaults } from '../default-loras.ts';
import { parseSeed } from '../parse-seed.ts';
import { parseSaveName } from '../save-name.ts';
import {
  resolveLoras,
  resolveModelName,
  resolveOffered,
  resolveRefinerName,
  resolveStyles,
  resolveVaeName,
} from '../resolve-names.ts';
import type { AdaptContext, AdaptResult, ServerSnapshot } from '../server-snapshot.ts';

export type AllInOneGenerateRequest = Record<string, unknown>;

type Layer = Partial<Record<keyof CommonRequest, unknown>>;

function choosePreset(body: AllInOneGenerateRequest, snapshot: ServerSnapshot): Layer {
  const name = typeof body.preset === 'string' ? body.preset : 'initial';
  if (name === 'initial' || name === '') return {};
  const preset = snapshot.presets[name];
  if (!preset) {
    const available = ['initial', ...Object.keys(snapshot.presets)].join(', ');
    throw new InvalidFieldError('preset', `preset: '${name}' is unknown; available: ${available}`, {
      input: name,
      allowed: Object.keys(snapshot.presets),
    });
  }
  return preset;
}

function imagePrompts(value: unknown): ImagePrompt[] {
  const slots = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  return slots.slice(0, CONTROLNET_SLOTS).map((slot, i) => ({
    cn_img: classifyImage(`controlnet_image.${i}.cn_img`, slot.cn_img as string | null),
    cn_stop: (slot.cn_stop as number | null) ?? DEFAULT_IMAGE_PROMPT.cn_stop,
    cn_weight: (slot.cn_weight as number | null) ?? DEFAULT_IMAGE_PROMPT.cn_weight,
    cn_type: (slot.cn_type as ImagePrompt['cn_type']) ?? DEFAULT_IMAGE_PROMPT.cn_type,
  }));
}

function enhanceCtrls(value: unknown): EnhanceCtrl[] {
  const ctrls = Array.isArray(value) ? (value as Partial<EnhanceCtrl>[]) : [];
  return ctrls.slice(0, ENHANCE_SLOTS).map((c) => ({ ...DEFAULT_ENHANCE_CTRL, ...c }));
}

export function toCommonRequest(
  body: AllInOneGenerateRequest,
  snapshot: ServerSnapshot,
  context: AdaptContext,
): AdaptResult {
  const warnings: string[] = [];
  const ignoredFields = Object.keys(body).filter((key) => !(key in COMMON_REQUEST_DEFAULTS));
  const sent = body as Layer;
  const preset = choosePreset(body, snapshot);
  const server = (snapshot.serverPreset ?? {}) as Layer;
  const isSent = (key: keyof CommonRequest) => key in sent && sent[key] !== undefined;
  // Precedence: explicit value > request preset > server preset (--preset) > stock default.
  const pick = <K extends keyof CommonRequest>(key: K): CommonRequest[K] =>
    (isSent(key)
      ? sent[key]
      : key in preset
        ? preset[key]
        : key in server
          ? server[key]
          : COMMON_REQUEST_DEFAULTS[key]) as CommonRequest[K];

  if (pick('enhance_checkbox')) {
    throw new InvalidFieldError(
      'enhance_checkbox',
      'enhance_checkbox: Fooocus enhance is not supported by this server yet; send false',
      { input: true },
    );
  }
  const image = (
    field: 'uov_input_image' | 'inpaint_input_image' | 'inpaint_mask_image_upload' | 'enhance_input_image',
  ): ImageInput => classifyImage(field, isSent(field) ? (sent[field] as string | null) : null);

  const size = parseAspectRatio(String(pick('aspect_ratios_selection')));
  if (size.isRounded)
    warnings.push(`aspect_ratios_selection rounded down to ${formatAspectRatio(size)} (sides must be multiples of 8)`);

  const requestedModel = isSent('base_model_name')
    ? (sent.base_model_name as string)
    : (preset.base_model_name as string | undefined);
  // Nested defaults (Lora.weight 0.5) are filled here: the body is what the client sent, before the validator's
  // defaults.
  const loras =
    isSent('loras') || 'loras' in preset
      ? (pick('loras') as Partial<LoraSetting>[]).map(withLoraDefaults)
      : defaultLoras(snapshot);
  const styles =
    isSent('style_selections') || 'style_selections' in preset || 'style_selections' in server
      ? pick('style_selections')
      : COMMON_REQUEST_DEFAULTS.style_selections;
  const webhook = pick('webhook_url') as string | null;
  const saveName = isSent('save_name') ? (sent.save_name as string) : null;

  const request: CommonRequest = {
    ...(Object.fromEntries(
      Object.keys(COMMON_REQUEST_DEFAULTS).map((k) => [k, pick(k as keyof CommonRequest)]),
    ) as unknown as CommonRequest),
    aspect_ratios_selection: formatAspectRatio(size),
    image_seed: parseSeed(sent.image_seed, context.randomSeed),
    base_model_name: resolveModelName(requestedModel, snapshot, warnings),
    refiner_model_name: resolveRefinerName(pick('refiner_model_name'), snapshot, warnings),
    vae_name: resolveVaeName(pick('vae_name'), snapshot, warnings),
    loras: resolveLoras(loras, snapshot, warnings),
    style_selections: resolveStyles(styles, snapshot, warnings),
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
    input_image_checkbox: true,
    invert_mask_checkbox: false,
    uov_input_image: image('uov_input_image'),
    inpaint_input_image: image('inpaint_input_image'),
    inpaint_mask_image_upload: image('inpaint_mask_image_upload'),
    enhance_input_image: image('enhance_input_image'),
    controlnet_image: imagePrompts(pick('controlnet_image')),
    enhance_ctrls: enhanceCtrls(pick('enhance_ctrls')),
    outpaint_distance: [...((pick('outpaint_distance') as number[]) ?? []), 0, 0, 0, 0].slice(
      0,
      4,
    ) as CommonRequest['outpaint_distance'],
    save_name: parseSaveName(saveName),
    webhook_url: webhook ?? '',
    output_format: pick('output_format') === 'jpg' ? 'jpeg' : pick('output_format'),
  };
  request.inpaint_advanced_masking_checkbox = request.inpaint_mask_image_upload.kind !== 'none';
  request.current_tab = deriveCurrentTab(request);
  const reply = planAllInOneReply(context.accept ?? '', request, deriveTaskMode(request));
  if (reply.isBinaryAccept) request.image_number = 1;
  // Slots are kept in the client's order, so every CommonRequest image path is the client's own name.
  return { request, warnings, ignoredFields, reply, fieldNames: {} };
}
