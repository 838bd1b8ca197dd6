/**
 * 5000+ malformed requests across every operation of both specs (test/fixtures/malformed-requests.ts),
 * from a fixed seed: no 5xx, no crash, and no task created by a refused request. The only 503s
 * allowed are the tools' "model not installed" answers, which name the folder.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { buildOperationIndex } from '../../src/openapi/operation-index.ts';
import { loadApiDocument } from '../../src/openapi/openapi-document.ts';
import { OPENAPI_DIR } from '../../src/server/compose-server.ts';
import { taskCount } from '../fixtures/api-client.ts';
import { malformedRequest, seededRandom, type MalformedRequest } from '../fixtures/malformed-requests.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const REQUESTS = 5200;
const TOOL_OPERATIONS = new Set(['generateMask', 'describeImage']);

let server: TestServer;
before(async () => {
  // The scripted engine runs every mode, so only input checks can refuse a request.
  server = await startTestServer({
    config: { queueSize: 0 },
    overrides: {
      supportedModes: ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint', 'Image Prompt'],
      supportedImagePromptTypes: ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'],
    },
  });
});
after(async () => server.close());

async function send(request: MalformedRequest): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: res.status, text: await res.text() };
}

const GENERATION =
  /^(generate|generateNoSlash|legacy(TextToImage|Image(UpscaleVary|InpaintOutpaint|Prompt)|V2(TextToImageWithIp|Image(UpscaleVary|InpaintOutpaint|Prompt))))$/;
const IN_FLIGHT = 8;

test(`${REQUESTS} malformed requests over every operation: no 5xx, no crash, no task from a refused request`, async () => {
  const document = await loadApiDocument(OPENAPI_DIR, { defaultModel: 'test-model' });
  const operations = buildOperationIndex(document);
  const rnd = seededRandom(20261204);
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  const rowsBefore = await taskCount(server);
  let accepted = 0;
  const planned = Array.from({ length: REQUESTS }, (_, i) => {
    const op = operations[i % operations.length];
    return { i, op, request: malformedRequest(document, op, Math.floor(i / operations.length) + i, rnd) };
  });
  for (let start = 0; start < planned.length; start += IN_FLIGHT) {
    await Promise.all(
      planned.slice(start, start + IN_FLIGHT).map(async ({ i, op, request }) => {
        const where = `#${i} ${request.label} ${request.method} ${request.path.slice(0, 80)}`;
        const reply = await send(request).catch((error: unknown) => ({ status: 0, text: String(error) }));
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const isToolWithoutModel =
          reply.status === 503 && TOOL_OPERATIONS.has(op.operationId) && /models\//.test(reply.text);
        if (reply.status === 0 || (reply.status >= 500 && !isToolWithoutModel))
          problems.push(`${where} → ${reply.status} ${reply.text.slice(0, 160)}`);
        // Only a generation route that answered 2xx may have made a task (one each: no Idempotency-Key is sent).
        if (reply.status >= 200 && reply.status < 300 && request.method === 'POST' && GENERATION.test(op.operationId))
          accepted += 1;
      }),
    );
  }
  assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problems; statuses ${JSON.stringify([...statuses])}`);
  await server.composed.runner.onIdle();
  assert.equal(await taskCount(server), rowsBefore + accepted, 'tasks exist only for accepted generations');
  assert.ok(
    statuses.has(422) && statuses.has(404) && statuses.has(405),
    'the mutations reach the validator and the router',
  );
  assert.equal((await fetch(`${server.url}/ping`)).status, 200, 'the server still answers');
});
