import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_REQUEST_DEFAULTS, type CommonRequest } from '../../adapters/common-request.ts';
import { InvalidFieldError } from '../../adapters/invalid-field-error.ts';
import {
  LEGACY_JOB_TYPES,
  toCommonRequestFromLegacyForm,
  toCommonRequestFromLegacyJson,
  type LegacyFormRoute,
  type LegacyJsonRoute,
} from '../../adapters/legacy/legacy-request.ts';
import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';

const OFFSET = 'sd_xl_offset_example-lora_1.0.safetensors';
const snapshot: ServerSnapshot = {
  models: ['juggernaut-onnx', 'tiny-sdxl-demo'],
  defaultModel: 'tiny-sdxl-demo',
  loras: [OFFSET, 'detail.safetensors'],
  styles: ['Fooocus V2', 'Random Style', 'Fooocus Enhance', 'Fooocus Sharp', 'SAI Anime'],
  samplers: ['euler', 'dpmpp_2m_sde_gpu'],
  schedulers: ['karras', 'normal'],
  presets: {},
  vaes: [],
  serverPreset: null,
  isStrict: false,
};
const context = { randomSeed: 4242n };
const json = (route: LegacyJsonRoute, body: Record<string, unknown>, snap: ServerSnapshot = snapshot) =>
  toCommonRequestFromLegacyJson(route, body, snap, context);
const form = (
  route: LegacyFormRoute,
  fields: Record<string, string | undefined>,
  files: Record<string, Uint8Array | undefined> = {},
  snap: ServerSnapshot = snapshot,
) => toCommonRequestFromLegacyForm(route, fields, files, snap, context);

/**
 * What every legacy request starts from: the stock defaults, the server's model and LoRA, the legacy inpaint field
 * (contract §3.2).
 */
const LEGACY_BASE: CommonRequest = {
  ...COMMON_REQUEST_DEFAULTS,
  base_model_name: 'tiny-sdxl-demo',
  loras: [{ enabled: true, model_name: OFFSET, weight: 0.1 }],
  image_seed: 4242n,
  inpaint_respective_field: 1.0,
};
/** v1 forms do not save metadata unless asked (contract §4.2). */
const FORM_BASE: CommonRequest = { ...LEGACY_BASE, save_metadata_to_images: false };
const BEAR = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const SOURCE = new Uint8Array([0xff, 0xd8, 0xff, 4, 5]);
const MASK = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9]);
const BEAR_B64 = Buffer.from(BEAR).toString('base64');
const SOURCE_B64 = Buffer.from(SOURCE).toString('base64');

const refusesNaming = (field: string, pattern?: RegExp) => (e: unknown) =>
  e instanceof InvalidFieldError && e.field === field && (pattern === undefined || pattern.test(e.message));

// ---- the seed document's request examples (fooocus-api-v1v2-doc.en.txt) ----

test('v1 text-to-image {prompt, async_process} maps onto the legacy defaults', () => {
  const { request, warnings, ignoredFields } = json('v1/text-to-image', {
    prompt: '1girl sitting on the ground',
    async_process: true,
  });
  assert.deepEqual(request, { ...LEGACY_BASE, prompt: '1girl sitting on the ground', async_process: true });
  assert.deepEqual(warnings, []);
  assert.deepEqual(ignoredFields, []);
});

test('v1 image-upscale-vary with an uploaded input_image and uov_method=Upscale (2x) becomes an uov request with the bytes', () => {
  const { request, ignoredFields } = form(
    'v1/image-upscale-vary',
    { uov_method: 'Upscale (2x)', async_process: 'True' },
    { input_image: BEAR },
  );
  assert.deepEqual(request, {
    ...FORM_BASE,
    uov_method: 'Upscale (2x)',
    uov_input_image: { kind: 'bytes', bytes: BEAR },
    async_process: true,
    current_tab: 'uov',
  });
  assert.deepEqual(ignoredFields, []);
});

