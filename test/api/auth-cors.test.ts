import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rawRequest, SMALL } from '../fixtures/api-client.ts';
import { makePng } from '../fixtures/images.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const FORBIDDEN = { detail: 'Forbidden' };

async function call(
  server: TestServer,
  method: string,
  path: string,
  options: { key?: string; body?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['X-API-KEY'] = options.key;
  if (options.body !== undefined) headers['Content-Type'] ??= 'application/json';
  const res = await fetch(`${server.url}${path}`, { method, headers, body: options.body, redirect: 'manual' });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

describe('API keys', () => {
  let server: TestServer;
  let outputPath: string;
  let inputPath: string;
  let taskId: string;
  before(async () => {
    server = await startTestServer({ config: { apiKeys: ['k1', 'k2'] } });
    const png = (await makePng(8, 8)).toString('base64');
    const made = await call(server, 'POST', '/v1/engine/generate/', {
      key: 'k1',
      body: JSON.stringify({ ...SMALL, uov_input_image: png }),
    });
    assert.equal(made.status, 200);
    const row = made.body as { task_id: string; result: string[]; req_params: { uov_input_image: string } };
    taskId = row.task_id;
    outputPath = new URL(row.result[0]).pathname;
    inputPath = new URL(row.req_params.uov_input_image).pathname;
  });
  after(async () => server.close());

  const protectedRoutes = (): [string, string, string?][] => [
    ['POST', '/v1/engine/generate/', JSON.stringify(SMALL)],
    ['POST', '/v1/engine/generate', JSON.stringify(SMALL)],
    ['POST', '/v1/engine/control?action=stop'],
    ['POST', '/v1/engine/control/?action=stop'],
    ['GET', '/tasks'],
    ['GET', `/tasks/${taskId}`],
    ['POST', `/tasks/${taskId}/cancel`],
    ['GET', '/v1/engines/all-models'],
    ['GET', '/v1/engines/styles'],
  ];

  test('protected routes answer 403 {"detail":"Forbidden"} without a key or with a wrong one', async () => {
    for (const [method, path, body] of protectedRoutes()) {
      for (const key of [undefined, 'wrong', '', 'k1k2', 'K1']) {
        const reply = await call(server, method, path, { key, body });
        assert.equal(reply.status, 403, `${method} ${path} key=${String(key)}`);
        assert.deepEqual(reply.body, FORBIDDEN);
      }
    }
  });

  test('either configured key opens the protected routes', async () => {
    for (const key of ['k1', 'k2']) {
      assert.equal((await call(server, 'GET', '/tasks', { key })).status, 200);
      assert.equal((await call(server, 'GET', `/tasks/${taskId}`, { key })).status, 200);
      assert.equal((await call(server, 'GET', '/v1/engines/styles', { key })).status, 200);
      assert.deepEqual((await call(server, 'POST', '/v1/engine/control?action=stop', { key })).body, {
        message: 'No task running',
      });
    }
    const generated = await call(server, 'POST', '/v1/engine/generate', { key: 'k2', body: JSON.stringify(SMALL) });
    assert.equal(generated.status, 200);
  });

  test('the header name is case-insensitive', async () => {
    const res = await fetch(`${server.url}/tasks`, { headers: { 'x-api-key': 'k2' } });
    assert.equal(res.status, 200);
    await res.text();
  });

  test('/, /docs, /health, /openapi/*, /outputs and /inputs stay public', async () => {
    assert.equal((await call(server, 'GET', '/')).status, 307);
    assert.equal((await call(server, 'GET', '/docs/')).status, 200);
    assert.equal((await call(server, 'GET', '/health')).status, 200);
    assert.equal((await call(server, 'GET', '/openapi/all-in-one.json')).status, 200);
    const output = await rawRequest(`${server.url}${outputPath}`);
    assert.equal(output.status, 200);
    assert.equal(output.headers['content-type'], 'image/png');
    assert.equal((await rawRequest(`${server.url}${inputPath}`)).status, 200);
  });

  test('malformed JSON without a key → 422 (the body is parsed before the key is checked)', async () => {
    const reply = await call(server, 'POST', '/v1/engine/generate/', { body: '{bad' });
    assert.equal(reply.status, 422);
    assert.equal((reply.body as { detail: { type: string }[] }).detail[0].type, 'json_invalid');
  });

  test('well-formed JSON with invalid fields and a bad key → 403 before field validation', async () => {
    const reply = await call(server, 'POST', '/v1/engine/generate/', {
      key: 'nope',
      body: JSON.stringify({ image_number: 99, performance_selection: 'Fast' }),
    });
    assert.equal(reply.status, 403);
    assert.deepEqual(reply.body, FORBIDDEN);
  });

  test('a 403 reply still carries CORS headers so a browser can read it', async () => {
    const reply = await call(server, 'GET', '/tasks', { headers: { Origin: 'http://example.test' } });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers.get('access-control-allow-origin'), '*');
  });

  test('a CORS preflight needs no key', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://example.test',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-api-key, content-type',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://example.test');
    await res.text();
  });
});

