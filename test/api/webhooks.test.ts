import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyWebhookSignature } from '../../src/webhooks/webhook-signature.ts';
import { generateJson, makeGate, waitFor, waitForDone, waitForRunning } from '../fixtures/api-client.ts';
import {
  startHookReceiver,
  startRealWebhookServer,
  type HookReceiver,
  type RealWebhookServer,
} from '../fixtures/real-webhooks-server.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const HOOK = 'http://hooks.example.test/fooocus';

function deliveriesFor(server: TestServer, url: string) {
  return server.webhooks.deliveries.filter((d) => d.url === url);
}

describe('webhook bodies (recorded)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('default format: the body is a JSON string whose parse is the finished row (FooocusAPI double encoding)', async () => {
    const before = server.webhooks.deliveries.length;
    const row = await generateJson<Record<string, unknown>>(server, { webhook_url: HOOK, prompt: 'hooked é' });
    const delivery = await waitFor('the delivery', () => server.webhooks.deliveries[before]);
    assert.equal(delivery.url, HOOK);
    assert.equal(delivery.isTrusted, false, 'a per-request URL is not trusted');
    assert.match(
      delivery.body,
      /^"\{\\"id\\": \d+, \\"task_id\\": /,
      'a JSON string literal holding Python-style JSON',
    );
    assert.match(delivery.body, /^[\x20-\x7e]*$/, 'the outer string escapes non-ASCII');
    const inner = JSON.parse(delivery.body) as unknown;
    assert.equal(typeof inner, 'string');
    const parsed = JSON.parse(inner as string) as Record<string, unknown>;
    assert.deepEqual(parsed, row);
    assert.equal(parsed.webhook_url, HOOK);
    assert.equal((parsed.req_params as { prompt: string }).prompt, 'hooked é');
  });

  test('exactly one delivery per task, also for async tasks, failures and stops', async () => {
    const before = server.webhooks.deliveries.length;
    const stub = await generateJson<{ task_id: string; webhook_url: string }>(server, {
      webhook_url: `${HOOK}/async`,
      async_process: true,
    });
    assert.equal(stub.webhook_url, `${HOOK}/async`, 'the async stub names the webhook it will call');
    await waitForDone(server, stub.task_id);
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'boom' } });
    await generateJson(server, { webhook_url: `${HOOK}/failed` });
    const gate = makeGate();
    server.engine.script({ steps: 3, gate: gate.promise });
    const held = await generateJson<{ task_id: string }>(server, {
      webhook_url: `${HOOK}/stopped`,
      async_process: true,
    });
    await waitForRunning(server, held.task_id);
    await fetch(`${server.url}/v1/engine/control?action=stop`, { method: 'POST' }).then((r) => r.text());
    gate.open();
    await waitForDone(server, held.task_id);
    await waitFor('three deliveries', () => server.webhooks.deliveries.length >= before + 3);
    const byUrl = (suffix: string) =>
      JSON.parse(JSON.parse(deliveriesFor(server, `${HOOK}/${suffix}`)[0].body) as string) as Record<string, unknown>;
    assert.equal(deliveriesFor(server, `${HOOK}/async`).length, 1);
    assert.equal(byUrl('async').task_status, 'finished');
    assert.equal(byUrl('failed').task_status, 'finished');
    assert.deepEqual(byUrl('failed').result, []);
    assert.equal(byUrl('failed').error, 'boom');
    assert.equal(byUrl('stopped').task_status, 'stop');
  });

  test('no webhook_url and no global URL: nothing is sent', async () => {
    const before = server.webhooks.deliveries.length;
    await generateJson(server, {});
    await generateJson(server, { webhook_url: null });
    await generateJson(server, { webhook_url: '' });
    assert.equal(server.webhooks.deliveries.length, before);
  });
});

