import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseJson } from '../../src/json/big-json.ts';
import { postJson, rawRequest, SMALL, taskCount } from '../fixtures/api-client.ts';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { startTestServer, TEST_MODEL, writeFakeCheckpoint, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

interface ErrorItem {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

/** Posts, expects a 422 in the pydantic shape, and checks no task row was written. */
async function expect422(body: string, headers: Record<string, string> = {}): Promise<ErrorItem[]> {
  const before = await taskCount(server);
  const jobs = server.engine.jobs.length;
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  assert.equal(res.status, 422, text);
  assert.match(String(res.headers.get('content-type')), /^application\/json/);
  const reply = JSON.parse(text) as { detail: ErrorItem[] };
  assert.deepEqual(Object.keys(reply), ['detail']);
  assert.ok(Array.isArray(reply.detail) && reply.detail.length > 0);
  for (const item of reply.detail) {
    for (const key of ['type', 'loc', 'msg', 'input'])
      assert.ok(key in item, `item lacks ${key}: ${JSON.stringify(item)}`);
    assert.equal(typeof item.type, 'string');
    assert.equal(typeof item.msg, 'string');
    assert.ok(Array.isArray(item.loc));
  }
  assert.equal(await taskCount(server), before, 'a refused request created no task row');
  assert.equal(server.engine.jobs.length, jobs, 'a refused request never reached the engine');
  return reply.detail;
}

const send = (body: Record<string, unknown>) => expect422(JSON.stringify({ ...SMALL, ...body }));
const item = (detail: ErrorItem[], loc: (string | number)[]) => {
  const found = detail.find((d) => JSON.stringify(d.loc) === JSON.stringify(loc));
  assert.ok(found, `no error at ${JSON.stringify(loc)} in ${JSON.stringify(detail)}`);
  return found;
};

describe('field validation answers 422 naming the field, and creates no task', () => {
  test('wrong type: "image_number": "abc"', async () => {
    const e = item(await send({ image_number: 'abc' }), ['body', 'image_number']);
    assert.equal(e.type, 'int_parsing');
    assert.equal(e.input, 'abc');
  });

  test('out of range: image_number 40 (1..32)', async () => {
    const e = item(await send({ image_number: 40 }), ['body', 'image_number']);
    assert.equal(e.type, 'less_than_equal');
    assert.equal(e.input, 40);
  });

  test('out of range: guidance_scale 50 (1..30)', async () => {
    const e = item(await send({ guidance_scale: 50 }), ['body', 'guidance_scale']);
    assert.equal(e.type, 'less_than_equal');
    assert.equal(e.input, 50);
  });

  test('bad enum: performance_selection "Fast"', async () => {
    const e = item(await send({ performance_selection: 'Fast' }), ['body', 'performance_selection']);
    assert.equal(e.type, 'enum');
    assert.equal(e.input, 'Fast');
  });

  test('strict string given a number: "prompt": 123', async () => {
    const e = item(await send({ prompt: 123 }), ['body', 'prompt']);
    assert.equal(e.type, 'string_type');
    assert.equal(e.input, 123);
  });

  test('save_name: null is refused (typed str)', async () => {
    item(await send({ save_name: null }), ['body', 'save_name']);
  });

  test('a Lora without model_name', async () => {
    const e = item(await send({ loras: [{ enabled: true, weight: 0.5 }] }), ['body', 'loras', 0, 'model_name']);
    assert.equal(e.type, 'missing');
  });

  test('several errors are all reported at once', async () => {
    const detail = await send({ image_number: 0, sharpness: 99 });
    item(detail, ['body', 'image_number']);
    item(detail, ['body', 'sharpness']);
  });
});

describe('body-level errors', () => {
  test('malformed JSON ({bad) → json_invalid at [body, position]', async () => {
    const detail = await expect422('{bad');
    assert.equal(detail.length, 1);
    assert.equal(detail[0].type, 'json_invalid');
    assert.equal(detail[0].loc[0], 'body');
    assert.equal(typeof detail[0].loc[1], 'number');
  });

  test('an empty body → missing at [body]', async () => {
    const detail = await expect422('');
    assert.deepEqual(
      detail.map((d) => [d.type, d.loc]),
      [['missing', ['body']]],
    );
  });

  test('a JSON body that is not an object (an array) is refused', async () => {
    await expect422('[1, 2]');
  });
});

describe('image fields are checked before anything is queued', () => {
  test('bad base64: uov_input_image "!!!notbase64"', async () => {
    const e = item(await send({ uov_input_image: '!!!notbase64' }), ['body', 'uov_input_image']);
    assert.match(e.msg, /base64/);
  });

  test('unsupported URL scheme: uov_input_image "ftp://x/y.png"', async () => {
    const e = item(await send({ uov_input_image: 'ftp://x/y.png' }), ['body', 'uov_input_image']);
    assert.match(e.msg, /ftp/);
  });

  test('base64 text that is not an image', async () => {
    item(await send({ uov_input_image: Buffer.from('this is plain text, not an image at all').toString('base64') }), [
      'body',
      'uov_input_image',
    ]);
  });

  test('a URL on a loopback address is refused (SSRF guard) as a 422 naming the field', async () => {
    item(await send({ uov_input_image: 'http://127.0.0.1:1/secret.png' }), ['body', 'uov_input_image']);
  });
});

describe('server-dependent checks', () => {
  test('an unknown preset → 422 listing the available presets', async () => {
    const e = item(await send({ preset: 'no-such-preset' }), ['body', 'preset']);
    assert.match(e.msg, /no-such-preset/);
    assert.match(e.msg, /available: initial/);
  });

  test('enhance_checkbox: true → 422 saying enhance is not supported', async () => {
    const e = item(await send({ enhance_checkbox: true }), ['body', 'enhance_checkbox']);
    assert.match(e.msg, /enhance/i);
  });

  test('a string boolean "true" for enhance_checkbox is coerced and refused the same way', async () => {
    item(await send({ enhance_checkbox: 'true' }), ['body', 'enhance_checkbox']);
  });
});

describe("FreeU depends on the checkpoint's UNet export", () => {
  test('freeu_enabled on a UNet graph without up-block skip Concats → 422 on freeu_enabled saying why', async () => {
    const e = item(await send({ freeu_enabled: true }), ['body', 'freeu_enabled']);
    assert.match(e.msg, /FreeU cannot be applied to the UNet export of 'test-model' \(no up-block skip Concat/);
  });

  test('on an export with the up-block Concats it is queued, and the engine job carries the four scales', async () => {
    const tiny = await mkdtemp(join(tmpdir(), 'freeu-unet-'));
    try {
      await writeTinyCheckpoint(tiny, { upBlocks: true });
      await copyFile(
        join(tiny, 'unet', 'model.onnx'),
        join(server.root, 'models', 'checkpoints', TEST_MODEL, 'unet', 'model.onnx'),
      );
      const res = await postJson(server, '/v1/engine/generate/', {
        ...SMALL,
        freeu_enabled: true,
        freeu_b1: 1.3,
        freeu_s2: 0.5,
      });
      assert.equal(res.status, 200, await res.clone().text());
      await res.json();
      assert.deepEqual(server.engine.jobs.at(-1)?.freeu, { b1: 1.3, b2: 1.02, s1: 0.99, s2: 0.5 });
    } finally {
      await writeFakeCheckpoint(join(server.root, 'models'));
      await rm(tiny, { recursive: true, force: true });
    }
  });
});

describe('a refiner must be an SDXL-family UNet', () => {
  test('an SD1.5-shaped UNet (no text_embeds/time_ids) as refiner → 422 on refiner_model_name; an SDXL refiner is queued', async () => {
    const checkpoints = join(server.root, 'models', 'checkpoints');
    const sd15 = new GraphBuilder('sd15_unet');
    sd15.input('timestep', 'int64', [1]);
    sd15.input('encoder_hidden_states', 'float', ['batch', 77, 768]);
    sd15.output(sd15.node('Identity', [sd15.input('sample', 'float', ['batch', 4, 'h', 'w'])]), 'out_sample', [
      'batch',
      4,
      'h',
      'w',
    ]);
    await mkdir(join(checkpoints, 'sd15-refiner', 'unet'), { recursive: true });
    await writeFile(join(checkpoints, 'sd15-refiner', 'unet', 'model.onnx'), sd15.build().model);
    await writeTinyCheckpoint(join(checkpoints, 'sdxl-refiner'), { refiner: true });
    try {
      const e = item(await send({ base_model_name: TEST_MODEL, refiner_model_name: 'sd15-refiner' }), [
        'body',
        'refiner_model_name',
      ]);
      assert.match(
        e.msg,
        /'sd15-refiner' cannot refine here \(its UNet has no text_embeds, time_ids input: not an SDXL or SDXL-refiner export/,
      );
      const res = await postJson(server, '/v1/engine/generate/', {
        ...SMALL,
        base_model_name: TEST_MODEL,
        refiner_model_name: 'sdxl-refiner',
        refiner_switch: 0.5,
      });
      assert.equal(res.status, 200, await res.clone().text());
      await res.json();
      assert.equal(server.engine.jobs.at(-1)?.refiner?.model, 'sdxl-refiner');
    } finally {
      await rm(join(checkpoints, 'sd15-refiner'), { recursive: true, force: true });
      await rm(join(checkpoints, 'sdxl-refiner'), { recursive: true, force: true });
    }
  });
});

describe('unknown keys', () => {
  test('are accepted and listed, percent-encoded, in X-Ignored-Fields', async () => {
    const res = await postJson(server, '/v1/engine/generate/', {
      ...SMALL,
      advanced_params: { x: 1 },
      input_image: 'abc',
      clé_spéciale: 1,
    });
    assert.equal(res.status, 200);
    const header = res.headers.get('x-ignored-fields');
    assert.ok(header, 'X-Ignored-Fields is set');
    assert.match(header, /^[\x20-\x7e]*$/, 'header is ASCII');
    const names = decodeURIComponent(header).split('; ');
    assert.deepEqual(names.sort(), ['advanced_params', 'clé_spéciale', 'input_image'].sort());
    await res.json();
  });

  test('a request without unknown keys sends no X-Ignored-Fields header', async () => {
    const res = await postJson(server, '/v1/engine/generate/', SMALL);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-ignored-fields'), null);
    await res.json();
  });
});

describe('exact int64 seeds', () => {
  async function seedRoundTrip(seedText: string, expected: bigint): Promise<void> {
    const jobs = server.engine.jobs.length;
    const reply = await rawRequest(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: `{"aspect_ratios_selection": "256*256", "image_seed": ${seedText}}`,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.match(reply.text, new RegExp(`"image_seed":\\s*${expected}[,}]`), 'the raw reply text carries every digit');
    const row = parseJson(reply.text) as { req_params: { image_seed: unknown } };
    assert.equal(BigInt(row.req_params.image_seed as bigint), expected);
    assert.equal(server.engine.jobs[jobs].seed, expected, 'the engine job received the exact bigint');
    assert.equal(typeof server.engine.jobs[jobs].seed, 'bigint');
  }

  test('image_seed 9223372036854775807 (a JSON number) comes back exactly', async () => {
    await seedRoundTrip('9223372036854775807', 9223372036854775807n);
  });

  test('image_seed "9007199254740993" (a digit string, 2^53+1) comes back exactly', async () => {
    await seedRoundTrip('"9007199254740993"', 9007199254740993n);
  });

  test('image_seed -1 picks a random seed in 0..2^63-1', async () => {
    const jobs = server.engine.jobs.length;
    const res = await postJson(server, '/v1/engine/generate/', { ...SMALL, image_seed: -1 });
    assert.equal(res.status, 200);
    await res.text();
    const seed = server.engine.jobs[jobs].seed;
    assert.ok(seed >= 0n && seed <= 9223372036854775807n);
  });
});
