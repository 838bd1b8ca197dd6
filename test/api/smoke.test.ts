import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

test('a synchronous generate returns the finished task row with its output URL', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ prompt: 'a cat', aspect_ratios_selection: '256*128' }),
  });
  assert.equal(res.status, 200);
  const row = (await res.json()) as { task_status: string; result: string[] };
  assert.equal(row.task_status, 'finished');
  assert.equal(row.result.length, 1);
  const image = await fetch(row.result[0]);
  assert.equal(image.status, 200);
  assert.equal(image.headers.get('content-type'), 'image/png');
});