test('v1 image-inpaint-outpaint with outpaint_selections=Left,Right and no mask extends the image', () => {
  const { request } = form(
    'v1/image-inpaint-outpaint',
    { outpaint_selections: 'Left,Right', async_process: 'True' },
    { input_image: BEAR, input_mask: undefined },
  );
  assert.deepEqual(request, {
    ...FORM_BASE,
    inpaint_input_image: { kind: 'bytes', bytes: BEAR },
    outpaint_selections: ['Left', 'Right'],
    async_process: true,
    current_tab: 'inpaint',
  });
});

test('v1 image-inpaint-outpaint with a mask upload turns the mask checkbox on', () => {
  const { request } = form(
    'v1/image-inpaint-outpaint',
    { prompt: 'a cat', async_process: 'True' },
    { input_image: SOURCE, input_mask: MASK },
  );
  assert.deepEqual(request, {
    ...FORM_BASE,
    prompt: 'a cat',
    inpaint_input_image: { kind: 'bytes', bytes: SOURCE },
    inpaint_mask_image_upload: { kind: 'bytes', bytes: MASK },
    inpaint_advanced_masking_checkbox: true,
    async_process: true,
    current_tab: 'inpaint',
  });
});

test('v1 image-prompt with cn_img1 + cn_type1 uses the legacy per-type defaults and ignores the docs’ image_prompts field', () => {
  const { request, ignoredFields } = form(
    'v1/image-prompt',
    { prompt: '1girl sitting on the chair', cn_type1: 'FaceSwap', cn_type2: '', cn_stop2: '', image_prompts: '[]' },
    { cn_img1: BEAR, cn_img2: SOURCE, cn_img3: new Uint8Array(0) },
  );
  assert.deepEqual(request, {
    ...FORM_BASE,
    prompt: '1girl sitting on the chair',
    controlnet_image: [
      { cn_img: { kind: 'bytes', bytes: BEAR }, cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' },
      { cn_img: { kind: 'bytes', bytes: SOURCE }, cn_stop: 0.5, cn_weight: 0.6, cn_type: 'ImagePrompt' },
    ],
    current_tab: 'ip',
  });
  assert.deepEqual(ignoredFields, ['image_prompts']);
});

test('v2 text-to-image-with-ip with image_prompts carrying base64 images becomes an image-prompt request', () => {
  const slot = (cn_img: string) => ({ cn_img, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' });
  const { request } = json('v2/text-to-image-with-ip', {
    prompt: 'A bear',
    image_prompts: [slot(SOURCE_B64), slot(BEAR_B64)],
  });
  assert.deepEqual(request, {
    ...LEGACY_BASE,
    prompt: 'A bear',
    controlnet_image: [
      { cn_img: { kind: 'base64', data: SOURCE_B64 }, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
      { cn_img: { kind: 'base64', data: BEAR_B64 }, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
    ],
    current_tab: 'ip',
  });
});

test('v2 image-upscale-vary with a base64 input_image becomes an uov request with the classified image', () => {
  const { request } = json('v2/image-upscale-vary', {
    input_image: BEAR_B64,
    uov_method: 'Upscale (2x)',
    async_process: true,
  });
  assert.deepEqual(request, {
    ...LEGACY_BASE,
    uov_method: 'Upscale (2x)',
    uov_input_image: { kind: 'base64', data: BEAR_B64 },
    async_process: true,
    current_tab: 'uov',
  });
});

test('v2 image-inpaint-outpaint maps outpaint_distance_left/top/right/bottom to [left, top, right, bottom], with -1 meaning the default', () => {
  const { request } = json('v2/image-inpaint-outpaint', {
    input_image: `data:image/png;base64,${BEAR_B64}`,
    input_mask: null,
    outpaint_selections: ['Left', 'Top'],
    outpaint_distance_left: 100,
    outpaint_distance_top: 200,
    outpaint_distance_right: -1,
    outpaint_distance_bottom: null,
    inpaint_additional_prompt: null,
  });
  assert.deepEqual(request, {
    ...LEGACY_BASE,
    inpaint_input_image: { kind: 'data-uri', data: BEAR_B64 },
    outpaint_selections: ['Left', 'Top'],
    outpaint_distance: [100, 200, 0, 0],
    current_tab: 'inpaint',
  });
});

// ---- renames, defaults, mixing ----

test('flattens advanced_params, renames save_meta/meta_scheme/save_extension/upscale_value, and reports unknown advanced keys', () => {
  const { request, ignoredFields } = json('v2/image-upscale-vary', {
    input_image: 'https://example.com/a.png',
    uov_method: 'Upscale (Custom)',
    upscale_value: 3.5,
    save_meta: false,
    meta_scheme: 'a111',
    save_extension: 'jpg',
    save_name: 'portrait',
    webhook_url: 'https://hooks.example.com/x',
    aspect_ratios_selection: '896*1152',
    advanced_params: {
      adaptive_cfg: 5,
      sampler_name: 'euler',
      overwrite_step: 12,
      inpaint_respective_field: 0.618,
      no_such_param: 1,
    },
    no_such_field: true,
  });
  assert.deepEqual(request, {
    ...LEGACY_BASE,
    uov_method: 'Upscale (Custom)',
    uov_input_image: { kind: 'url', url: 'https://example.com/a.png' },
    upscale_multiple: 3.5,
    save_metadata_to_images: false,
    metadata_scheme: 'a1111',
    output_format: 'jpeg',
    save_name: 'portrait',
    webhook_url: 'https://hooks.example.com/x',
    aspect_ratios_selection: '896×1152',
    adaptive_cfg: 5,
    sampler_name: 'euler',
    overwrite_step: 12,
    inpaint_respective_field: 0.618,
    current_tab: 'uov',
  });
  assert.deepEqual(ignoredFields, ['no_such_field', 'advanced_params.no_such_param']);
});

test('v2 image-upscale-vary defaults uov_method to Upscale (2x)', () => {
  assert.equal(json('v2/image-upscale-vary', { input_image: BEAR_B64 }).request.uov_method, 'Upscale (2x)');
});

test('sets the mixing flags when image prompts come with an uov or inpaint image, and derives the ip tab', () => {
  const prompts = [{ cn_img: SOURCE_B64 }];
  const uov = json('v2/image-upscale-vary', { input_image: BEAR_B64, image_prompts: prompts }).request;
  assert.deepEqual(
    [uov.current_tab, uov.mixing_image_prompt_and_vary_upscale, uov.mixing_image_prompt_and_inpaint],
    ['ip', true, false],
  );
  const inpaint = json('v2/image-prompt', {
    input_image: BEAR_B64,
    input_mask: SOURCE_B64,
    image_prompts: prompts,
  }).request;
  assert.deepEqual(
    [inpaint.current_tab, inpaint.mixing_image_prompt_and_vary_upscale, inpaint.mixing_image_prompt_and_inpaint],
    ['ip', false, true],
  );
  assert.equal(inpaint.inpaint_advanced_masking_checkbox, true);
  const inpaintOnly = json('v2/image-prompt', { input_image: BEAR_B64, image_prompts: [] }).request;
  assert.deepEqual([inpaintOnly.current_tab, inpaintOnly.mixing_image_prompt_and_inpaint], ['inpaint', false]);
  const noImages = json('v2/text-to-image-with-ip', { image_prompts: [{ cn_img: 'None' }] }).request;
  assert.deepEqual([noImages.current_tab, noImages.controlnet_image], ['uov', []]);
});

test('applies the legacy per-type cn_stop/cn_weight defaults when a slot sends none or 0', () => {
  const { request } = json('v2/image-prompt', {
    image_prompts: [
      { cn_img: BEAR_B64, cn_type: 'PyraCanny', cn_stop: 0, cn_weight: 0 },
      { cn_img: BEAR_B64, cn_type: 'CPDS' },
      { cn_img: null, cn_type: 'FaceSwap' },
      { cn_img: BEAR_B64, cn_type: 'FaceSwap', cn_stop: 0.4, cn_weight: 1.2 },
    ],
  });
  assert.deepEqual(
    request.controlnet_image.map(({ cn_type, cn_stop, cn_weight }) => [cn_type, cn_stop, cn_weight]),
    [
      ['PyraCanny', 0.5, 1.0],
      ['CPDS', 0.5, 1.0],
      ['FaceSwap', 0.4, 1.2],
    ],
  );
});

test('accepts Loras without enabled (default true) and weight (default 0.5); `[]` means none and an empty form field the default', () => {
  assert.deepEqual(json('v1/text-to-image', { loras: [{ model_name: 'detail.safetensors' }] }).request.loras, [
    { enabled: true, model_name: 'detail.safetensors', weight: 0.5 },
  ]);
  assert.deepEqual(json('v1/text-to-image', { loras: [] }).request.loras, []);
  const files = { input_image: BEAR };
  assert.deepEqual(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Subtle)', loras: '' }, files).request.loras,
    LEGACY_BASE.loras,
  );
  assert.deepEqual(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Subtle)', loras: '[]' }, files).request.loras,
    [],
  );
  const fromForm = form(
    'v1/image-upscale-vary',
    {
      uov_method: 'Vary (Subtle)',
      loras:
        '[{"enabled":"true","model_name":"detail.safetensors","weight":1.5},{"enabled":true,"model_name":"None","weight":1}]',
    },
    files,
  );
  assert.deepEqual(fromForm.request.loras, [{ enabled: true, model_name: 'detail.safetensors', weight: 1.5 }]);
});

test('keeps int64 seeds exact from JSON bigints, digit strings and form text; -1 and out-of-range mean the random seed', () => {
  assert.equal(json('v1/text-to-image', { image_seed: 9223372036854775807n }).request.image_seed, 9223372036854775807n);
  assert.equal(json('v1/text-to-image', { image_seed: '9007199254740993' }).request.image_seed, 9007199254740993n);
  assert.equal(json('v1/text-to-image', { image_seed: -1 }).request.image_seed, 4242n);
  assert.equal(json('v1/text-to-image', { image_seed: 9223372036854775808n }).request.image_seed, 4242n);
  const files = { input_image: BEAR };
  assert.equal(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Strong)', image_seed: '9007199254740993' }, files).request
      .image_seed,
    9007199254740993n,
  );
  assert.equal(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Strong)', image_seed: '' }, files).request.image_seed,
    4242n,
  );
});

test('an empty form scalar means the default; an empty style list means no styles; styles are comma-split and trimmed', () => {
  const files = { input_image: BEAR };
  const blank = form(
    'v1/image-upscale-vary',
    {
      uov_method: 'Vary (Strong)',
      image_number: '',
      sharpness: '',
      performance_selection: '',
      save_meta: '',
      prompt: '',
    },
    files,
  ).request;
  assert.deepEqual(
    [blank.image_number, blank.sharpness, blank.performance_selection, blank.save_metadata_to_images],
    [1, 2, 'Speed', false],
  );
  assert.deepEqual(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Strong)', style_selections: '' }, files).request
      .style_selections,
    [],
  );
  assert.deepEqual(
    form('v1/image-upscale-vary', { uov_method: 'Vary (Strong)', style_selections: 'Fooocus V2, SAI Anime' }, files)
      .request.style_selections,
    ['Fooocus V2', 'SAI Anime'],
  );
});

