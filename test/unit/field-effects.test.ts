/**
 * Field-effect matrix: every CommonRequest field is classified, and the classification is checked.
 *  - effect-tested: changing the field changes the EngineJob toEngineJob builds (focused assertions
 *    below; engine-side effects on UNet feeds and outputs: test/e2e/engine-field-effects.test.ts);
 *  - rejected-when-enabled: the request that turns the feature on is refused before queueing with the
 *    status the gateway answers (422 / 503, through the real error handler); with the feature off the
 *    field changes nothing the engine receives;
 *  - delivery-only: read by the gateway (reply shape, files, webhooks), never by the engine;
 *  - ignored: accepted, changes nothing, with the reason.
 * A field added to CommonRequest without a row here fails to typecheck (Record over keyof) and fails
 * the key-list test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Request, Response } from 'express';
import { toCommonRequest } from '../../adapters/all-in-one/generate.ts';
import {
  COMMON_REQUEST_DEFAULTS,
  DEFAULT_STYLES,
  type CommonRequest,
  type ImageInput,
  type PerformanceSelection,
} from '../../adapters/common-request.ts';
import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import { errorHandler } from '../../src/http/error-handler.ts';
import type { Logger } from '../../src/logging/logger.ts';
import { assertSupported } from '../../src/tasks/supported-features.ts';
import { toEngineJob } from '../../src/tasks/to-engine-job.ts';

type Kind = 'effect-tested' | 'rejected-when-enabled' | 'delivery-only' | 'ignored';

interface Row {
  kind: Kind;
  /** A non-default value: for effect-tested it must change the EngineJob; for every other kind it must not. */
  alt: unknown;
  /**
   * effect-tested: the other fields the effect needs (e.g. a refiner for refiner_switch); alt is compared on top of
   * them.
   */
  with?: Partial<CommonRequest>;
  /**
   * rejected-when-enabled: the fields that turn the feature on (alt included where it is the switch) and the status.
   */
  enable?: Partial<CommonRequest>;
  status?: 422 | 503;
  /** rejected by the dialect adapter (before a CommonRequest exists) rather than by assertSupported. */
  byAdapter?: boolean;
  reason?: string;
}

const URL_IMAGE: ImageInput = { kind: 'url', url: 'http://example.com/a.png' };
const STORED: ImageInput = { kind: 'stored', file: 'a.png', width: 64, height: 64 };
const OTHER_STORED: ImageInput = { kind: 'stored', file: 'b.png', width: 80, height: 48 };
const UOV = {
  uov_input_image: STORED,
  uov_method: 'Vary (Subtle)',
  current_tab: 'uov',
} as const satisfies Partial<CommonRequest>;
const INPAINT = { inpaint_input_image: STORED, current_tab: 'inpaint' } as const satisfies Partial<CommonRequest>;
const IMAGE_PROMPT: Partial<CommonRequest> = {
  controlnet_image: [{ cn_img: STORED, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'PyraCanny' }],
  current_tab: 'ip',
};
/** An IP-Adapter slot (the types the engine runs). */
const IP_SLOT: Partial<CommonRequest> = {
  controlnet_image: [{ cn_img: OTHER_STORED, cn_stop: 0.5, cn_weight: 0.6, cn_type: 'ImagePrompt' }],
  current_tab: 'ip',
};
const ENHANCE: Partial<CommonRequest> = { enhance_checkbox: true };
const REFINER: Partial<CommonRequest> = { refiner_model_name: 'sd_xl_refiner_1.0.safetensors' };

const effect = (alt: unknown, context?: Partial<CommonRequest>): Row => ({ kind: 'effect-tested', alt, with: context });
const rejected = (
  alt: unknown,
  enable: Partial<CommonRequest>,
  status: 422 | 503,
  reason: string,
  byAdapter = false,
): Row => ({ kind: 'rejected-when-enabled', alt, enable, status, reason, byAdapter });
const delivery = (alt: unknown, reason: string): Row => ({ kind: 'delivery-only', alt, reason });
const ignored = (alt: unknown, reason: string): Row => ({ kind: 'ignored', alt, reason });

/** Not applied, and said so in the task's warnings (DECISIONS §3: never silently). */
const WARNED = 'not applied, reported as a warning:';

