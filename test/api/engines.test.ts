import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { generate, generateJson, makeGate, taskCount, waitForDone, waitForRunning } from '../fixtures/api-client.ts';
import { startTestServer, TEST_MODEL, type TestServer } from '../fixtures/test-server.ts';

describe('server routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('GET / → 307 with Location /docs', async () => {
    const res = await fetch(`${server.url}/`, { redirect: 'manual' });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get('location'), '/docs');
    await res.text();
  });

  test('/docs serves the Swagger UI HTML', async () => {
    const res = await fetch(`${server.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/html/);
    assert.match(await res.text(), /swagger-ui/i);
  });

  test("/openapi/all-in-one.json and .yaml serve the same spec with this server's default model", async () => {
    const json = (await (await fetch(`${server.url}/openapi/all-in-one.json`)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, { default?: unknown }> }> };
    };
    assert.equal(json.openapi, '3.1.0');
    assert.ok('/v1/engine/generate/' in json.paths);
    assert.ok('/tasks/{task_id}' in json.paths);
    assert.equal(json.components.schemas.CommonRequest.properties.base_model_name.default, TEST_MODEL);
    const res = await fetch(`${server.url}/openapi/all-in-one.yaml`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /yaml/);
    assert.deepEqual(parseYaml(await res.text()), json);
  });

  test('an unknown spec name → 404', async () => {
    const res = await fetch(`${server.url}/openapi/nothing.json`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: 'Not Found' });
  });

  test('GET /v1/engines/styles lists Fooocus\'s 279 style names, "Fooocus V2" first', async () => {
    const styles = (await (await fetch(`${server.url}/v1/engines/styles`)).json()) as string[];
    assert.equal(styles.length, 279);
    assert.equal(styles[0], 'Fooocus V2');
    assert.equal(styles[1], 'Random Style');
    for (const name of ['Fooocus Enhance', 'Fooocus Sharp', 'Fooocus Photograph'])
      assert.ok(styles.includes(name), name);
    assert.equal(new Set(styles).size, styles.length);
  });

  test('GET /v1/engines/all-models lists the installed checkpoint and no LoRAs', async () => {
    const res = await fetch(`${server.url}/v1/engines/all-models`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { model_filenames: [TEST_MODEL], lora_filenames: [], demo_model_filenames: [] });
  });

  test('GET /health reports the engine and the queue', async () => {
    const body = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
    assert.equal(body.status, 'ok');
    assert.equal(body.provider, 'fake');
    assert.deepEqual(body.models, [TEST_MODEL]);
    assert.deepEqual(body.queue, { running: 0, pending: 0 });
  });

  test('GET /health counts each accept, start and end at once, though it reads the store at most every 250 ms', async () => {
    const health = async () =>
      ((await (await fetch(`${server.url}/health`)).json()) as { queue: { running: number; pending: number } }).queue;
    const gate = makeGate();
    server.engine.script({ steps: 2, gate: gate.promise });
    assert.deepEqual(await health(), { running: 0, pending: 0 });
    const held = await generateJson<{ task_id: string }>(server, { async_process: true });
    await waitForRunning(server, held.task_id);
    assert.deepEqual(await health(), { running: 1, pending: 0 });
    const queued = await generateJson<{ task_id: string }>(server, { async_process: true });
    assert.deepEqual(await health(), { running: 1, pending: 1 }, 'the accept shows in the next read');
    gate.open();
    await waitForDone(server, queued.task_id);
    assert.deepEqual(await health(), { running: 0, pending: 0 });
  });

  test('an unknown route → 404 {"detail": "Not Found"}', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['POST', '/v1/generation/text-to-image-nope'],
      ['GET', '/v1/engine'],
    ]) {
      const res = await fetch(`${server.url}${path}`, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.deepEqual(await res.json(), { detail: 'Not Found' });
    }
  });

  test('a known path with the wrong method → 405 {"detail": "Method Not Allowed"}', async () => {
    for (const [method, path] of [
      ['GET', '/v1/engine/generate/'],
      ['DELETE', '/tasks'],
      ['GET', '/v1/engine/control'],
    ]) {
      const res = await fetch(`${server.url}${path}`, { method });
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.deepEqual(await res.json(), { detail: 'Method Not Allowed' });
    }
  });

  test('the mask and describe tools answer 503 naming the missing model folder', async () => {
    const res = await fetch(`${server.url}/v1/tools/describe-image`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ image: 'http://example.test/a.png' }),
    });
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { detail: string }).detail, /models\/describe/);
  });
});

describe('substitutions are reported, never silent', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  const warningsOf = (res: Response) => decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? '');

  test('a sampler name we do not offer still runs with the default, and X-Fooocus-Warnings says so', async () => {
    const jobs = server.engine.jobs.length;
    const res = await generate(server, { sampler_name: 'heun_pp_imaginary' });
    assert.equal(res.status, 200);
    const row = (await res.json()) as { task_status: string; warnings: string[]; req_params: { sampler_name: string } };
    assert.equal(row.task_status, 'finished');
    assert.match(warningsOf(res), /sampler_name 'heun_pp_imaginary' is not offered/);
    assert.ok(row.warnings.some((w) => w.includes('heun_pp_imaginary')));
    assert.equal(server.engine.jobs[jobs].sampler, 'dpmpp_2m_sde_gpu');
    assert.equal(row.req_params.sampler_name, 'dpmpp_2m_sde_gpu');
  });

  test('unknown style, model and LoRA names are substituted and listed', async () => {
    const res = await generate(server, {
      style_selections: ['Fooocus V2', 'No Such Style'],
      base_model_name: 'juggernautXL_version6Rundiffusion.safetensors',
      loras: [{ enabled: true, model_name: 'missing-lora.safetensors', weight: 0.5 }],
    });
    assert.equal(res.status, 200);
    const text = warningsOf(res);
    assert.match(text, /style 'No Such Style' is unknown/);
    assert.match(
      text,
      /base_model_name 'juggernautXL_version6Rundiffusion.safetensors' is not installed; using 'test-model'/,
    );
    assert.match(text, /LoRA 'missing-lora.safetensors' is not installed/);
    const row = (await res.json()) as { req_params: { base_model_name: string } };
    assert.equal(row.req_params.base_model_name, TEST_MODEL);
  });

  test('a performance mode whose LoRA is missing runs with a warning', async () => {
    const jobs = server.engine.jobs.length;
    const res = await generate(server, { performance_selection: 'Lightning' });
    assert.equal(res.status, 200);
    assert.match(warningsOf(res), /Lightning/);
    await res.json();
    assert.equal(server.engine.jobs[jobs].steps, 4);
    assert.equal(server.engine.jobs[jobs].sampler, 'euler');
  });

  test('the warnings header is ASCII, percent-encoded, and capped at 1 KiB', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `Stil ünbekannt ${i}`);
    const res = await generate(server, { style_selections: names });
    assert.equal(res.status, 200);
    const header = String(res.headers.get('x-fooocus-warnings'));
    assert.match(header, /^[\x20-\x7e]+$/);
    assert.ok(header.length <= 1024, `${header.length} characters`);
    const row = (await res.json()) as { warnings: string[] };
    assert.equal(
      row.warnings.filter((w) => w.startsWith('style ')).length,
      60,
      'the full list is in the task warnings',
    );
  });

  test('a request that needs no substitution and nothing the engine lacks sends no warnings header', async () => {
    const res = await generate(server, { style_selections: [], sharpness: 0 });
    assert.equal(res.headers.get('x-fooocus-warnings'), null);
    await res.json();
  });

  test('the defaults need no substitution; only the V2 expansion the engine lacks is said (styles and sharpness apply)', async () => {
    const res = await generate(server, {});
    const text = warningsOf(res);
    assert.doesNotMatch(text, /not installed|unknown|not offered/);
    assert.match(text, /Fooocus V2 prompt expansion skipped/);
    assert.doesNotMatch(text, /not applied|styles|sharpness/);
    await res.json();
  });
});

describe('queue limit', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { queueSize: 1 } });
  });
  after(async () => server.close());

  test('with queueSize 1 and a running task, the next submit → 503 {"detail":"queue is full"} with Retry-After and no row', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, gate: gate.promise });
    const held = await generateJson<{ task_id: string }>(server, { async_process: true });
    await waitForRunning(server, held.task_id);
    const rows = await taskCount(server);
    try {
      for (const body of [{ async_process: true }, {}, { stream_output: true }]) {
        const res = await generate(server, body);
        assert.equal(res.status, 503, JSON.stringify(body));
        assert.deepEqual(await res.json(), { detail: 'queue is full' });
        assert.match(String(res.headers.get('retry-after')), /^\d+$/);
      }
      const binary = await generate(server, {}, { Accept: 'image/png' });
      assert.equal(binary.status, 503);
      await binary.text();
      assert.equal(await taskCount(server), rows, 'refused submissions wrote no task row');
    } finally {
      gate.open();
    }
    await waitForDone(server, held.task_id);
    await server.composed.runner.onIdle();
    const row = await generateJson<{ task_status: string }>(server, {});
    assert.equal(row.task_status, 'finished', 'accepted again once the queue has room');
  });
});