test('the v0.4 inpaint_mask_upload_checkbox alias is accepted; v0.5’s checkbox set false switches a sent mask off', () => {
  const body = { input_image: BEAR_B64, input_mask: SOURCE_B64 };
  const alias = json('v2/image-inpaint-outpaint', {
    ...body,
    advanced_params: { inpaint_mask_upload_checkbox: false },
  });
  assert.equal(alias.request.inpaint_advanced_masking_checkbox, true);
  assert.deepEqual(alias.ignoredFields, []);
  assert.equal(
    json('v2/image-inpaint-outpaint', { ...body, advanced_params: { inpaint_advanced_masking_checkbox: false } })
      .request.inpaint_advanced_masking_checkbox,
    false,
  );
});

test('substitutes unknown names with warnings and refuses them under strict, as the all-in-one dialect', () => {
  const body = {
    base_model_name: 'juggernautXL_version6Rundiffusion.safetensors',
    style_selections: ['Fooocus V2', 'Nope'],
    advanced_params: { inpaint_engine: 'v9', scheduler_name: 'turbo' },
  };
  const { request, warnings } = json('v1/text-to-image', body);
  assert.deepEqual(
    [request.base_model_name, request.style_selections, request.inpaint_engine, request.scheduler_name],
    ['tiny-sdxl-demo', ['Fooocus V2'], 'v2.6', 'karras'],
  );
  assert.equal(warnings.length, 4);
  assert.throws(
    () => json('v1/text-to-image', body, { ...snapshot, isStrict: true }),
    refusesNaming('base_model_name'),
  );
});

