import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCommonRequest } from '../../adapters/all-in-one/generate.ts';
import { toCurrentRecord, toPendingStub, toReqParams, toTaskRow } from '../../adapters/all-in-one/task-response.ts';
import { classifyImage } from '../../adapters/classify-image.ts';
import { COMMON_REQUEST_DEFAULTS, type CommonRequest } from '../../adapters/common-request.ts';
import type { ServerSnapshot } from '../../adapters/server-snapshot.ts';
import { InvalidFieldError } from '../../src/errors.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';

const snapshot: ServerSnapshot = {
  models: ['juggernaut-onnx', 'tiny-sdxl-demo'],
  defaultModel: 'tiny-sdxl-demo',
  loras: ['sd_xl_offset_example-lora_1.0.safetensors', 'detail.safetensors'],
  styles: ['Fooocus V2', 'Random Style', 'Fooocus Enhance', 'Fooocus Sharp', 'SAI Anime'],
  samplers: ['euler', 'dpmpp_2m_sde_gpu'],
  schedulers: ['karras', 'normal'],
  presets: { anime: { base_model_name: 'juggernaut-onnx', guidance_scale: 7, style_selections: ['SAI Anime'] } },
  vaes: [],
  serverPreset: null,
  isStrict: false,
};
const context = { randomSeed: 4242n };
const adapt = (body: Record<string, unknown>, snap: ServerSnapshot = snapshot) => toCommonRequest(body, snap, context);

test('an empty body yields the defaults with the server default model, the installed offset LoRA and a random seed', () => {
  const { request, warnings, ignoredFields } = adapt({});
  const expected: CommonRequest = {
    ...COMMON_REQUEST_DEFAULTS,
    base_model_name: 'tiny-sdxl-demo',
    loras: [{ enabled: true, model_name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1 }],
    image_seed: 4242n,
  };
  assert.deepEqual(request, expected);
  assert.deepEqual(warnings, []);
  assert.deepEqual(ignoredFields, []);
});

test('keeps exact int64 seeds and treats -1 or out-of-range seeds as random', () => {
  assert.equal(adapt({ image_seed: 9223372036854775807n }).request.image_seed, 9223372036854775807n);
  assert.equal(adapt({ image_seed: '9007199254740993' }).request.image_seed, 9007199254740993n);
  assert.equal(adapt({ image_seed: -1 }).request.image_seed, 4242n);
  assert.equal(adapt({ image_seed: '9223372036854775808' }).request.image_seed, 4242n);
});

test('normalises the aspect ratio to ×, rounds sides down to multiples of 8 with a warning, and rejects garbage naming the field', () => {
  assert.equal(adapt({ aspect_ratios_selection: '896*1152' }).request.aspect_ratios_selection, '896×1152');
  const rounded = adapt({ aspect_ratios_selection: '1000×1001' });
  assert.equal(rounded.request.aspect_ratios_selection, '1000×1000');
  assert.match(rounded.warnings[0], /rounded down/);
  assert.throws(
    () => adapt({ aspect_ratios_selection: 'wide' }),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'aspect_ratios_selection',
  );
});

test('substitutes unknown model, LoRA, style and sampler names with warnings, and refuses them under strict', () => {
  const body = {
    base_model_name: 'juggernautXL_version6Rundiffusion.safetensors',
    loras: [
      { enabled: true, model_name: 'missing.safetensors', weight: 0.5 },
      { enabled: true, model_name: 'detail.safetensors', weight: 0.7 },
    ],
    style_selections: ['Fooocus V2', 'No Such Style'],
    sampler_name: 'uni_pc',
  };
  const { request, warnings } = adapt(body);
  assert.equal(request.base_model_name, 'tiny-sdxl-demo');
  assert.deepEqual(request.loras, [{ enabled: true, model_name: 'detail.safetensors', weight: 0.7 }]);
  assert.deepEqual(request.style_selections, ['Fooocus V2']);
  assert.equal(request.sampler_name, 'dpmpp_2m_sde_gpu');
  assert.equal(warnings.length, 4);
  assert.throws(
    () => adapt(body, { ...snapshot, isStrict: true }),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'base_model_name',
  );
});

