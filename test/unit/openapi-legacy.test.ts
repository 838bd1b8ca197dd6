import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { toValidationDocument } from '../../src/openapi/validation-copy.ts';
import multer from 'multer';
import {
  parseFormBoolean,
  parseFormFloat,
  parseFormInt,
  parseFormIntegerText,
} from '../../adapters/legacy/form-values.ts';
import { buildBodySchemaIndex, jsonBody } from '../../src/http/json-body.ts';
import { loadApiDocument as loadDocument, loadSpecFile as loadSpec } from '../../src/openapi/openapi-document.ts';

const OPENAPI_DIR = fileURLToPath(new URL('../../openapi', import.meta.url));
const DEFAULTS = { defaultModel: 'tiny-sdxl-demo' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk the untyped document freely
type Json = Record<string, any>;
interface ValidatorReply {
  status: number;
  body: { paths?: string[]; echo?: Json; message?: string };
}

const loadApiDocument = (defaults = DEFAULTS): Promise<Json> => loadDocument(OPENAPI_DIR, defaults);
const loadSpecFile = (name: string): Promise<Json> => loadSpec(OPENAPI_DIR, name, DEFAULTS);
const loadLegacySpec = (): Promise<Json> => loadSpecFile('legacy');

/** The legacy operations the route code is written against: operationId → `method path`. */
const LEGACY_OPERATIONS: Record<string, string> = {
  legacyTextToImage: 'post /v1/generation/text-to-image',
  legacyImageUpscaleVary: 'post /v1/generation/image-upscale-vary',
  legacyImageInpaintOutpaint: 'post /v1/generation/image-inpaint-outpaint',
  legacyImagePrompt: 'post /v1/generation/image-prompt',
  legacyImageEnhance: 'post /v1/generation/image-enhance',
  legacyV2TextToImageWithIp: 'post /v2/generation/text-to-image-with-ip',
  legacyV2ImageUpscaleVary: 'post /v2/generation/image-upscale-vary',
  legacyV2ImageInpaintOutpaint: 'post /v2/generation/image-inpaint-outpaint',
  legacyV2ImagePrompt: 'post /v2/generation/image-prompt',
  legacyV2ImageEnhance: 'post /v2/generation/image-enhance',
  legacyStop: 'post /v1/generation/stop',
  legacyQueryJob: 'get /v1/generation/query-job',
  legacyJobQueue: 'get /v1/generation/job-queue',
  legacyJobQueueEngines: 'get /v1/engines/job-queue',
  legacyJobHistory: 'get /v1/generation/job-history',
  legacyRefreshModels: 'post /v1/engines/refresh-models',
  legacyCleanVram: 'get /v1/engines/clean_vram',
  legacyPing: 'get /ping',
  getLegacyFile: 'get /files/{date}/{file}',
};
/** Defined in all-in-one.yaml and repeated, identically, in legacy.yaml. */
const SHARED_OPERATIONS: Record<string, string> = {
  describeImage: 'post /v1/tools/describe-image',
  generateMask: 'post /v1/tools/generate_mask',
  allModels: 'get /v1/engines/all-models',
  allStyles: 'get /v1/engines/styles',
};

const JSON_BODIES = [
  'LegacyV2TextToImageWithIpRequest',
  'LegacyV2UpscaleVaryRequest',
  'LegacyV2InpaintOutpaintRequest',
  'LegacyV2ImagePromptRequest',
  'LegacyV2ImageEnhanceRequest',
];
const FORM_BODIES = ['LegacyV1InpaintOutpaintForm', 'LegacyV1ImagePromptForm', 'LegacyV1ImageEnhanceForm'];

function operations(doc: Json): Array<{ route: string; operation: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      route: `${method} ${path}`,
      operation: operation as Json,
    })),
  );
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((item) => collectRefs(item, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

function propertyOf(schemas: Json, name: string, field: string): unknown {
  return schemas[name].properties[field];
}

describe('legacy.yaml bundling', () => {
  it('bundles together with all-in-one.yaml into one document', async () => {
    const doc = await loadApiDocument();
    assert.ok(doc.paths['/v1/engine/generate/'], 'all-in-one paths are kept');
    assert.ok(doc.paths['/v1/generation/text-to-image'], 'legacy paths are added');
    assert.ok(doc.components.schemas.CommonRequest && doc.components.schemas.LegacyText2ImgRequest);
  });

  it('bundles on its own with no file reference left and every reference resolving', async () => {
    const spec = await loadLegacySpec();
    const refs = collectRefs(spec);
    assert.ok(refs.length > 50);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/[A-Za-z]+\/[A-Za-z0-9_.-]+$/);
      const [, , kind, name] = ref.split('/');
      assert.ok(spec.components[kind]?.[name], `${ref} resolves`);
    }
    assert.equal(JSON.stringify(spec).includes('x-server-default'), false);
  });

  it('defines each legacy operationId once, on its method and path', async () => {
    const ops = operations(await loadApiDocument());
    for (const [id, route] of Object.entries({ ...LEGACY_OPERATIONS, ...SHARED_OPERATIONS })) {
      const found = ops.filter((op) => op.operation.operationId === id).map((op) => op.route);
      assert.deepEqual(found, [route], id);
    }
  });

  it('lists the routes shared with the all-in-one dialect, identical to its definitions', async () => {
    const legacy = await loadLegacySpec();
    const allInOne = await loadSpecFile('all-in-one');
    for (const route of Object.values(SHARED_OPERATIONS)) {
      const path = route.split(' ')[1];
      assert.deepEqual(legacy.paths[path], allInOne.paths[path], path);
    }
    const ids = operations(legacy)
      .map((op) => op.operation.operationId)
      .sort();
    assert.deepEqual(ids, Object.keys({ ...LEGACY_OPERATIONS, ...SHARED_OPERATIONS }).sort());
  });

  it('marks generation and job routes as key-protected, /files as optional and /ping as public', async () => {
    const legacy = await loadLegacySpec();
    for (const { route, operation } of operations(legacy)) {
      if (route === 'get /ping') assert.deepEqual(operation.security, [], route);
      else if (route === 'get /files/{date}/{file}')
        assert.deepEqual(operation.security, [{}, { APIKeyHeader: [] }], route);
      else assert.deepEqual(operation.security, [{ APIKeyHeader: [] }, {}], route);
    }
  });

  it('repeats every common text-to-image field unchanged in each v2 body, and each common form field in each form', async () => {
    const schemas = (await loadApiDocument()).components.schemas as Json;
    const common = schemas.LegacyText2ImgRequest.properties as Json;
    assert.equal(Object.keys(common).length, 22);
    for (const name of JSON_BODIES) {
      for (const [field, schema] of Object.entries(common))
        assert.deepEqual(propertyOf(schemas, name, field), schema, `${name}.${field}`);
    }
    const formCommon = Object.fromEntries(
      Object.keys(common).map((field) => [field, schemas.LegacyV1UpscaleVaryForm.properties[field]]),
    );
    assert.ok(Object.values(formCommon).every((schema) => schema !== undefined));
    for (const name of FORM_BODIES) {
      for (const [field, schema] of Object.entries(formCommon))
        assert.deepEqual(propertyOf(schemas, name, field), schema, `${name}.${field}`);
    }
  });

  it('fills the server default model into the legacy JSON bodies', async () => {
    const schemas = (await loadApiDocument({ defaultModel: 'my-model' })).components.schemas as Json;
    for (const name of ['LegacyText2ImgRequest', ...JSON_BODIES])
      assert.equal(schemas[name].properties.base_model_name.default, 'my-model', name);
  });

  it('keeps the legacy LoRA `enabled` optional (defaulting to true), unlike the all-in-one Lora', async () => {
    const schemas = (await loadApiDocument()).components.schemas as Json;
    assert.deepEqual(schemas.LegacyLora.required, ['model_name']);
    assert.equal(schemas.LegacyLora.properties.enabled.default, true);
    assert.deepEqual(schemas.Lora.required, ['enabled', 'model_name']);
  });
});