test('applies the server preset below explicit values', () => {
  const snap = { ...snapshot, serverPreset: { guidance_scale: 7, aspect_ratios_selection: '896×1152' } };
  const { request } = json('v1/text-to-image', { guidance_scale: 5 }, snap);
  assert.deepEqual([request.guidance_scale, request.aspect_ratios_selection], [5, '896×1152']);
});

test('names the legacy job type of every route', () => {
  assert.equal(LEGACY_JOB_TYPES['v2/text-to-image-with-ip'], 'Text to Image');
  assert.equal(LEGACY_JOB_TYPES['v1/image-prompt'], 'Image Prompt');
});

// ---- malformed input: one 422 per class, naming the field ----

test('refuses each malformed form value with an InvalidFieldError naming the field', () => {
  const files = { input_image: BEAR };
  const uov = { uov_method: 'Vary (Subtle)' };
  const cases: Array<[string, LegacyFormRoute, Record<string, string>, string, RegExp?]> = [
    ['boolean', 'v1/image-upscale-vary', { ...uov, async_process: 'maybe' }, 'async_process'],
    ['integer', 'v1/image-upscale-vary', { ...uov, image_number: 'two' }, 'image_number'],
    ['integer range', 'v1/image-upscale-vary', { ...uov, image_number: '33' }, 'image_number', /maximum 32/],
    ['float', 'v1/image-upscale-vary', { ...uov, sharpness: 'sharp' }, 'sharpness'],
    ['seed text', 'v1/image-upscale-vary', { ...uov, image_seed: 'abc' }, 'image_seed'],
    ['loras JSON', 'v1/image-upscale-vary', { ...uov, loras: '[{"model_name":' }, 'loras', /JSON/],
    ['loras shape', 'v1/image-upscale-vary', { ...uov, loras: '{"model_name":"a"}' }, 'loras'],
    ['lora without a name', 'v1/image-upscale-vary', { ...uov, loras: '[{"weight":1}]' }, 'loras.0.model_name'],
    [
      'lora weight range',
      'v1/image-upscale-vary',
      { ...uov, loras: '[{"model_name":"a","weight":3}]' },
      'loras.0.weight',
    ],
    [
      'advanced_params JSON',
      'v1/image-upscale-vary',
      { ...uov, advanced_params: '{"adaptive_cfg":' },
      'advanced_params',
      /JSON/,
    ],
    ['advanced_params shape', 'v1/image-upscale-vary', { ...uov, advanced_params: '[1]' }, 'advanced_params'],
    [
      'advanced value type',
      'v1/image-upscale-vary',
      { ...uov, advanced_params: '{"adaptive_cfg":"high"}' },
      'advanced_params.adaptive_cfg',
    ],
    [
      'advanced value range',
      'v1/image-upscale-vary',
      { ...uov, advanced_params: '{"clip_skip":13}' },
      'advanced_params.clip_skip',
    ],
    ['uov_method enum', 'v1/image-upscale-vary', { uov_method: 'Upscale (3x)' }, 'uov_method', /'Upscale \(2x\)'/],
    ['uov_method missing', 'v1/image-upscale-vary', {}, 'uov_method'],
    ['custom upscale without a value', 'v1/image-upscale-vary', { uov_method: 'Upscale (Custom)' }, 'upscale_value'],
    [
      'performance enum',
      'v1/image-upscale-vary',
      { ...uov, performance_selection: 'Fast' },
      'performance_selection',
      /'Hyper-SD'/,
    ],
    ['output format enum', 'v1/image-upscale-vary', { ...uov, save_extension: 'gif' }, 'save_extension', /'webp'/],
    ['metadata scheme enum', 'v1/image-upscale-vary', { ...uov, meta_scheme: 'exif' }, 'meta_scheme'],
    [
      'outpaint direction',
      'v1/image-inpaint-outpaint',
      { outpaint_selections: 'Left,Up' },
      'outpaint_selections.1',
      /'Up'.*'Bottom'/,
    ],
    ['cn_type enum', 'v1/image-prompt', { cn_type1: 'Canny' }, 'cn_type1', /'PyraCanny'/],
    ['cn_stop range', 'v1/image-prompt', { cn_stop1: '1.5' }, 'cn_stop1'],
    ['aspect ratio', 'v1/image-upscale-vary', { ...uov, aspect_ratios_selection: 'wide' }, 'aspect_ratios_selection'],
    ['save_name', 'v1/image-upscale-vary', { ...uov, save_name: '../../etc/x' }, 'save_name'],
  ];
  for (const [label, route, fields, field, pattern] of cases) {
    assert.throws(() => form(route, fields, files), refusesNaming(field, pattern), label);
  }
});

