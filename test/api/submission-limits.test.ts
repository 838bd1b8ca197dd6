/**
 * Submissions under concurrency: the queue limit holds when many arrive at once (the check and
 * the insert are one step), and an Idempotency-Key makes a retried submission return its first
 * task instead of queueing a second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  generate,
  makeGate,
  SMALL,
  taskCount,
  waitForDone,
  waitForRunning,
  generateJson,
} from '../fixtures/api-client.ts';
import { makePng } from '../fixtures/images.ts';
import { postForm, postLegacyJson, requestsForm } from '../fixtures/legacy-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

describe('--queue-size under a burst', () => {
  test('20 concurrent submissions against --queue-size 5 with one running: exactly 4 more accepted, the rest refused', async () => {
    const server = await startTestServer({ config: { queueSize: 5 } });
    const gate = makeGate();
    try {
      server.engine.script({ steps: 3, gate: gate.promise });
      const held = await generateJson<{ task_id: string }>(server, { async_process: true });
      await waitForRunning(server, held.task_id);
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? generate(server, { async_process: true, prompt: `burst ${i}` })
            : postLegacyJson(server, '/v1/generation/text-to-image', {
                ...SMALL,
                async_process: true,
                prompt: `burst ${i}`,
              }),
        ),
      );
      const bodies = await Promise.all(replies.map(async (r) => ({ status: r.status, text: await r.text() })));
      const accepted = bodies.filter((b) => b.status === 200 && !b.text.includes('QUEUE_IS_FULL'));
      const refused = bodies.filter((b) => b.status === 503 || b.text.includes('QUEUE_IS_FULL'));
      assert.equal(accepted.length, 4, JSON.stringify(bodies.map((b) => b.status)));
      assert.equal(refused.length, 16);
      assert.equal(await server.composed.service.count({ statuses: ['pending', 'running'] }), 5);
    } finally {
      gate.open();
      await server.close();
    }
  });
});

describe('Idempotency-Key', () => {
  let server: TestServer;
  let clock = Date.now();
  before(async () => {
    server = await startTestServer({
      overrides: { now: () => clock, supportedModes: ['Text to Image', 'Image Upscale or Variation'] },
    });
  });
  after(async () => server.close());

  const withKey = (key: string) => ({ 'Idempotency-Key': key });

  test('a repeated key with the same body returns the same task (async stub) and queues nothing more', async () => {
    const rows = await taskCount(server);
    const first = await generateJson<{ task_id: string }>(
      server,
      { async_process: true, prompt: 'once' },
      withKey('k-async'),
    );
    const second = await generateJson<{ task_id: string }>(
      server,
      { async_process: true, prompt: 'once' },
      withKey('k-async'),
    );
    assert.equal(second.task_id, first.task_id);
    assert.equal(await taskCount(server), rows + 1);
    await waitForDone(server, first.task_id);
  });

  test('a sync retry gets the same finished result; concurrent retries make one task', async () => {
    const rows = await taskCount(server);
    const replies = await Promise.all(
      [1, 2, 3].map(() =>
        generateJson<{ task_id: string; result: string[] }>(server, { prompt: 'sync' }, withKey('k-sync')),
      ),
    );
    assert.equal(new Set(replies.map((r) => r.task_id)).size, 1);
    assert.deepEqual(replies[1].result, replies[0].result);
    assert.equal(await taskCount(server), rows + 1);
  });

  test('the same key with another body is a 422 naming the header; a malformed key too', async () => {
    await generateJson(server, { async_process: true, prompt: 'first body' }, withKey('k-body'));
    const res = await generate(server, { async_process: true, prompt: 'second body' }, withKey('k-body'));
    assert.equal(res.status, 422);
    assert.deepEqual(((await res.json()) as { detail: { loc: unknown[] }[] }).detail[0].loc, [
      'header',
      'idempotency-key',
    ]);
    const bad = await generate(server, { async_process: true }, withKey('has space'));
    assert.equal(bad.status, 422);
  });

  test('legacy JSON and multipart routes honour the key too (same job id)', async () => {
    const body = { ...SMALL, async_process: true, prompt: 'legacy' };
    const a = (await (
      await postLegacyJson(server, '/v1/generation/text-to-image', body, withKey('k-legacy'))
    ).json()) as { job_id: string };
    const b = (await (
      await postLegacyJson(server, '/v1/generation/text-to-image', body, withKey('k-legacy'))
    ).json()) as { job_id: string };
    assert.equal(b.job_id, a.job_id);
    const png = await makePng(8, 8);
    const form = () => requestsForm({ uov_method: 'Vary (Subtle)', async_process: true }, { input_image: png });
    const c = (await (
      await postForm(server, '/v1/generation/image-upscale-vary', form(), withKey('k-form'))
    ).json()) as { job_id: string };
    const d = (await (
      await postForm(server, '/v1/generation/image-upscale-vary', form(), withKey('k-form'))
    ).json()) as { job_id: string };
    assert.match(c.job_id, /^[0-9a-f-]{36}$/);
    assert.equal(d.job_id, c.job_id);
    const other = await postForm(
      server,
      '/v1/generation/image-upscale-vary',
      requestsForm({ uov_method: 'Vary (Strong)', async_process: true }, { input_image: png }),
      withKey('k-form'),
    );
    assert.equal(other.status, 422, 'another form under the same key');
  });

  test('after 24 h the key is free again: a new task', async () => {
    const first = await generateJson<{ task_id: string }>(
      server,
      { async_process: true, prompt: 'day one' },
      withKey('k-day'),
    );
    await waitForDone(server, first.task_id);
    clock += 24 * 60 * 60 * 1000 + 1;
    const later = await generateJson<{ task_id: string }>(
      server,
      { async_process: true, prompt: 'day one' },
      withKey('k-day'),
    );
    assert.notEqual(later.task_id, first.task_id);
    await waitForDone(server, later.task_id);
  });
});