/** The text patterns of legacy-forms.yaml must accept exactly what the form parsers accept. */
describe('legacy form text patterns', () => {
  const accepts = (parse: (field: string, text: string) => unknown, text: string): boolean => {
    try {
      parse('f', text);
      return true;
    } catch {
      return false;
    }
  };
  const SAMPLES = [
    '',
    ' ',
    'True',
    'false',
    'FALSE',
    'yes',
    'No',
    'on',
    'OFF',
    't',
    'F',
    'y',
    'n',
    '1',
    '0',
    '2',
    'maybe',
    'tru',
    ' true ',
    '3',
    '-3',
    '+3',
    '3.0',
    '3.',
    '3.5',
    '.5',
    '1e3',
    '1E-2',
    '-1',
    '9223372036854775807',
    '12a',
    'abc',
    '1,2',
    '0x10',
    '- 1',
  ];

  for (const [schema, parse] of [
    ['LegacyBooleanText', parseFormBoolean],
    ['LegacyIntegerText', parseFormInt],
    ['LegacyNumberText', parseFormFloat],
    ['LegacySeedText', parseFormIntegerText],
  ] as const) {
    it(`${schema} matches the same samples ${parse.name} accepts`, async () => {
      const pattern = new RegExp((await loadApiDocument()).components.schemas[schema].pattern, 'u');
      for (const text of SAMPLES) assert.equal(pattern.test(text), accepts(parse, text), `'${text}'`);
    });
  }
});