test('matches a checkpoint sent with a Fooocus .safetensors name', () => {
  assert.equal(adapt({ base_model_name: 'juggernaut-onnx.safetensors' }).request.base_model_name, 'juggernaut-onnx');
});

test('applies a preset below explicit values, maps cfg to guidance_scale, and lists presets for an unknown one', () => {
  const { request } = adapt({ preset: 'anime', style_selections: ['Fooocus Sharp'] });
  assert.equal(request.base_model_name, 'juggernaut-onnx');
  assert.equal(request.guidance_scale, 7);
  assert.deepEqual(request.style_selections, ['Fooocus Sharp']);
  assert.throws(
    () => adapt({ preset: 'nope' }),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'preset' && /anime/.test(e.message),
  );
});

test('classifies image strings: sentinels, URLs, data URIs, base64; refuses other schemes and non-base64', () => {
  for (const sentinel of [null, '', 'None', 'none', 'null', 'string'])
    assert.deepEqual(classifyImage('f', sentinel), { kind: 'none' });
  assert.deepEqual(classifyImage('f', 'https://example.com/a.png'), { kind: 'url', url: 'https://example.com/a.png' });
  assert.deepEqual(classifyImage('f', 'data:image/png;base64,iVBORw0K'), { kind: 'data-uri', data: 'iVBORw0K' });
  assert.deepEqual(classifyImage('f', 'iVBORw0KGgo='), { kind: 'base64', data: 'iVBORw0KGgo=' });
  assert.throws(
    () => classifyImage('uov_input_image', 'ftp://x/y.png'),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'uov_input_image' && /scheme/.test(e.message),
  );
  assert.throws(
    () => classifyImage('uov_input_image', '!!!notbase64'),
    (e: unknown) => e instanceof InvalidFieldError && /base64/.test(e.message),
  );
  assert.throws(() => classifyImage('f', 'data:text/plain;base64,aGk='), InvalidFieldError);
});

test('derives current_tab with the original priority: enhance, image prompt slot 1, uov, inpaint', () => {
  const png = 'iVBORw0KGgo=';
  assert.equal(adapt({ uov_input_image: png, inpaint_input_image: png }).request.current_tab, 'uov');
  assert.equal(adapt({ inpaint_input_image: png }).request.current_tab, 'inpaint');
  assert.equal(adapt({ uov_input_image: png, controlnet_image: [{ cn_img: png }] }).request.current_tab, 'ip');
  assert.equal(adapt({ controlnet_image: [{ cn_img: null }, { cn_img: png }] }).request.current_tab, 'uov');
});

test('lists unknown top-level keys as ignored and refuses enhance', () => {
  assert.deepEqual(adapt({ advanced_params: {}, input_image: 'x' }).ignoredFields, ['advanced_params', 'input_image']);
  assert.throws(
    () => adapt({ enhance_checkbox: true }),
    (e: unknown) => e instanceof InvalidFieldError && e.field === 'enhance_checkbox',
  );
});

const base = 'http://127.0.0.1:8888';
function record(overrides: Partial<TaskRecord> = {}): TaskRecord {
  const request = {
    ...adapt({ prompt: 'cat', image_seed: 9007199254740993n }).request,
    uov_input_image: { kind: 'stored' as const, file: 'abc.png', width: 8, height: 8 },
  };
  return {
    id: 7,
    taskId: '0123456789abcdef0123456789abcdef',
    dialect: 'all-in-one',
    mode: 'Text to Image',
    responseMode: 'async',
    request,
    webhookUrl: '',
    status: 'finished',
    inQueueMills: 1000,
    startMills: 1100,
    finishMills: 1200,
    progress: 100,
    result: [{ file: '2026-01-02/2026-01-02_03-04-05_0000.png', seed: 9007199254740993n }],
    error: null,
    warnings: [],
    attempts: 1,
    ...overrides,
  };
}

