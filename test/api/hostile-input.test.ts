/**
 * Inputs that made the originals (and once this server) answer 500: JSON nested thousands deep
 * and paging numbers no database can page. Each is a 422 naming what is wrong, and no task is made.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { taskCount } from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

const JSON_ROUTES = [
  '/v1/engine/generate/',
  '/v1/generation/text-to-image',
  '/v2/generation/image-upscale-vary',
  '/v2/generation/image-prompt',
];

async function detail(res: Response): Promise<{ loc: unknown[]; msg: string }[]> {
  const text = await res.text();
  assert.equal(res.status, 422, text);
  return (JSON.parse(text) as { detail: { loc: unknown[]; msg: string }[] }).detail;
}

test('JSON nested 5000 deep is a 422 on the body, in a known field or an unknown one', async () => {
  const rows = await taskCount(server);
  const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
  const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  for (const path of JSON_ROUTES) {
    for (const body of [`{"prompt": "x", "loras": ${deep}}`, `{"prompt": "x", "unknown": ${deepObject}}`, deep]) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      const [item] = await detail(res);
      assert.deepEqual(item.loc, ['body'], path);
      assert.match(item.msg, /nested deeper than 64/);
    }
  }
  assert.equal(await taskCount(server), rows);
});

test('paging numbers out of range (1e999, 20 digits, negative, fractions) are 422s naming the parameter', async () => {
  const cases: [string, string][] = [
    ['/tasks?page=1e999', 'page'],
    ['/tasks?page_size=99999999999999999999', 'page_size'],
    ['/tasks?page=1.5', 'page'],
    ['/tasks?page_size=0', 'page_size'],
    ['/v1/generation/job-history?page=1e999', 'page'],
    ['/v1/generation/job-history?page_size=99999999999999999999', 'page_size'],
    ['/v1/generation/job-history?page=-3', 'page'],
  ];
  for (const [path, name] of cases) {
    const [item] = await detail(await fetch(`${server.url}${path}`));
    assert.deepEqual(item.loc, ['query', name], path);
  }
  assert.equal(
    (await fetch(`${server.url}/tasks?page=1000000000&page_size=10000`)).status,
    200,
    'the bounds themselves are fine',
  );
});