export const FIELD_MATRIX: Record<keyof CommonRequest, Row> = {
  prompt: effect('a lighthouse'),
  negative_prompt: effect('blurry'),
  style_selections: effect(['Fooocus Sharp']),
  performance_selection: effect('Quality'),
  aspect_ratios_selection: effect('1024×1024'),
  image_number: effect(3),
  output_format: effect('webp'),
  image_seed: effect(8n),
  read_wildcards_in_order: effect(true),
  sharpness: effect(10),
  guidance_scale: effect(7),
  base_model_name: effect('other'),
  refiner_model_name: effect('sd_xl_refiner_1.0.safetensors'),
  refiner_switch: effect(0.8, REFINER),
  loras: effect([{ enabled: true, model_name: 'detail.safetensors', weight: 0.7 }]),
  input_image_checkbox: ignored(false, 'adapters force true (FooocusAPI does too); the mode follows the images sent'),
  current_tab: effect('inpaint', { ...UOV, inpaint_input_image: STORED }),
  uov_method: effect('Vary (Strong)', UOV),
  uov_input_image: effect(OTHER_STORED, UOV),
  outpaint_selections: effect(['Left'], INPAINT),
  inpaint_input_image: effect(OTHER_STORED, INPAINT),
  inpaint_additional_prompt: effect('more', INPAINT),
  inpaint_mask_image_upload: effect(OTHER_STORED, { ...INPAINT, inpaint_advanced_masking_checkbox: true }),
  disable_preview: effect(true),
  disable_intermediate_results: ignored(
    true,
    'Fooocus hides intermediate gallery images; this server never produces any (previews are governed by disable_preview)',
  ),
  disable_seed_increment: effect(true),
  black_out_nsfw: ignored(true, `${WARNED} no NSFW checker model`),
  adm_scaler_positive: effect(2),
  adm_scaler_negative: effect(0.5),
  adm_scaler_end: effect(0.5),
  adaptive_cfg: effect(3),
  clip_skip: effect(1),
  sampler_name: effect('euler'),
  scheduler_name: effect('sgm_uniform'),
  vae_name: effect('sdxl_vae.safetensors'),
  overwrite_step: effect(12),
  overwrite_switch: effect(10, REFINER),
  overwrite_width: effect(1027),
  overwrite_height: effect(771),
  overwrite_vary_strength: effect(0.3, UOV),
  overwrite_upscale_strength: effect(0.3, { ...UOV, uov_method: 'Upscale (2x)' }),
  mixing_image_prompt_and_vary_upscale: effect(true, { ...UOV, ...IMAGE_PROMPT, current_tab: 'uov' }),
  mixing_image_prompt_and_inpaint: effect(true, { ...INPAINT, ...IMAGE_PROMPT, current_tab: 'inpaint' }),
  debugging_cn_preprocessor: effect(true, IMAGE_PROMPT),
  skipping_cn_preprocessor: effect(true, IMAGE_PROMPT),
  canny_low_threshold: effect(32, IMAGE_PROMPT),
  canny_high_threshold: effect(200, IMAGE_PROMPT),
  refiner_swap_method: effect('separate', REFINER),
  controlnet_softness: effect(0.5, IMAGE_PROMPT),
  freeu_enabled: effect(true),
  freeu_b1: effect(1.1, { freeu_enabled: true }),
  freeu_b2: effect(1.2, { freeu_enabled: true }),
  freeu_s1: effect(0.9, { freeu_enabled: true }),
  freeu_s2: effect(0.2, { freeu_enabled: true }),
  debugging_inpaint_preprocessor: effect(true, INPAINT),
  inpaint_disable_initial_latent: effect(true, INPAINT),
  inpaint_engine: effect('v1', INPAINT),
  inpaint_strength: effect(0.5, INPAINT),
  inpaint_respective_field: effect(0.3, INPAINT),
  inpaint_advanced_masking_checkbox: effect(true, { ...INPAINT, inpaint_mask_image_upload: STORED }),
  invert_mask_checkbox: effect(true, INPAINT),
  inpaint_erode_or_dilate: effect(5, INPAINT),
  save_final_enhanced_image_only: rejected(
    true,
    { ...ENHANCE, save_final_enhanced_image_only: true },
    422,
    'enhance only',
    true,
  ),
  save_metadata_to_images: effect(false),
  metadata_scheme: effect('a1111'),
  controlnet_image: effect([{ cn_img: STORED, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'CPDS' }], { current_tab: 'ip' }),
  debugging_dino: rejected(true, { ...ENHANCE, debugging_dino: true }, 422, 'enhance masks only', true),
  dino_erode_or_dilate: rejected(3, { ...ENHANCE, dino_erode_or_dilate: 3 }, 422, 'enhance masks only', true),
  debugging_enhance_masks_checkbox: rejected(
    true,
    { ...ENHANCE, debugging_enhance_masks_checkbox: true },
    422,
    'enhance only',
    true,
  ),
  enhance_input_image: rejected(
    URL_IMAGE,
    { ...ENHANCE, enhance_input_image: URL_IMAGE },
    422,
    'enhance only (without enhance_checkbox the image is not used, as Fooocus)',
    true,
  ),
  enhance_checkbox: rejected(true, ENHANCE, 422, 'Fooocus 2.5 enhance out of scope (DECISIONS §1)', true),
  enhance_uov_method: rejected(
    'Vary (Subtle)',
    { ...ENHANCE, enhance_uov_method: 'Vary (Subtle)' },
    422,
    'enhance only',
    true,
  ),
  enhance_uov_processing_order: rejected(
    'After Last Enhancement',
    { ...ENHANCE, enhance_uov_processing_order: 'After Last Enhancement' },
    422,
    'enhance only',
    true,
  ),
  enhance_uov_prompt_type: rejected(
    'Last Filled Enhancement Prompts',
    { ...ENHANCE, enhance_uov_prompt_type: 'Last Filled Enhancement Prompts' },
    422,
    'enhance only',
    true,
  ),
  enhance_ctrls: rejected([{ enhance_enabled: true }], { ...ENHANCE }, 422, 'enhance only', true),
  generate_image_grid: ignored(
    true,
    `${WARNED} no grid image is appended to the results (Fooocus adds one extra mosaic)`,
  ),
  save_name: delivery('portrait', 'output file naming (src/storage/output-store.ts)'),
  outpaint_distance: effect([64, 0, 0, 0], { ...INPAINT, outpaint_selections: ['Left'] }),
  upscale_multiple: effect(3, { ...UOV, uov_method: 'Upscale (Custom)' }),
  preset: ignored(
    'anime',
    'applied by the adapter (preset values fill unsent fields) before the CommonRequest exists; the name itself is inert',
  ),
  stream_output: delivery(true, 'response mode (src/http/response-mode.ts)'),
  require_base64: delivery(true, 'legacy reply carries base64 of the files'),
  async_process: delivery(true, 'response mode: task id now, result later'),
  webhook_url: delivery('http://example.com/hook', 'webhook delivery after the task ends'),
};

