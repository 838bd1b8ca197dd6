import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { parse as parseYaml } from 'yaml';
import { COMMON_REQUEST_DEFAULTS } from '../../adapters/common-request.ts';
import { loadApiDocument as loadDocument, loadSpecFile as loadSpec } from '../../src/openapi/openapi-document.ts';
import type { ServerDefaults } from '../../src/openapi/openapi-document.ts';

const OPENAPI_DIR = fileURLToPath(new URL('../../openapi', import.meta.url));
const DEFAULTS = { defaultModel: 'tiny-sdxl-demo' };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests walk the untyped document freely
type Json = Record<string, any>;
interface ValidatorReply {
  status: number;
  body: { paths?: string[]; echo?: Json; message?: string };
}

/** The all-in-one routes of fooocusapi-new.md §3 plus ours (DECISIONS §3), as method + path. */
const ROUTES = [
  'get /',
  'post /v1/engine/generate/',
  'post /v1/engine/generate',
  'post /v1/engine/control',
  'post /v1/engine/control/',
  'post /v1/tools/generate_mask',
  'post /v1/tools/describe-image',
  'get /tasks',
  'get /tasks/{task_id}',
  'post /tasks/{task_id}/cancel',
  'get /tasks/{task_id}/events',
  'get /outputs/{date}/{file}',
  'get /inputs/{file}',
  'get /v1/engines/all-models',
  'get /v1/engines/styles',
  'get /health',
];

const loadApiDocument = (dir: string, defaults: ServerDefaults): Promise<Json> => loadDocument(dir, defaults);
const loadSpecFile = (dir: string, name: string, defaults: ServerDefaults): Promise<Json> =>
  loadSpec(dir, name, defaults);

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

function operations(doc: Json): Array<{ route: string; operation: Json }> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, operation]) => ({
      route: `${method} ${path}`,
      operation: operation as Json,
    })),
  );
}

describe('bundled OpenAPI document under express-openapi-validator', () => {
  let server: Server;
  let base: string;

  before(async () => {
    const doc = await loadApiDocument(OPENAPI_DIR, DEFAULTS);
    const app = express();
    app.use(express.json());
    app.use(
      OpenApiValidator.middleware({
        apiSpec: doc as never,
        validateRequests: true,
        validateResponses: false,
        ignoreUndocumented: true,
      }),
    );
    const echo = (req: Request, res: Response): void => {
      res.json({ echo: req.body ?? null });
    };
    app.post(['/v1/engine/generate/', '/v1/engine/generate', '/v1/engine/control', '/v1/tools/describe-image'], echo);
    app.get('/tasks', echo);
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

  async function post(path: string, body: unknown): Promise<ValidatorReply> {
    const res = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as ValidatorReply['body'] };
  }

  async function generate(body: Json): Promise<ValidatorReply> {
    return post('/v1/engine/generate/', body);
  }

  it('accepts an empty generate body and fills the defaults, base model included', async () => {
    const reply = await generate({});
    assert.equal(reply.status, 200);
    assert.equal(reply.body.echo?.base_model_name, 'tiny-sdxl-demo');
    assert.equal(reply.body.echo?.aspect_ratios_selection, '1152*896');
    assert.deepEqual(reply.body.echo?.loras, []);
  });

  it('rejects a non-string prompt naming /body/prompt', async () => {
    const reply = await generate({ prompt: 123 });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/prompt']);
  });

  it('rejects image_number above 32 naming /body/image_number', async () => {
    const reply = await generate({ image_number: 40 });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/image_number']);
  });

  it('rejects an unknown performance_selection', async () => {
    const reply = await generate({ performance_selection: 'Turbo' });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/performance_selection']);
  });

  it('rejects an output_format outside png/jpeg/jpg/webp and accepts jpg', async () => {
    assert.equal((await generate({ output_format: 'gif' })).status, 400);
    assert.equal((await generate({ output_format: 'jpg' })).status, 200);
  });

  it('accepts null image fields and a null webhook_url', async () => {
    const reply = await generate({
      uov_input_image: null,
      inpaint_input_image: null,
      webhook_url: null,
      controlnet_image: [{ cn_img: null, cn_stop: null }],
    });
    assert.equal(reply.status, 200);
    // The 3.1 type arrays are enforced, not ignored.
    const wrongType = await generate({ uov_input_image: 5 });
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.body.paths, ['/body/uov_input_image']);
  });

  it('rejects a null save_name', async () => {
    const reply = await generate({ save_name: null });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/save_name']);
  });

  it('rejects a LoRA without model_name and fills a missing weight with 0.5', async () => {
    const bad = await generate({ loras: [{ enabled: true, weight: 1 }] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.paths, ['/body/loras/0/model_name']);
    const good = await generate({ loras: [{ enabled: true, model_name: 'x' }] });
    assert.equal(good.status, 200);
    assert.deepEqual(good.body.echo?.loras, [{ enabled: true, model_name: 'x', weight: 0.5 }]);
  });

  it('rejects a LoRA weight outside -2..2', async () => {
    assert.equal((await generate({ loras: [{ enabled: true, model_name: 'x', weight: 2.5 }] })).status, 400);
  });

  it('lets unknown keys through unchanged', async () => {
    const reply = await generate({ advanced_params: { a: 1 }, input_image: 'x' });
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.echo?.advanced_params, { a: 1 });
  });

  it('accepts image_seed as an integer or an exact int64 digit string, and nothing else', async () => {
    assert.equal((await generate({ image_seed: '9223372036854775807' })).status, 200);
    assert.equal((await generate({ image_seed: '-1' })).status, 200);
    assert.equal((await generate({ image_seed: 42 })).status, 200);
    assert.equal((await generate({ image_seed: '12a' })).status, 400);
    assert.equal((await generate({ image_seed: 1.5 })).status, 400);
  });

  it('refuses more than three enhance_ctrls', async () => {
    const reply = await generate({ enhance_ctrls: [{}, {}, {}, {}] });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/enhance_ctrls']);
  });

  it('validates the generate path spelled without the trailing slash too', async () => {
    const reply = await post('/v1/engine/generate', { prompt: 1 });
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.body.paths, ['/body/prompt']);
  });

  it('does not answer 401 itself when X-API-KEY is missing (the server checks the key)', async () => {
    assert.equal((await generate({ prompt: 'a cat' })).status, 200);
  });

  it('requires the control action but leaves its value to the server', async () => {
    const missing = await post('/v1/engine/control', undefined);
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.paths, ['/query/action']);
    assert.equal((await post('/v1/engine/control?action=bogus', undefined)).status, 200);
  });

  it('rejects page_size 0 and a negative page on /tasks', async () => {
    const zero = await fetch(`${base}/tasks?page_size=0`);
    assert.equal(zero.status, 400);
    assert.deepEqual(((await zero.json()) as ValidatorReply['body']).paths, ['/query/page_size']);
    assert.equal((await fetch(`${base}/tasks?page=-1`)).status, 400);
    assert.equal((await fetch(`${base}/tasks?page=2&page_size=5&query=history`)).status, 200);
  });

  it('takes describe-image as JSON and as a multipart upload', async () => {
    assert.equal((await post('/v1/tools/describe-image', { image: 'aGVsbG8=', image_type: 'Anime' })).status, 200);
    const missing = await post('/v1/tools/describe-image', { image_type: 'Anime' });
    assert.deepEqual(missing.body.paths, ['/body/image']);
    const form = new FormData();
    form.append('image', new Blob([Buffer.from('89504e47', 'hex')], { type: 'image/png' }), 'x.png');
    const upload = await fetch(`${base}/v1/tools/describe-image?image_type=Photo`, { method: 'POST', body: form });
    assert.equal(upload.status, 200);
    const badType = await fetch(`${base}/v1/tools/describe-image?image_type=Cartoon`, { method: 'POST', body: form });
    assert.equal(badType.status, 400);
  });
});