describe('webhook format and the global URL', () => {
  let server: TestServer;
  const GLOBAL = 'http://operator.example.test/hook';
  before(async () => {
    server = await startTestServer({ config: { webhookFormat: 'object', webhookUrl: GLOBAL } });
  });
  after(async () => server.close());

  test("webhookFormat 'object' sends the row as a plain JSON object", async () => {
    const row = await generateJson<Record<string, unknown>>(server, { webhook_url: HOOK });
    const delivery = await waitFor('the delivery', () => deliveriesFor(server, HOOK)[0]);
    const parsed = JSON.parse(delivery.body) as Record<string, unknown>;
    assert.equal(typeof parsed, 'object');
    assert.deepEqual(parsed, row);
    assert.equal(delivery.isTrusted, false);
  });

  test('the global webhookUrl is used when the request names none, and is trusted; req_params shows the resolved URL', async () => {
    const row = await generateJson<Record<string, unknown>>(server, { prompt: 'global' });
    const delivery = await waitFor('the delivery', () =>
      deliveriesFor(server, GLOBAL).find((d) => (JSON.parse(d.body) as { task_id: string }).task_id === row.task_id),
    );
    assert.equal(delivery.isTrusted, true);
    assert.equal(row.webhook_url, GLOBAL);
    assert.equal((row.req_params as { webhook_url: string }).webhook_url, GLOBAL);
  });

  test('a per-request URL overrides the global one', async () => {
    const before = deliveriesFor(server, GLOBAL).length;
    await generateJson(server, { webhook_url: `${HOOK}/own` });
    await waitFor('the delivery', () => deliveriesFor(server, `${HOOK}/own`)[0]);
    assert.equal(deliveriesFor(server, GLOBAL).length, before);
  });
});

describe('real HTTP delivery with a signature', () => {
  let receiver: HookReceiver;
  let server: RealWebhookServer;
  let strict: RealWebhookServer;
  const SECRET = 'test-secret';
  before(async () => {
    receiver = await startHookReceiver();
    server = await startRealWebhookServer({ webhookSecret: SECRET, allowPrivateUrls: true });
    strict = await startRealWebhookServer({ webhookSecret: SECRET, webhookUrl: `${receiver.url}/global` });
  });
  after(async () => {
    await server.close();
    await strict.close();
    await receiver.close();
  });

  test('a per-request URL on 127.0.0.1 (allowPrivateUrls) receives the string body with a valid X-Fooocus-Signature', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ aspect_ratios_selection: '256*256', webhook_url: `${receiver.url}/per-request` }),
    });
    const row = (await res.json()) as Record<string, unknown>;
    const hook = await waitFor('the delivery', () => receiver.received.find((r) => r.path === '/per-request'));
    assert.equal(hook.headers['content-type'], 'application/json');
    const header = String(hook.headers['x-fooocus-signature']);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(
      verifyWebhookSignature(SECRET, header, hook.body, { nowSeconds: Math.floor(Date.now() / 1000) }),
      'signature verifies',
    );
    assert.ok(!verifyWebhookSignature('other-secret', header, hook.body), 'a different secret does not verify');
    assert.deepEqual(JSON.parse(JSON.parse(hook.body.toString('utf8')) as string), row);
  });

  test('without allowPrivateUrls a per-request URL on 127.0.0.1 is a 422 naming webhook_url, while the trusted global URL is delivered', async () => {
    const local = `${receiver.url}/sneaky`;
    const res = await fetch(`${strict.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ aspect_ratios_selection: '256*256', webhook_url: local }),
    });
    // Refused at submission, naming the field (not accepted and silently never called).
    assert.equal(res.status, 422);
    assert.deepEqual(((await res.json()) as { detail: { loc: unknown[] }[] }).detail[0].loc, ['body', 'webhook_url']);
    const legacy = await fetch(`${strict.url}/v1/generation/text-to-image`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        aspect_ratios_selection: '256*256',
        webhook_url: 'http://169.254.169.254/latest',
        async_process: true,
      }),
    });
    assert.equal(legacy.status, 422);
    await legacy.text();
    const viaGlobal = await fetch(`${strict.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ aspect_ratios_selection: '256*256' }),
    });
    const row = (await viaGlobal.json()) as { task_id: string };
    await strict.composed.webhooks.drain();
    const global = receiver.received.filter((r) => r.path === '/global');
    assert.equal(global.length, 1);
    assert.equal(
      (JSON.parse(JSON.parse(global[0].body.toString('utf8')) as string) as { task_id: string }).task_id,
      row.task_id,
    );
    assert.ok(verifyWebhookSignature(SECRET, String(global[0].headers['x-fooocus-signature']), global[0].body));
    assert.equal(
      receiver.received.filter((r) => r.path === '/sneaky').length,
      0,
      'the private per-request URL was never called',
    );
  });
});