const base = (overrides: Partial<CommonRequest> = {}): CommonRequest => ({
  ...COMMON_REQUEST_DEFAULTS,
  base_model_name: 'tiny',
  image_seed: 7n,
  ...overrides,
});
const jobOf = (overrides: Partial<CommonRequest> = {}, installed: readonly string[] = []) =>
  toEngineJob('j', base(overrides), installed).job;

/** The status and body the gateway's real error handler answers for what `fn` throws. */
function answered(fn: () => unknown): { status: number; body: string } {
  let thrown: unknown = null;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown, 'expected a rejection');
  const reply = { status: 0, body: '' };
  const res = {
    headersSent: false,
    locals: {},
    status(code: number) {
      reply.status = code;
      return res;
    },
    type: () => res,
    send(body: string) {
      reply.body = body;
      return res;
    },
    // sendJson writes JSON as node's ServerResponse: statusCode, setHeader, end.
    set statusCode(code: number) {
      reply.status = code;
    },
    end(body: string) {
      reply.body = body;
      return res;
    },
    setHeader: () => res,
  };
  const logger = { error() {}, warn() {}, info() {}, debug() {} } as unknown as Logger;
  errorHandler(logger)(
    thrown,
    { method: 'POST', path: '/v1/engine/generate/' } as Request,
    res as unknown as Response,
    () => {},
  );
  return reply;
}

const SNAPSHOT: ServerSnapshot = {
  models: ['tiny'],
  defaultModel: 'tiny',
  loras: [],
  styles: DEFAULT_STYLES,
  samplers: ['dpmpp_2m_sde_gpu', 'euler'],
  schedulers: ['karras', 'sgm_uniform'],
  presets: { initial: {} },
} as unknown as ServerSnapshot;

