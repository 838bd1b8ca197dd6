import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  generate,
  generateJson,
  listTasks,
  makeGate,
  OUTPUT_URL,
  rawRequest,
  SMALL,
  waitForDone,
  waitForRunning,
} from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  server.engine.defaultScript = { steps: 2, stepMs: 1 };
});
after(async () => server.close());

const ROW_KEYS = [
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
];
const STUB = {
  id: -1,
  req_params: {},
  in_queue_mills: -1,
  start_mills: -1,
  finish_mills: -1,
  task_status: 'pending',
  progress: -1,
  preview: '',
  webhook_url: '',
  result: [],
};

const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
const isJpeg = (b: Buffer) => b[0] === 0xff && b[1] === 0xd8;
const isWebp = (b: Buffer) =>
  b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP';

describe('synchronous mode', () => {
  test('returns the finished row: the 10 FooocusAPI keys plus error and warnings, with /outputs/<date>/<stamp>_NNNN.png URLs', async () => {
    const row = await generateJson(server, { prompt: 'a cat', image_number: 2 });
    assert.deepEqual(Object.keys(row).sort(), [...ROW_KEYS].sort());
    assert.match(String(row.task_id), /^[0-9a-f]{32}$/);
    assert.equal(row.task_status, 'finished');
    assert.equal(row.progress, 100);
    assert.equal(row.error, null);
    assert.ok(typeof row.id === 'number' && row.id > 0);
    const result = row.result as string[];
    assert.equal(result.length, 2);
    for (const url of result) assert.match(url, OUTPUT_URL);
    assert.notEqual(result[0], result[1]);
    const params = row.req_params as Record<string, unknown>;
    assert.equal(params.prompt, 'a cat');
    assert.equal(params.aspect_ratios_selection, '256×256');
    assert.equal(params.image_number, 2);
    assert.ok((row.finish_mills as number) >= (row.start_mills as number));
    assert.ok((row.start_mills as number) >= (row.in_queue_mills as number));
  });

  test('serves both spellings of the generate path directly (no redirect)', async () => {
    for (const path of ['/v1/engine/generate', '/v1/engine/generate/']) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(SMALL),
      });
      assert.equal(res.status, 200, path);
      assert.equal(((await res.json()) as { task_status: string }).task_status, 'finished', path);
    }
  });

  test('parses a JSON body sent without Content-Type (Python requests data=json.dumps(...))', async () => {
    const reply = await rawRequest(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      body: JSON.stringify({ ...SMALL, prompt: 'no content type' }),
    });
    assert.equal(reply.headers['content-type']?.startsWith('application/json'), true);
    assert.equal(reply.status, 200, reply.text);
    const row = JSON.parse(reply.text) as { task_status: string; req_params: { prompt: string } };
    assert.equal(row.task_status, 'finished');
    assert.equal(row.req_params.prompt, 'no content type');
  });

  test('coerces numeric strings for int and float fields as pydantic does', async () => {
    const row = await generateJson<{ req_params: Record<string, unknown>; result: string[] }>(server, {
      image_number: '2',
      guidance_scale: '7.5',
      sharpness: '3',
    });
    assert.equal(row.req_params.image_number, 2);
    assert.equal(row.req_params.guidance_scale, 7.5);
    assert.equal(row.req_params.sharpness, 3);
    assert.equal(row.result.length, 2);
  });

  test('a failed job still answers 200 with status finished, an empty result and the error text', async () => {
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'the UNet exploded' } });
    const row = await generateJson<{ task_status: string; result: string[]; error: string }>(server, {});
    assert.equal(row.task_status, 'finished');
    assert.deepEqual(row.result, []);
    assert.match(row.error, /the UNet exploded/);
  });
});

