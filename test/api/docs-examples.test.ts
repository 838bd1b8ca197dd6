/**
 * Swagger UI's "Try it out" sends the examples the served specs carry: every JSON operation's
 * sample body (as Swagger UI builds it) must be accepted, never a 422 or a placeholder that
 * changes the result (`save_name: "string"` naming the file string-0.png).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { swaggerSample } from '../fixtures/swagger-sample.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

type Json = Record<string, any>;

let server: TestServer;
before(async () => {
  server = await startTestServer({ overrides: { supportedModes: ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint', 'Image Prompt'] } });
});
after(async () => server.close());

async function jsonOperations(): Promise<{ spec: string; method: string; path: string; body: unknown }[]> {
  const out = [];
  for (const spec of ['all-in-one', 'legacy']) {
    const doc = (await (await fetch(`${server.url}/openapi/${spec}.json`)).json()) as Json;
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        if (schema) out.push({ spec, method, path, body: swaggerSample(schema, doc.components.schemas) });
      }
    }
  }
  return out;
}

test("every JSON operation accepts the body Swagger UI's Try it out fills in (no 422, no placeholder strings)", async () => {
  const operations = await jsonOperations();
  assert.ok(operations.length >= 10, `${operations.length} JSON operations`);
  const problems: string[] = [];
  for (const { spec, method, path, body } of operations) {
    const text = JSON.stringify(body);
    if (/"string"/.test(text)) problems.push(`${spec} ${method} ${path}: placeholder "string" in ${text.slice(0, 300)}`);
    const res = await fetch(`${server.url}${path.replace('{task_id}', '0')}`, { method: method.toUpperCase(), headers: { 'Content-Type': 'application/json' }, body: text });
    if (res.status === 422 || res.status === 400 || res.status >= 500 && res.status !== 501 && res.status !== 503) {
      problems.push(`${spec} ${method} ${path}: ${res.status} ${(await res.text()).slice(0, 400)}`);
    } else await res.arrayBuffer();
  }
  assert.deepEqual(problems, []);
  await server.composed.runner.onIdle();
});