test('every CommonRequest field is classified, and nothing else is', () => {
  assert.deepEqual(Object.keys(FIELD_MATRIX).sort(), Object.keys(COMMON_REQUEST_DEFAULTS).sort());
  for (const [field, row] of Object.entries(FIELD_MATRIX)) {
    if (row.kind === 'rejected-when-enabled')
      assert.ok(row.enable && row.status && row.reason, `${field}: rejection needs enable, status, reason`);
    if (row.kind === 'ignored' || row.kind === 'delivery-only') assert.ok(row.reason, `${field}: needs a reason`);
  }
});

test('effect-tested fields change the EngineJob; every other field leaves it as it is', () => {
  const reference = jobOf();
  for (const [field, row] of Object.entries(FIELD_MATRIX) as [keyof CommonRequest, Row][]) {
    const job = jobOf({ ...row.with, [field]: row.alt } as Partial<CommonRequest>, ['detail.safetensors']);
    if (row.kind === 'effect-tested')
      assert.notDeepEqual(job, jobOf(row.with), `${field} = ${String(row.alt)} must reach the engine`);
    else assert.deepEqual(job, reference, `${field} (${row.kind}) must not change the engine job`);
  }
});

test('fields off by default are accepted at their defaults (text to image is never refused)', () => {
  assert.doesNotThrow(() => assertSupported(base()));
});