describe('async mode', () => {
  test('returns exactly the 11-key pending stub at once, then the task finishes in the background', async () => {
    const res = await generate(server, { async_process: true });
    assert.equal(res.status, 200);
    const stub = (await res.json()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(stub).sort(), [...Object.keys(STUB), 'task_id'].sort());
    const { task_id, ...rest } = stub;
    assert.match(String(task_id), /^[0-9a-f]{32}$/);
    assert.deepEqual(rest, STUB);
    await waitForDone(server, String(task_id));
    const row = (await (await fetch(`${server.url}/tasks/${task_id}`)).json()) as {
      task_status: string;
      result: string[];
    };
    assert.equal(row.task_status, 'finished');
    assert.equal(row.result.length, 1);
  });

  test('accepts "async_process": "true" as a string boolean (the official examples send it)', async () => {
    const stub = (await (await generate(server, { async_process: 'true' })).json()) as Record<string, unknown>;
    assert.equal(stub.task_status, 'pending');
    assert.equal(stub.id, -1);
    await waitForDone(server, String(stub.task_id));
  });

  test('"async_process": "false" as a string means synchronous', async () => {
    const row = (await (await generate(server, { async_process: 'false' })).json()) as Record<string, unknown>;
    assert.equal(row.task_status, 'finished');
  });
});

describe('binary mode (Accept: image/...)', () => {
  const cases: [string, string, (b: Buffer) => boolean][] = [
    ['image/png', 'image/png', isPng],
    ['image/jpeg', 'image/jpeg', isJpeg],
    ['image/jpg', 'image/jpeg', isJpeg],
    ['image/webp', 'image/webp', isWebp],
    ['image/*', 'image/png', isPng],
    ['image/gif', 'image/png', isPng],
    ['IMAGE/PNG', 'image/png', isPng],
  ];
  for (const [accept, type, check] of cases) {
    test(`Accept ${accept} returns the first image as ${type}`, async () => {
      const res = await generate(server, {}, { Accept: accept });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), type);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.ok(check(bytes), `body is not ${type}: ${bytes.subarray(0, 12).toString('hex')}`);
    });
  }

  test('forces image_number to 1 in the engine job and in the stored req_params', async () => {
    const jobsBefore = server.engine.jobs.length;
    const res = await generate(server, { image_number: 3, prompt: 'binary three' }, { Accept: 'image/png' });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    const job = server.engine.jobs[jobsBefore];
    assert.equal(job.imageNumber, 1);
    const { history } = await listTasks(server, 'query=history&page_size=1');
    const params = history[0].req_params as Record<string, unknown>;
    assert.equal(params.prompt, 'binary three');
    assert.equal(params.image_number, 1);
    assert.equal((history[0].result as string[]).length, 1);
  });

  test('a failed job answers 500 {"detail": <error>}', async () => {
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'VAE decode failed' } });
    const res = await generate(server, {}, { Accept: 'image/png' });
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { detail: 'VAE decode failed' });
  });

  test('a task stopped before its first image answers 204 with no body', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const pending = generate(server, { prompt: 'stopped binary' }, { Accept: 'image/png' });
    await waitForRunning(server);
    const stop = await fetch(`${server.url}/v1/engine/control?action=stop`, { method: 'POST' });
    assert.deepEqual(await stop.json(), { message: 'task stoped' });
    gate.open();
    const res = await pending;
    assert.equal(res.status, 204);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('an Accept list with two slashes (image/png, */*) is not binary: JSON record', async () => {
    const res = await generate(server, {}, { Accept: 'image/png, */*' });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^application\/json/);
    assert.equal(((await res.json()) as { task_status: string }).task_status, 'finished');
  });

  test('no Accept header at all means JSON (the original answered 500)', async () => {
    const reply = await rawRequest(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(SMALL),
    });
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.text) as { task_status: string }).task_status, 'finished');
  });
});

describe('mode priority: Accept image > stream_output > async_process > sync', () => {
  test('an image Accept wins over stream_output and async_process', async () => {
    const res = await generate(server, { stream_output: true, async_process: true }, { Accept: 'image/png' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(isPng(Buffer.from(await res.arrayBuffer())));
  });

  test('stream_output wins over async_process', async () => {
    const res = await generate(server, { stream_output: 'true', async_process: 'true' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const text = await res.text();
    assert.match(text, /"message": "Finished"/);
  });

  test('async_process wins over sync', async () => {
    const stub = (await (await generate(server, { async_process: true })).json()) as Record<string, unknown>;
    assert.equal(stub.task_status, 'pending');
    await waitForDone(server, String(stub.task_id));
  });
});
