/**
 * Swagger UI's "Try it out" sends the examples the served specs carry: every JSON operation's
 * sample body (as Swagger UI builds it) must be accepted, never a 422 or a placeholder that
 * changes the result (`save_name: "string"` naming the file string-0.png).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makePng } from '../fixtures/images.ts';
import { swaggerSample } from '../fixtures/swagger-sample.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

// Specs are walked as untyped JSON here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: TestServer;
before(async () => {
  server = await startTestServer({
    overrides: {
      supportedModes: ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint', 'Image Prompt'],
      supportedImagePromptTypes: ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'],
    },
  });
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
    if (/"string"/.test(text))
      problems.push(`${spec} ${method} ${path}: placeholder "string" in ${text.slice(0, 300)}`);
    const res = await fetch(`${server.url}${path.replace('{task_id}', '0')}`, {
      method: method.toUpperCase(),
      headers: { 'Content-Type': 'application/json' },
      body: text,
    });
    if (res.status === 422 || res.status === 400 || (res.status >= 500 && res.status !== 501 && res.status !== 503)) {
      problems.push(`${spec} ${method} ${path}: ${res.status} ${(await res.text()).slice(0, 400)}`);
    } else await res.arrayBuffer();
  }
  assert.deepEqual(problems, []);
  await server.composed.runner.onIdle();
});

test("every multipart operation accepts the form Swagger UI's Try it out fills in, with an image in each file field", async () => {
  const png = await makePng(16, 16, [120, 120, 120, 255]);
  const problems: string[] = [];
  const doc = (await (await fetch(`${server.url}/openapi/legacy.json`)).json()) as Json;
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      const schema = op.requestBody?.content?.['multipart/form-data']?.schema;
      if (!schema) continue;
      const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()] : schema;
      const form = new FormData();
      for (const [name, property] of Object.entries(resolved.properties as Record<string, Json>)) {
        if (property.format === 'binary') {
          form.append(name, new Blob([Buffer.from(png)]), `${name}.png`);
          continue;
        }
        const value = swaggerSample(property, doc.components.schemas);
        if (value === 'string') problems.push(`${path} ${name}: placeholder "string"`);
        for (const item of Array.isArray(value) ? value : [value])
          if (item !== '' && item !== null) form.append(name, String(item));
      }
      const res = await fetch(`${server.url}${path}`, { method: method.toUpperCase(), body: form });
      if (res.status === 422 || res.status === 400)
        problems.push(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 400)}`);
      else await res.arrayBuffer();
    }
  }
  assert.deepEqual(problems, []);
  await server.composed.runner.onIdle();
});