test('refuses a missing required input_image on upscale-vary and inpaint-outpaint, in both versions', () => {
  assert.throws(
    () => form('v1/image-upscale-vary', { uov_method: 'Vary (Subtle)' }, { input_image: new Uint8Array(0) }),
    refusesNaming('input_image'),
  );
  assert.throws(() => form('v1/image-inpaint-outpaint', {}, {}), refusesNaming('input_image'));
  assert.throws(() => json('v2/image-upscale-vary', { input_image: 'string' }), refusesNaming('input_image'));
  assert.throws(() => json('v2/image-inpaint-outpaint', {}), refusesNaming('input_image'));
  assert.doesNotThrow(() => json('v2/image-prompt', { image_prompts: [] }));
});

test('refuses bad v2 image strings and enums naming the nested field', () => {
  assert.throws(
    () => json('v2/image-upscale-vary', { input_image: 'ftp://x/y.png' }),
    refusesNaming('input_image', /scheme/),
  );
  assert.throws(
    () => json('v2/image-prompt', { image_prompts: [{ cn_img: BEAR_B64 }, { cn_img: '!!!' }] }),
    refusesNaming('image_prompts.1.cn_img'),
  );
  assert.throws(
    () => json('v2/image-prompt', { image_prompts: [{ cn_img: BEAR_B64, cn_type: 'Depth' }] }),
    refusesNaming('image_prompts.0.cn_type'),
  );
  assert.throws(
    () => json('v2/image-inpaint-outpaint', { input_image: BEAR_B64, outpaint_selections: ['Left', 'Middle'] }),
    refusesNaming('outpaint_selections.1'),
  );
});