test('req_params are stored the FooocusAPI way: flat padded loras, URL images, four controlnet slots, three enhance slots', () => {
  const params = toReqParams(record().request, base);
  assert.deepEqual(params.loras, [
    true,
    'sd_xl_offset_example-lora_1.0.safetensors',
    0.1,
    true,
    'None',
    1,
    true,
    'None',
    1,
    true,
    'None',
    1,
    true,
    'None',
    1,
  ]);
  assert.equal(params.uov_input_image, `${base}/inputs/abc.png`);
  assert.equal(params.inpaint_input_image, '');
  assert.equal((params.controlnet_image as unknown[]).length, 4);
  assert.equal((params.enhance_ctrls as unknown[]).length, 3);
  assert.equal(params.image_seed, 9007199254740993n);
});

test('a finished record becomes the 10-key row plus error and warnings; a failure reads finished with an error', () => {
  const row = toTaskRow(record(), base);
  assert.deepEqual(Object.keys(row), [
    'id',
    'task_id',
    'req_params',
    'in_queue_mills',
    'start_mills',
    'finish_mills',
    'task_status',
    'progress',
    'webhook_url',
    'result',
    'error',
    'warnings',
  ]);
  assert.deepEqual(row.result, [`${base}/outputs/2026-01-02/2026-01-02_03-04-05_0000.png`]);
  const failed = toTaskRow(record({ status: 'failed', result: [], error: 'boom' }), base);
  assert.equal(failed.task_status, 'finished');
  assert.equal(failed.error, 'boom');
  assert.equal(toTaskRow(record({ status: 'cancelled' }), base).task_status, 'stop');
  assert.equal(toTaskRow(record({ status: 'pending' }), base).task_status, null);
});

test('the running task and the async stub have the 11-key record shape', () => {
  const current = toCurrentRecord(
    record({ status: 'running' }),
    { percent: 40, message: 'Sampling step 3/8, image 1/1 ...', preview: 'AAAA' },
    base,
  );
  assert.equal(current.id, -1);
  assert.equal(current.task_status, 'running');
  assert.equal(current.preview, 'AAAA');
  assert.equal(current.finish_mills, -1);
  assert.deepEqual(toPendingStub({ taskId: 'ab', webhookUrl: '' }), {
    id: -1,
    task_id: 'ab',
    req_params: {},
    in_queue_mills: -1,
    start_mills: -1,
    finish_mills: -1,
    task_status: 'pending',
    progress: -1,
    preview: '',
    webhook_url: '',
    result: [],
  });
  assert.equal(
    toPendingStub({ taskId: 'ab', webhookUrl: 'https://hooks.example.com/x' }).webhook_url,
    'https://hooks.example.com/x',
    'the stub says which webhook will be called',
  );
});

test('save_name is a plain file name that fits the file system; path parts and over-long names are a 422', () => {
  assert.equal(adapt({ save_name: 'job1' }).request.save_name, 'job1');
  assert.equal(adapt({ save_name: 'None' }).request.save_name, null);
  // 200 bytes fit (with -{i}, a counter and the extension, under 255); 201 do not, counted in UTF-8 bytes.
  assert.equal(adapt({ save_name: 'é'.repeat(100) }).request.save_name, 'é'.repeat(100));
  for (const bad of [
    '../custom/job1',
    '../../etc/x',
    'a/b/c',
    '/abs',
    '..',
    'a\\b',
    'tab\there',
    'é'.repeat(100) + 'x',
    '猫'.repeat(90),
  ])
    assert.throws(
      () => adapt({ save_name: bad }),
      (e: unknown) => e instanceof InvalidFieldError && e.field === 'save_name',
      bad,
    );
});

test('a LoRA sent without a weight gets the contract default 0.5', () => {
  assert.deepEqual(adapt({ loras: [{ enabled: true, model_name: 'detail.safetensors' }] }).request.loras, [
    { enabled: true, model_name: 'detail.safetensors', weight: 0.5 },
  ]);
});
