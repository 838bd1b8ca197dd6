/**
 * Deny by default with --apikey (and --protect-files): every operation of both specs, asked with
 * every method and every spelling of its path that a client could try (exact, other letter case,
 * trailing slash, a percent-encoded letter), is refused without the key — 403 where Express would
 * dispatch it, 404/405 where it would not — and never runs: no task is deleted or created.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildOperationIndex } from '../../src/openapi/operation-index.ts';
import { loadApiDocument } from '../../src/openapi/openapi-document.ts';
import { OPENAPI_DIR } from '../../src/server/compose-server.ts';
import { SMALL, taskCount, waitForDone } from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const KEY = 'secret-key';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const REFUSED = new Set([403, 404, 405]);

let server: TestServer;
let taskId: string;
before(async () => {
  server = await startTestServer({ config: { apiKeys: [KEY], isFileAccessProtected: true } });
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-API-KEY': KEY },
    body: JSON.stringify({ ...SMALL, async_process: true }),
  });
  taskId = ((await res.json()) as { task_id: string }).task_id;
  await waitForDone(server, taskId);
});
after(async () => server.close());

function spellings(path: string): string[] {
  const swapCase = path.replace(/[a-z]/, (c) => c.toUpperCase());
  const encoded = path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  const slash = path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
  return [...new Set([path, swapCase, path.toUpperCase(), slash, encoded])];
}

test('every protected operation × method × path spelling is refused without the key and changes nothing', async () => {
  const document = await loadApiDocument(OPENAPI_DIR, { defaultModel: 'test-model' });
  const operations = buildOperationIndex(document).filter((op) => op.isProtected);
  assert.ok(operations.length >= 30, `both specs' protected operations (${operations.length})`);
  const rowsBefore = await taskCount(server);
  const today = new Date().toISOString().slice(0, 10);
  let asked = 0;
  const accepted: string[] = [];
  for (const op of operations) {
    const path = op.path.replace('{task_id}', taskId).replace('{date}', today).replace('{file}', 'x.png');
    // /tasks with its delete action: if it ran, the finished task above would be gone.
    const query =
      op.operationId === 'listTasks' ? '?action=delete&start_at=2000-01-01T00:00:00&end_at=2100-01-01T00:00:00' : '';
    for (const spelling of spellings(path)) {
      for (const method of METHODS) {
        const hasBody = method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
        const res = await fetch(`${server.url}${spelling}${query}`, {
          method,
          headers: hasBody ? { 'Content-Type': 'application/json' } : {},
          body: hasBody ? JSON.stringify({ ...SMALL, async_process: true }) : undefined,
        });
        await res.arrayBuffer();
        asked += 1;
        if (!REFUSED.has(res.status)) accepted.push(`${method} ${spelling}${query} → ${res.status}`);
        // Where Express would dispatch it (the exact spelling or its slash twin, GET's HEAD), the key gate is what
        // answers.
        const isDispatched =
          (method === op.method || (method === 'HEAD' && op.method === 'GET')) && op.pattern.test(spelling);
        if (isDispatched && res.status !== 403) accepted.push(`${method} ${spelling} should be 403, got ${res.status}`);
      }
    }
  }
  assert.deepEqual(accepted, [], `${accepted.length} of ${asked} requests were not refused`);
  assert.equal(await taskCount(server), rowsBefore, 'no task was created or deleted');
  assert.equal(await (await fetch(`${server.url}/tasks/${taskId}`, { headers: { 'X-API-KEY': KEY } })).status, 200);
});