describe('--protect-files', () => {
  let server: TestServer;
  let outputPath: string;
  let inputPath: string;
  before(async () => {
    server = await startTestServer({ config: { apiKeys: ['k1'], isFileAccessProtected: true } });
    const made = await call(server, 'POST', '/v1/engine/generate/', {
      key: 'k1',
      body: JSON.stringify({ ...SMALL, uov_input_image: (await makePng(8, 8)).toString('base64') }),
    });
    const row = made.body as { result: string[]; req_params: { uov_input_image: string } };
    outputPath = new URL(row.result[0]).pathname;
    inputPath = new URL(row.req_params.uov_input_image).pathname;
  });
  after(async () => server.close());

  test('/outputs and /inputs need the key', async () => {
    for (const path of [outputPath, inputPath]) {
      const denied = await call(server, 'GET', path);
      assert.equal(denied.status, 403, path);
      assert.deepEqual(denied.body, FORBIDDEN);
      const allowed = await fetch(`${server.url}${path}`, { headers: { 'X-API-KEY': 'k1' } });
      assert.equal(allowed.status, 200, path);
      assert.equal(allowed.headers.get('content-type'), 'image/png');
      await allowed.arrayBuffer();
    }
  });

  test('/ and /docs stay public', async () => {
    assert.equal((await call(server, 'GET', '/')).status, 307);
    assert.equal((await call(server, 'GET', '/docs/')).status, 200);
  });
});

describe('CORS', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('a preflight (OPTIONS + Origin + Access-Control-Request-Method) → 200 echoing the origin and the requested headers', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type, x-api-key',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(res.headers.get('access-control-allow-headers'), 'content-type, x-api-key');
    assert.match(String(res.headers.get('access-control-allow-methods')), /POST/);
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    await res.text();
  });

  test('a preflight of a path we do not serve is still answered', async () => {
    const res = await fetch(`${server.url}/tasks/abc`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://a.test', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(res.status, 200);
    await res.text();
  });

  test('simple requests get Access-Control-Allow-Origin and expose X-Fooocus-Warnings and X-Ignored-Fields', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { Origin: 'http://localhost:5173', 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...SMALL, unknown_key: 1 }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    const exposed = String(res.headers.get('access-control-expose-headers')).toLowerCase();
    assert.match(exposed, /x-fooocus-warnings/);
    assert.match(exposed, /x-ignored-fields/);
    assert.equal(res.headers.get('x-ignored-fields'), 'unknown_key');
    await res.json();
  });

  test('with a cookie the origin is echoed instead of * (credentials)', async () => {
    const res = await fetch(`${server.url}/v1/engines/styles`, {
      headers: { Origin: 'http://localhost:5173', Cookie: 'a=b' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
    await res.json();
  });

  test('a validation error reply carries the CORS headers too', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { Origin: 'http://x.test' },
      body: '{bad',
    });
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    await res.json();
  });
});