for (const [field, row] of Object.entries(FIELD_MATRIX) as [keyof CommonRequest, Row][]) {
  if (row.kind !== 'rejected-when-enabled') continue;
  test(`${field}: refused with ${row.status} when enabled (${row.reason})`, () => {
    const reply = row.byAdapter
      ? answered(() => toCommonRequest({ prompt: 'x', ...row.enable } as never, SNAPSHOT, { randomSeed: 1n }))
      : answered(() => assertSupported(base(row.enable)));
    assert.equal(reply.status, row.status, reply.body);
    if (row.status === 422) assert.match(reply.body, /"loc":\["body","enhance_checkbox"\]/);
    else assert.match(reply.body, /"detail":"[^"]*(not supported|needs the engine's image modes)/);
  });
}

// ---- focused assertions for the effect-tested fields ----

test('image prompts: PyraCanny/CPDS slots reach the engine with their settings on the ip tab and with a mixing flag; IP-Adapter types are accepted too', () => {
  const slots = [
    { cn_img: STORED, cn_stop: 0.4, cn_weight: 1.2, cn_type: 'CPDS' },
    { cn_img: { kind: 'none' }, cn_stop: 0.5, cn_weight: 1, cn_type: 'PyraCanny' },
    { cn_img: OTHER_STORED, cn_stop: 0.7, cn_weight: 0.9, cn_type: 'PyraCanny' },
  ] as CommonRequest['controlnet_image'];
  const job = jobOf({
    controlnet_image: slots,
    current_tab: 'ip',
    controlnet_softness: 0.1,
    canny_low_threshold: 20,
    canny_high_threshold: 90,
    skipping_cn_preprocessor: true,
  });
  assert.deepEqual(job.controlNet, {
    slots: [
      { type: 'CPDS', image: { file: 'a.png', width: 64, height: 64 }, stop: 0.4, weight: 1.2 },
      { type: 'PyraCanny', image: { file: 'b.png', width: 80, height: 48 }, stop: 0.7, weight: 0.9 },
    ],
    softness: 0.1,
    cannyLow: 20,
    cannyHigh: 90,
    isPreprocessorSkipped: true,
    isPreprocessorDebug: false,
  });
  assert.equal(job.imageInput, undefined, 'the ip tab alone is text to image with control');
  // On the ip tab a mixing flag adds the upscale/vary or inpaint goal (Fooocus's goals).
  assert.equal(
    jobOf({ ...UOV, ...IMAGE_PROMPT, mixing_image_prompt_and_vary_upscale: true }).imageInput?.kind,
    'upscale-or-vary',
  );
  assert.equal(
    jobOf({ ...INPAINT, ...IMAGE_PROMPT, mixing_image_prompt_and_inpaint: true }).imageInput?.kind,
    'inpaint',
  );
  assert.equal(jobOf({ ...UOV, ...IMAGE_PROMPT }).imageInput, undefined);
  // On the uov tab without a mixing flag the slots are not used, as Fooocus.
  assert.equal(jobOf({ ...UOV, ...IMAGE_PROMPT, current_tab: 'uov' }).controlNet, undefined);
  assert.doesNotThrow(() => assertSupported(base({ controlnet_image: slots, current_tab: 'ip' })));
  // All four types run; an engine that runs only the ControlNet types refuses the others per slot.
  const mixed = [...slots, { cn_img: STORED, cn_stop: 0.5, cn_weight: 0.6, cn_type: 'FaceSwap' as const }];
  assert.doesNotThrow(() => assertSupported(base({ controlnet_image: mixed, current_tab: 'ip' })));
  const reply = answered(() =>
    assertSupported(base({ controlnet_image: mixed, current_tab: 'ip' }), undefined, ['PyraCanny', 'CPDS']),
  );
  assert.equal(reply.status, 503, reply.body);
  assert.match(
    reply.body,
    /image prompt type 'FaceSwap' \(controlnet_image slot 4\) is not supported yet[^"]*PyraCanny, CPDS/,
  );
});

test('performance_selection: steps 60/30/8/4/4; restricted modes force sampler, scheduler, cfg 1, sharpness 0, neutral ADM, adaptive 1', () => {
  const user = {
    sampler_name: 'euler_ancestral',
    scheduler_name: 'normal',
    guidance_scale: 9,
    sharpness: 20,
    adm_scaler_positive: 2,
    adm_scaler_negative: 0.5,
    adm_scaler_end: 0.9,
    adaptive_cfg: 3,
  };
  const expected: Record<
    PerformanceSelection,
    [number, string, string, number, number, number, number, number, number]
  > = {
    Quality: [60, 'euler_ancestral', 'normal', 9, 20, 2, 0.5, 0.9, 3],
    Speed: [30, 'euler_ancestral', 'normal', 9, 20, 2, 0.5, 0.9, 3],
    'Extreme Speed': [8, 'lcm', 'lcm', 1, 0, 1, 1, 0, 1],
    Lightning: [4, 'euler', 'sgm_uniform', 1, 0, 1, 1, 0, 1],
    'Hyper-SD': [4, 'dpmpp_sde_gpu', 'karras', 1, 0, 1, 1, 0, 1],
  };
  for (const [performance, values] of Object.entries(expected) as [PerformanceSelection, typeof expected.Quality][]) {
    const j = jobOf({ ...user, performance_selection: performance });
    assert.deepEqual(
      [
        j.steps,
        j.sampler,
        j.scheduler,
        j.guidanceScale,
        j.sharpness,
        j.admScalerPositive,
        j.admScalerNegative,
        j.admScalerEnd,
        j.adaptiveCfg,
      ],
      values,
      performance,
    );
  }
});

test('overwrite_step > 0 replaces the mode steps, restricted modes included; -1 and 0 leave them', () => {
  assert.equal(jobOf({ overwrite_step: 12 }).steps, 12);
  assert.equal(jobOf({ overwrite_step: 12, performance_selection: 'Lightning' }).steps, 12);
  assert.equal(jobOf({ overwrite_step: -1, performance_selection: 'Quality' }).steps, 60);
  assert.equal(jobOf({ overwrite_step: 0 }).steps, 30);
});

test('aspect_ratios_selection sets the size; overwrite_width/height replace each side, floored to a multiple of 8', () => {
  assert.deepEqual([jobOf().width, jobOf().height], [1152, 896]);
  assert.deepEqual(
    [jobOf({ aspect_ratios_selection: '1024×1024' }).width, jobOf({ aspect_ratios_selection: '1024×1024' }).height],
    [1024, 1024],
  );
  const j = jobOf({ overwrite_width: 1027, overwrite_height: 771 });
  assert.deepEqual([j.width, j.height], [1024, 768]);
  const w = jobOf({ overwrite_width: 640 });
  assert.deepEqual([w.width, w.height], [640, 896], 'height stays from the aspect ratio');
});

test('image_number, image_seed and disable_seed_increment pass through (exact int64)', () => {
  const j = jobOf({ image_number: 3, image_seed: 2n ** 63n - 1n, disable_seed_increment: true });
  assert.deepEqual([j.imageNumber, j.seed, j.disableSeedIncrement], [3, 2n ** 63n - 1n, true]);
  assert.equal(jobOf().disableSeedIncrement, false);
});

test('output_format: png, jpeg (jpg alias), webp; save_metadata_to_images and metadata_scheme pass through', () => {
  assert.deepEqual(
    ['png', 'jpeg', 'jpg', 'webp'].map((f) => jobOf({ output_format: f }).outputFormat),
    ['png', 'jpeg', 'jpeg', 'webp'],
  );
  assert.equal(
    jobOf({ output_format: 'gif' }).outputFormat,
    'png',
    'an unknown format falls back to png (the schema should refuse it first)',
  );
  assert.deepEqual([jobOf().saveMetadata, jobOf().metadataScheme], [true, 'fooocus']);
  const j = jobOf({ save_metadata_to_images: false, metadata_scheme: 'a1111' });
  assert.deepEqual([j.saveMetadata, j.metadataScheme], [false, 'a1111']);
});

test('guidance: clip_skip, ADM scalers, adaptive_cfg, sharpness, guidance_scale, sampler/scheduler reach the job in Speed/Quality', () => {
  const j = jobOf({
    clip_skip: 1,
    adm_scaler_positive: 2,
    adm_scaler_negative: 0.5,
    adm_scaler_end: 0.5,
    adaptive_cfg: 3,
    sharpness: 10,
    guidance_scale: 7,
    sampler_name: 'euler',
    scheduler_name: 'sgm_uniform',
  });
  assert.deepEqual(
    [
      j.clipSkip,
      j.admScalerPositive,
      j.admScalerNegative,
      j.admScalerEnd,
      j.adaptiveCfg,
      j.sharpness,
      j.guidanceScale,
      j.sampler,
      j.scheduler,
    ],
    [1, 2, 0.5, 0.5, 3, 10, 7, 'euler', 'sgm_uniform'],
  );
  assert.equal(
    jobOf({ clip_skip: 1, performance_selection: 'Lightning' }).clipSkip,
    1,
    'clip skip is not forced by restricted modes',
  );
});

test('prompt, negative_prompt, base_model_name and read_wildcards_in_order pass through verbatim', () => {
  const j = jobOf({
    prompt: 'a __color__ fox\nsecond line',
    negative_prompt: 'blurry',
    base_model_name: 'other',
    read_wildcards_in_order: true,
  });
  assert.deepEqual(
    [j.prompt, j.negativePrompt, j.model, j.readWildcardsInOrder],
    ['a __color__ fox\nsecond line', 'blurry', 'other', true],
  );
});

test('style_selections pass through in order; Fooocus V2 is kept in the list and reported as skipped when no expansion model is installed', () => {
  const withV2 = toEngineJob('j', base({ style_selections: ['Fooocus V2', 'Fooocus Sharp'] }), []);
  assert.deepEqual(withV2.job.styles, ['Fooocus V2', 'Fooocus Sharp']);
  assert.ok(withV2.warnings.some((w) => w.startsWith('Fooocus V2 prompt expansion skipped')));
  const installed = toEngineJob('j', base({ style_selections: ['Fooocus V2', 'Fooocus Sharp'] }), [], null);
  assert.deepEqual(installed.warnings, [], 'an installed expansion model runs (engine/expansion): nothing to say');
  const missing = toEngineJob(
    'j',
    base({ style_selections: ['Fooocus V2'] }),
    [],
    'no Fooocus V2 expansion model in models/prompt_expansion: missing positive.txt',
  );
  assert.deepEqual(missing.warnings, [
    'Fooocus V2 prompt expansion skipped: no Fooocus V2 expansion model in models/prompt_expansion: missing positive.txt',
  ]);
  const without = toEngineJob('j', base({ style_selections: ['Fooocus Sharp', 'Fooocus Enhance'] }), []);
  assert.deepEqual(without.job.styles, ['Fooocus Sharp', 'Fooocus Enhance']);
  assert.deepEqual(without.warnings, []);
});

test('loras: enabled entries in order with their weights; disabled ones never reach the engine', () => {
  const j = jobOf({
    loras: [
      { enabled: true, model_name: 'a.safetensors', weight: 0.7 },
      { enabled: false, model_name: 'b.safetensors', weight: 1 },
      { enabled: true, model_name: 'c.safetensors', weight: -0.5 },
    ],
  });
  assert.deepEqual(j.loras, [
    { name: 'a.safetensors', weight: 0.7 },
    { name: 'c.safetensors', weight: -0.5 },
  ]);
});

test('refiner: model, switch step round-half-even(steps × refiner_switch) or overwrite_switch, swap method; none for None, the base itself and restricted modes', () => {
  assert.equal(jobOf().refiner, undefined);
  assert.deepEqual(jobOf(REFINER).refiner, {
    model: 'sd_xl_refiner_1.0.safetensors',
    switchAt: 15,
    swapMethod: 'joint',
  });
  assert.equal(
    jobOf({ ...REFINER, refiner_switch: 0.75, overwrite_step: 10 }).refiner?.switchAt,
    8,
    'round(7.5) = 8 (half to even)',
  );
  assert.equal(
    jobOf({ ...REFINER, refiner_switch: 0.25, overwrite_step: 10 }).refiner?.switchAt,
    2,
    'round(2.5) = 2 (half to even)',
  );
  assert.equal(jobOf({ ...REFINER, refiner_switch: 0.8, performance_selection: 'Quality' }).refiner?.switchAt, 48);
  assert.equal(jobOf({ ...REFINER, overwrite_switch: 10 }).refiner?.switchAt, 10);
  assert.equal(jobOf({ ...REFINER, refiner_swap_method: 'separate' }).refiner?.swapMethod, 'separate');
  assert.equal(jobOf({ refiner_model_name: 'tiny' }).refiner, undefined, 'base == refiner: disabled');
  for (const performance of ['Extreme Speed', 'Lightning', 'Hyper-SD'] as const)
    assert.equal(jobOf({ ...REFINER, performance_selection: performance }).refiner, undefined, performance);
});

test(`refiner_swap_method 'vae' is accepted and reaches the engine job (run for SDXL refiners, no interposer needed)`, () => {
  assert.doesNotThrow(() => assertSupported(base({ ...REFINER, refiner_swap_method: 'vae' })));
  assert.equal(jobOf({ ...REFINER, refiner_swap_method: 'vae' }).refiner?.swapMethod, 'vae');
  assert.equal(jobOf({ refiner_swap_method: 'vae' }).refiner, undefined, 'inert without a refiner');
});

test('disable_preview maps to isPreviewDisabled', () => {
  assert.deepEqual([jobOf().isPreviewDisabled, jobOf({ disable_preview: true }).isPreviewDisabled], [false, true]);
});

test('delivery-only and ignored fields never reach the engine job; ignored ones that matter are reported, the rest add no warning', () => {
  const isWarned = (r: Row) => r.kind === 'ignored' && (r.reason ?? '').startsWith(WARNED);
  const delivery = Object.entries(FIELD_MATRIX).filter(
    ([, r]) => (r.kind === 'delivery-only' || r.kind === 'ignored') && !isWarned(r),
  );
  const request = base(Object.fromEntries(delivery.map(([f, r]) => [f, r.alt])) as Partial<CommonRequest>);
  const mapped = toEngineJob('j', request, []);
  assert.deepEqual(mapped.job, jobOf());
  assert.deepEqual(mapped.warnings, toEngineJob('j', base(), []).warnings);
  assert.doesNotThrow(() => assertSupported(request));
  for (const [field, row] of Object.entries(FIELD_MATRIX).filter(([, r]) => isWarned(r))) {
    const warned = toEngineJob(
      'j',
      base({ [field]: row.kind === 'ignored' ? row.alt : undefined } as Partial<CommonRequest>),
      [],
    );
    assert.deepEqual(warned.job, jobOf(), field);
    assert.ok(
      warned.warnings.some((w) => w.includes(field)),
      `${field} is reported: ${warned.warnings.join(' | ')}`,
    );
  }
});

test('the performance LoRA travels base-only (not merged into the refiner); performance, refiner_switch and overwrite_switch reach the job for the metadata', () => {
  const user = { enabled: true, model_name: 'a.safetensors', weight: 0.7 };
  const lightning = jobOf({ performance_selection: 'Lightning', loras: [user], refiner_switch: 0.6 }, [
    'a.safetensors',
    'sdxl_lightning_4step_lora.safetensors',
  ]);
  assert.deepEqual(lightning.loras, [
    { name: 'a.safetensors', weight: 0.7 },
    { name: 'sdxl_lightning_4step_lora.safetensors', weight: 1, baseOnly: true },
  ]);
  assert.equal(lightning.performance, 'Lightning');
  assert.equal(lightning.refinerSwitch, 1, 'restricted modes force refiner_switch 1.0');
  const speed = jobOf({ performance_selection: 'Speed', refiner_switch: 0.6, overwrite_switch: 12 });
  assert.deepEqual([speed.performance, speed.refinerSwitch, speed.overwriteSwitch], ['Speed', 0.6, 12]);
});

test('image prompts: every slot with an image on the ip tab, as (type, image, stop, weight); the mixing flags add upscale/vary or inpaint', () => {
  const slots: CommonRequest['controlnet_image'] = [
    { cn_img: STORED, cn_stop: 0.5, cn_weight: 0.6, cn_type: 'ImagePrompt' },
    { cn_img: { kind: 'none' }, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
    { cn_img: OTHER_STORED, cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' },
  ];
  const ip = jobOf({ controlnet_image: slots, current_tab: 'ip' });
  assert.deepEqual(ip.imagePrompts, [
    { type: 'ImagePrompt', image: { file: 'a.png', width: 64, height: 64 }, stop: 0.5, weight: 0.6 },
    { type: 'FaceSwap', image: { file: 'b.png', width: 80, height: 48 }, stop: 0.9, weight: 0.75 },
  ]);
  assert.equal(ip.imageInput, undefined, 'the ip tab alone runs no upscale/vary or inpaint');
  assert.deepEqual([ip.isImagePromptPreprocessorDebug, ip.isImagePromptPreprocessorSkipped], [false, false]);
  // On the uov tab, image prompts (here in slot 3 only) run only with a mixing flag.
  assert.equal(jobOf({ ...UOV, controlnet_image: slots.slice(1) }).imagePrompts, undefined);
  const mixedUov = jobOf({ ...UOV, controlnet_image: slots.slice(1), mixing_image_prompt_and_vary_upscale: true });
  assert.deepEqual([mixedUov.imageInput?.kind, mixedUov.imagePrompts?.length], ['upscale-or-vary', 1]);
  // On the ip tab, the uov image needs the flag too (fooocusapi-new.md §9).
  assert.equal(jobOf({ ...UOV, ...IP_SLOT }).imageInput, undefined);
  assert.equal(
    jobOf({ ...UOV, ...IP_SLOT, mixing_image_prompt_and_vary_upscale: true }).imageInput?.kind,
    'upscale-or-vary',
  );
  assert.equal(jobOf({ ...INPAINT, ...IP_SLOT, mixing_image_prompt_and_inpaint: true }).imageInput?.kind, 'inpaint');
  assert.equal(jobOf({ ...INPAINT, ...IP_SLOT }).imageInput, undefined);
});

test('image prompts: ImagePrompt and FaceSwap are accepted; an engine without ControlNet refuses a CPDS slot with 503 naming it', () => {
  assert.doesNotThrow(() => assertSupported(base(IP_SLOT)));
  assert.doesNotThrow(() =>
    assertSupported(
      base({ ...IP_SLOT, controlnet_image: [{ cn_img: STORED, cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' }] }),
    ),
  );
  const both: Partial<CommonRequest> = {
    controlnet_image: [
      { cn_img: STORED, cn_stop: 0.5, cn_weight: 0.6, cn_type: 'ImagePrompt' },
      { cn_img: STORED, cn_stop: 0.5, cn_weight: 1, cn_type: 'CPDS' },
    ],
    current_tab: 'ip',
  };
  assert.doesNotThrow(() => assertSupported(base(both)));
  const reply = answered(() => assertSupported(base(both), undefined, ['ImagePrompt', 'FaceSwap']));
  assert.equal(reply.status, 503);
  assert.match(reply.body, /image prompt type 'CPDS' \(controlnet_image slot 2\) is not supported yet/);
});

test('vae_name: an installed VAE reaches the engine by name, an unknown one is said and the checkpoint decodes, 422 under --strict', () => {
  const snapshot = { ...SNAPSHOT, vaes: ['sdxl_vae'] } as ServerSnapshot;
  const known = toCommonRequest({ prompt: 'x', vae_name: 'sdxl_vae.safetensors' } as never, snapshot, {
    randomSeed: 1n,
  });
  assert.equal(known.request.vae_name, 'sdxl_vae');
  assert.deepEqual(known.warnings, []);
  const unknown = toCommonRequest({ prompt: 'x', vae_name: 'other.safetensors' } as never, snapshot, {
    randomSeed: 1n,
  });
  assert.equal(unknown.request.vae_name, 'Default (model)');
  assert.deepEqual(unknown.warnings, [
    "vae_name 'other.safetensors' is not installed; the checkpoint's own VAE decodes",
  ]);
  const strict = { ...snapshot, isStrict: true } as ServerSnapshot;
  const reply = answered(() =>
    toCommonRequest({ prompt: 'x', vae_name: 'other.safetensors' } as never, strict, { randomSeed: 1n }),
  );
  assert.equal(reply.status, 422);
  assert.match(reply.body, /"loc":\["body","vae_name"\]/);
});