test('maps CommonRequest image paths back to the names the legacy client sent, counting only slots with images', () => {
  const body = {
    input_image: BEAR_B64,
    image_prompts: [{ cn_img: 'None' }, { cn_img: BEAR_B64 }, { cn_img: SOURCE_B64 }],
  };
  const names = json('v2/image-prompt', body).fieldNames;
  assert.equal(names.inpaint_input_image, 'input_image');
  assert.equal(names.inpaint_mask_image_upload, 'input_mask');
  assert.equal(names.uov_input_image, 'input_image');
  assert.equal(names['controlnet_image.0.cn_img'], 'image_prompts.1.cn_img');
  assert.equal(names['controlnet_image.1.cn_img'], 'image_prompts.2.cn_img');
  const formNames = form(
    'v1/image-prompt',
    {},
    { input_image: BEAR, cn_img1: new Uint8Array(0), cn_img2: BEAR, cn_img4: SOURCE },
  ).fieldNames;
  assert.deepEqual(
    [formNames['controlnet_image.0.cn_img'], formNames['controlnet_image.1.cn_img']],
    ['cn_img2', 'cn_img4'],
  );
  // The indices agree with the adapter's own slot order.
  assert.deepEqual(
    json('v2/image-prompt', body).request.controlnet_image.map((s) => s.cn_img),
    [
      { kind: 'base64', data: BEAR_B64 },
      { kind: 'base64', data: SOURCE_B64 },
    ],
  );
});