describe('legacy routes under express-openapi-validator', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const doc = await loadApiDocument();
    const app = express();
    // As src/http/app.ts: the JSON normalising step, then our one multer (file parts become ''
    // placeholders so `required` holds), then one validator that uploads nothing itself.
    app.use(jsonBody(buildBodySchemaIndex(doc)));
    app.use(multer({ storage: multer.memoryStorage() }).any(), (req: Request, _res: Response, next: NextFunction) => {
      for (const file of (req.files as Express.Multer.File[] | undefined) ?? [])
        (req.body as Json)[file.fieldname] = '';
      next();
    });
    app.use(
      OpenApiValidator.middleware({
        apiSpec: toValidationDocument(doc) as never,
        validateRequests: { allowUnknownQueryParameters: true, allErrors: true },
        validateResponses: false,
        validateSecurity: false,
        ignoreUndocumented: true,
        fileUploader: false,
      }),
    );
    const echo = (req: Request, res: Response): void => {
      res.json({ echo: { body: req.body ?? null, query: req.query } });
    };
    app.post(/^\/v[12]\/generation\/.*/, echo);
    app.get('/v1/generation/query-job', echo);
    app.get('/v1/generation/job-history', echo);
    // Reports the validator's error paths so each test can assert which field was named.
    app.use(
      (
        err: { status?: number; errors?: Array<{ path: string }>; message?: string },
        _req: Request,
        res: Response,
        _next: NextFunction,
      ) => {
        res.status(err.status ?? 500).json({ paths: (err.errors ?? []).map((e) => e.path), message: err.message });
      },
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((ready) => server.once('listening', ready));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((done) => server.close(() => done())));

  async function send(path: string, init: RequestInit): Promise<ValidatorReply> {
    const res = await fetch(base + path, init);
    const body = (await res.json()) as ValidatorReply['body'];
    // allErrors reports a failed anyOf once per branch; the app's translation merges them too.
    if (body.paths) body.paths = [...new Set(body.paths)];
    return { status: res.status, body };
  }
  const postJson = (path: string, body: unknown): Promise<ValidatorReply> =>
    send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const postForm = (path: string, form: FormData): Promise<ValidatorReply> =>
    send(path, { method: 'POST', body: form });
  const get = (path: string): Promise<ValidatorReply> => send(path, { method: 'GET' });

  const PNG = new Blob([Buffer.from('89504e470d0a1a0a', 'hex')], { type: 'image/png' });
  const BASE64_PNG = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');

  it("accepts the docs' v1 text-to-image example", async () => {
    const reply = await postJson('/v1/generation/text-to-image', {
      prompt: '1girl sitting on the ground',
      async_process: true,
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.echo?.body.prompt, '1girl sitting on the ground');
  });

  it('accepts an empty accept query value (the header then decides)', async () => {
    assert.equal((await postJson('/v1/generation/text-to-image?accept=', {})).status, 200);
    assert.equal((await postJson('/v1/generation/text-to-image?accept=image/png', {})).status, 200);
  });

  it('accepts a v2 text-to-image-with-ip body with a base64 image prompt', async () => {
    const reply = await postJson('/v2/generation/text-to-image-with-ip', {
      prompt: 'A bear',
      image_prompts: [{ cn_img: BASE64_PNG, cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' }, { cn_img: null }],
    });
    assert.equal(reply.status, 200);
  });

  it('rejects image_number 40 naming /body/image_number', async () => {
    const reply = await postJson('/v1/generation/text-to-image', { image_number: 40 });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/image_number']);
  });

  it('rejects performance_selection "Fast" on the JSON route naming /body/performance_selection', async () => {
    const reply = await postJson('/v1/generation/text-to-image', { performance_selection: 'Fast' });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/performance_selection']);
    assert.equal((await postJson('/v1/generation/text-to-image', { performance_selection: 'Hyper-SD' })).status, 200);
  });

  it('accepts Python-style strings for numbers and booleans in JSON bodies, nested ones included', async () => {
    const reply = await postJson('/v2/generation/image-upscale-vary', {
      input_image: BASE64_PNG,
      uov_method: 'Upscale (Custom)',
      upscale_value: '1.5',
      async_process: 'True',
      image_number: '2',
      advanced_params: { adaptive_cfg: '5', disable_seed_increment: 'false' },
    });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.echo?.body.async_process, true);
    assert.equal(reply.body.echo?.body.image_number, 2);
    assert.equal(reply.body.echo?.body.advanced_params.adaptive_cfg, 5);
    assert.equal(reply.body.echo?.body.advanced_params.disable_seed_increment, false);
  });

  it('accepts a LoRA without `enabled` and refuses a weight outside -2..2', async () => {
    assert.equal(
      (await postJson('/v1/generation/text-to-image', { loras: [{ model_name: 'x.safetensors', weight: 0.5 }] }))
        .status,
      200,
    );
    const bad = await postJson('/v1/generation/text-to-image', { loras: [{ model_name: 'x', weight: 2.5 }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.paths, ['/body/loras/0/weight']);
  });

  it('accepts exact int64 seeds as digit strings and refuses other text', async () => {
    assert.equal((await postJson('/v1/generation/text-to-image', { image_seed: '9223372036854775807' })).status, 200);
    const bad = await postJson('/v1/generation/text-to-image', { image_seed: 'random' });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.paths, ['/body/image_seed']);
  });

  it('accepts the a111 spelling of meta_scheme and refuses save_extension gif', async () => {
    assert.equal(
      (await postJson('/v1/generation/text-to-image', { meta_scheme: 'a111', save_extension: 'jpg' })).status,
      200,
    );
    const bad = await postJson('/v1/generation/text-to-image', { save_extension: 'gif' });
    assert.deepEqual(bad.body.paths, ['/body/save_extension']);
  });

  it('requires image_prompts on the v2 image-prompt route and input_image on v2 upscale-vary', async () => {
    const prompt = await postJson('/v2/generation/image-prompt', { prompt: 'x' });
    assert.deepEqual(prompt.body.paths, ['/body/image_prompts']);
    assert.equal((await postJson('/v2/generation/image-prompt', { image_prompts: [] })).status, 200);
    const uov = await postJson('/v2/generation/image-upscale-vary', { uov_method: 'Upscale (2x)' });
    assert.deepEqual(uov.body.paths, ['/body/input_image']);
  });

  it('refuses an unknown outpaint direction in a v2 body naming the item', async () => {
    const reply = await postJson('/v2/generation/image-inpaint-outpaint', {
      input_image: BASE64_PNG,
      outpaint_selections: ['Left', 'Up'],
    });
    assert.deepEqual(reply.body.paths, ['/body/outpaint_selections/1']);
  });

  it('accepts a multipart image-upscale-vary with a file and uov_method "Vary (Strong)"', async () => {
    const form = new FormData();
    form.append('input_image', PNG, 'bear.png');
    form.append('uov_method', 'Vary (Strong)');
    form.append('async_process', 'True');
    form.append('image_number', '');
    const reply = await postForm('/v1/generation/image-upscale-vary', form);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.echo?.body.uov_method, 'Vary (Strong)');
  });

  it('refuses a multipart image-upscale-vary without input_image naming /body/input_image', async () => {
    const form = new FormData();
    form.append('uov_method', 'Vary (Strong)');
    const reply = await postForm('/v1/generation/image-upscale-vary', form);
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/input_image']);
  });

  it('accepts a multipart inpaint-outpaint with outpaint_selections "Left,Right" and loras as a JSON string', async () => {
    const form = new FormData();
    form.append('input_image', PNG, 'src.png');
    form.append('input_mask', PNG, 'mask.png');
    form.append('prompt', 'a cat');
    form.append('outpaint_selections', 'Left,Right');
    form.append('style_selections', 'Fooocus V2,Fooocus Enhance');
    form.append(
      'loras',
      JSON.stringify([{ enabled: true, model_name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1 }]),
    );
    form.append('advanced_params', '{"inpaint_strength": 0.8}');
    form.append('outpaint_distance_left', '64');
    form.append('save_meta', 'false');
    const reply = await postForm('/v1/generation/image-inpaint-outpaint', form);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.echo?.body.loras, form.get('loras'));
  });

  it('accepts repeated outpaint_selections fields, as Python requests sends a list', async () => {
    const form = new FormData();
    form.append('input_image', PNG, 'src.png');
    form.append('outpaint_selections', 'Left');
    form.append('outpaint_selections', 'Right');
    assert.equal((await postForm('/v1/generation/image-prompt', form)).status, 200);
  });

  it('refuses multipart text that is not a value of the field type, naming the field', async () => {
    const form = new FormData();
    form.append('cn_img1', PNG, 'a.png');
    form.append('cn_weight1', 'heavy');
    form.append('async_process', 'maybe');
    const reply = await postForm('/v1/generation/image-prompt', form);
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths?.sort(), ['/body/async_process', '/body/cn_weight1']);
  });

  it('requires job_id on query-job naming /query/job_id', async () => {
    const reply = await get('/v1/generation/query-job');
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/query/job_id']);
  });

  it('accepts both spellings of the step-preview flag with Python boolean text', async () => {
    assert.equal((await get('/v1/generation/query-job?job_id=abc&require_step_preview=False')).status, 200);
    assert.equal((await get('/v1/generation/query-job?job_id=abc&require_step_preivew=true')).status, 200);
    const bad = await get('/v1/generation/query-job?job_id=abc&require_step_preview=perhaps');
    assert.deepEqual(bad.body.paths, ['/query/require_step_preview']);
  });

  it('refuses page_size 0 and a negative page on job-history', async () => {
    assert.deepEqual((await get('/v1/generation/job-history?page_size=0')).body.paths, ['/query/page_size']);
    assert.deepEqual((await get('/v1/generation/job-history?page=-1')).body.paths, ['/query/page']);
    assert.equal((await get('/v1/generation/job-history?page=1&page_size=5&delete=False')).status, 200);
  });
});