describe('loadApiDocument', () => {
  it('serves every all-in-one route of the contract with a unique operationId', async () => {
    const doc = await loadApiDocument(OPENAPI_DIR, DEFAULTS);
    const ops = operations(doc);
    assert.deepEqual(
      ROUTES.filter((route) => !ops.some((op) => op.route === route)),
      [],
    );
    const ids = ops.map((op) => op.operation.operationId);
    assert.ok(ids.every((id) => typeof id === 'string'));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('leaves no file reference and every internal reference resolves', async () => {
    const doc = await loadApiDocument(OPENAPI_DIR, DEFAULTS);
    const refs = collectRefs(doc);
    assert.ok(refs.length > 20);
    for (const ref of refs) {
      assert.match(ref, /^#\/components\/[A-Za-z]+\/[A-Za-z0-9_.-]+$/);
      const [, , kind, name] = ref.split('/');
      assert.ok(doc.components[kind]?.[name], `${ref} resolves`);
    }
    assert.equal(JSON.stringify(doc).includes('x-server-default'), false);
  });

  it('documents the four generate reply modes and the error shapes', async () => {
    const doc = await loadApiDocument(OPENAPI_DIR, DEFAULTS);
    const responses = doc.paths['/v1/engine/generate/'].post.responses;
    assert.deepEqual(Object.keys(responses['200'].content).sort(), [
      'application/json',
      'image/jpeg',
      'image/png',
      'image/webp',
      'text/event-stream',
    ]);
    assert.deepEqual(Object.keys(responses).sort(), ['200', '403', '422', '500', '501', '503']);
    assert.deepEqual(doc.components.schemas.ValidationError.required, ['type', 'loc', 'msg']);
    assert.ok(doc.components.schemas.StreamEvent);
    assert.equal(Object.keys(doc.components.schemas.RecordResponse.properties).length, 11);
    assert.deepEqual(doc.components.schemas.TaskRow.required.length, 10);
  });

  it('documents the optional X-API-KEY on protected routes only', async () => {
    // The all-in-one spec on its own: the merged document also holds the legacy routes.
    const doc = await loadSpecFile(OPENAPI_DIR, 'all-in-one', DEFAULTS);
    const keyed = operations(doc).filter((op) => (op.operation.security ?? []).some((s: Json) => 'APIKeyHeader' in s));
    const protectedRoutes = ROUTES.filter((route) => !['get /', 'get /health'].includes(route));
    assert.deepEqual(keyed.map((op) => op.route).sort(), protectedRoutes.sort());
    assert.deepEqual(doc.components.securitySchemes.APIKeyHeader, {
      type: 'apiKey',
      in: 'header',
      name: 'X-API-KEY',
      description: doc.components.securitySchemes.APIKeyHeader.description,
    });
  });

  it('carries the same CommonRequest defaults as adapters/common-request.ts', async () => {
    const doc = await loadApiDocument(OPENAPI_DIR, { defaultModel: 'my-model' });
    const properties = doc.components.schemas.CommonRequest.properties as Json;
    // Wire forms of the canonical values: images travel as strings, the size with '*', the seed as -1.
    const expected: Json = {
      ...COMMON_REQUEST_DEFAULTS,
      aspect_ratios_selection: '1152*896',
      image_seed: -1,
      base_model_name: 'my-model',
      uov_input_image: 'None',
      inpaint_input_image: 'None',
      inpaint_mask_image_upload: 'None',
      enhance_input_image: 'None',
    };
    delete expected.save_name;
    assert.deepEqual(Object.keys(properties).sort(), Object.keys(COMMON_REQUEST_DEFAULTS).sort());
    assert.equal('default' in properties.save_name, false);
    const actual = Object.fromEntries(
      Object.entries(properties)
        .filter(([, p]) => 'default' in p)
        .map(([k, p]) => [k, p.default]),
    );
    assert.deepEqual(actual, expected);
  });

  it('merges a second spec, allowing an identical shared path', async () => {
    const dir = await copyOpenapi();
    try {
      const allInOne = parseYaml(await readFile(join(dir, 'all-in-one.yaml'), 'utf8'));
      await writeFile(
        join(dir, 'legacy.yaml'),
        legacySpec({ '/v1/engines/styles': allInOne.paths['/v1/engines/styles'] }),
      );
      const doc = await loadApiDocument(dir, DEFAULTS);
      assert.equal(doc.paths['/ping'].get.operationId, 'ping');
      assert.ok(doc.paths['/v1/engine/generate/']);
      assert.ok(doc.components.schemas.PingResponse);
      assert.ok(doc.components.schemas.CommonRequest);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a path that two specs define differently', async () => {
    const dir = await copyOpenapi();
    try {
      await writeFile(
        join(dir, 'legacy.yaml'),
        legacySpec({
          '/v1/engines/styles': { get: { operationId: 'stylesAgain', responses: { '200': { description: 'x' } } } },
        }),
      );
      await assert.rejects(loadApiDocument(dir, DEFAULTS), /path \/v1\/engines\/styles is defined differently/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a component name that two places define differently', async () => {
    const dir = await copyOpenapi();
    try {
      await writeFile(join(dir, 'legacy.yaml'), legacySpec({}, { Lora: { type: 'string' } }));
      await assert.rejects(loadApiDocument(dir, DEFAULTS), /component schemas\/Lora/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a reference to a missing component', async () => {
    const dir = await copyOpenapi();
    try {
      const broken = { '/x': { get: { responses: { '200': { $ref: './components/errors.yaml#/responses/Nope' } } } } };
      await writeFile(join(dir, 'legacy.yaml'), legacySpec(broken));
      await assert.rejects(loadApiDocument(dir, DEFAULTS), /points at nothing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadSpecFile', () => {
  it('bundles one spec on its own with the server defaults', async () => {
    const doc = await loadSpecFile(OPENAPI_DIR, 'all-in-one', { defaultModel: 'abc' });
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.components.schemas.CommonRequest.properties.base_model_name.default, 'abc');
    assert.equal(
      collectRefs(doc).every((ref) => ref.startsWith('#/components/')),
      true,
    );
  });

  it('rejects a spec name that could leave the folder', async () => {
    await assert.rejects(loadSpecFile(OPENAPI_DIR, '../package', DEFAULTS), /invalid spec name/);
  });
});

async function copyOpenapi(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'openapi-doc-'));
  await cp(OPENAPI_DIR, dir, { recursive: true });
  return dir;
}

function legacySpec(extraPaths: Json, extraSchemas: Json = {}): string {
  return JSON.stringify({
    openapi: '3.1.0',
    info: { title: 'legacy', version: '0' },
    paths: {
      '/ping': {
        get: {
          operationId: 'ping',
          responses: {
            '200': {
              description: 'pong',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/PingResponse' } } },
            },
          },
        },
      },
      ...extraPaths,
    },
    components: {
      schemas: {
        PingResponse: { type: 'string' },
        // Inline refs of a spec to shared models must bundle to the same component.
        LoraList: { type: 'array', items: { $ref: './components/common-request.yaml#/schemas/Lora' } },
        ...extraSchemas,
      },
    },
  });
}
