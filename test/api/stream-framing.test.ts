import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  examplePageParse,
  OUTPUT_URL,
  rawRequest,
  SMALL,
  waitFor,
  waitForDone,
  type RawReply,
} from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

const EVENT = /data: (\{[^\r\n]*\})\r\ndata: \r\n\r\n/g;

function streamGenerate(body: Record<string, unknown>): Promise<RawReply> {
  return rawRequest(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: '*/*' },
    body: JSON.stringify({ ...SMALL, stream_output: true, ...body }),
  });
}

/** The JSON texts of every event, after checking the whole body is nothing but framed events. */
function eventTexts(text: string): string[] {
  const texts = [...text.matchAll(EVENT)].map((m) => m[1]);
  assert.equal(
    text.replace(EVENT, ''),
    '',
    `bytes outside the data: framing: ${JSON.stringify(text.replace(EVENT, '').slice(0, 200))}`,
  );
  return texts;
}

test('frames each event as "data: {json}\\r\\ndata: \\r\\n\\r\\n" with Python json.dumps separators and key order', async () => {
  server.engine.script({ steps: 5, stepMs: 50 });
  const reply = await streamGenerate({});
  assert.equal(reply.status, 200);
  assert.equal(reply.headers['content-type'], 'text/event-stream; charset=utf-8');
  assert.equal(reply.headers['cache-control'], 'no-store');
  assert.equal(reply.headers['x-accel-buffering'], 'no');
  const texts = eventTexts(reply.text);
  assert.ok(texts.length >= 3, `only ${texts.length} events`);
  for (const text of texts) {
    // Python's default separators, and the keys in FooocusAPI's order.
    assert.match(
      text,
      /^\{"progress": \d+, "preview": (null|"data:image\/png;base64,[A-Za-z0-9+/=]+"), "message": "[^"]*", "images": \[.*\]\}$/,
    );
    const skeleton = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    assert.doesNotMatch(skeleton, /:[^ ]|,[^ ]/, `separators outside strings are ", " and ": ": ${skeleton}`);
  }
  const events = texts.map(
    (t) => JSON.parse(t) as { progress: number; preview: string | null; message: string; images: string[] },
  );
  const final = events.at(-1)!;
  for (const event of events.slice(0, -1)) {
    assert.deepEqual(event.images, [], 'non-final events carry images: []');
    assert.notEqual(event.message, 'Finished');
  }
  assert.ok(
    events.some((e) => e.preview?.startsWith('data:image/png;base64,')),
    'a sampling step carries a data-URI preview',
  );
  const progress = events.map((e) => e.progress);
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress never goes down',
  );
  assert.deepEqual(Object.keys(final), ['progress', 'preview', 'message', 'images']);
  assert.equal(final.progress, 100);
  assert.equal(final.preview, null);
  assert.equal(final.message, 'Finished');
  assert.equal(final.images.length, 1);
  assert.match(final.images[0], OUTPUT_URL);
  assert.equal(
    texts.at(-1),
    `{"progress": 100, "preview": null, "message": "Finished", "images": ["${final.images[0]}"]}`,
  );
});

test('every network read parses with the example page parser (paced: one event per read, at most one per 200 ms, final event alone)', async () => {
  server.engine.script({ steps: 8, stepMs: 40 });
  const reply = await streamGenerate({ image_number: 1 });
  assert.equal(reply.status, 200);
  assert.ok(reply.chunks.length >= 2, `only ${reply.chunks.length} reads`);
  const parsed = reply.chunks.map((chunk, i) => {
    try {
      return examplePageParse(chunk);
    } catch (error) {
      assert.fail(
        `read ${i} does not parse as one JSON object: ${JSON.stringify(chunk.slice(0, 300))} (${String(error)})`,
      );
    }
  });
  for (const chunk of reply.chunks)
    assert.equal(
      [...chunk.matchAll(EVENT)].length,
      1,
      `a read holds exactly one event: ${JSON.stringify(chunk.slice(0, 120))}`,
    );
  assert.equal(parsed.at(-1)!.message, 'Finished');
  assert.equal(parsed.at(-1)!.progress, 100);
  assert.ok(parsed.slice(0, -1).every((p) => p.message !== 'Finished'));
  // Pacing: the engine steps every 40 ms, yet reads arrive ~200 ms apart (100 ms leaves room for event-loop lag in a
  // loaded test run).
  for (let i = 1; i < reply.times.length; i++) {
    assert.ok(
      reply.times[i] - reply.times[i - 1] >= 100,
      `reads ${i - 1} and ${i} only ${reply.times[i] - reply.times[i - 1]} ms apart`,
    );
  }
});

test('a failed job ends the stream with a Finished event holding images: [] and the error', async () => {
  server.engine.script({ steps: 2, stepMs: 5, fail: { kind: 'runtime-failure', message: 'out of memory' } });
  const reply = await streamGenerate({});
  assert.equal(reply.status, 200);
  const texts = eventTexts(reply.text);
  const final = JSON.parse(texts.at(-1)!) as Record<string, unknown>;
  assert.deepEqual(final, { progress: 100, preview: null, message: 'Finished', images: [], error: 'out of memory' });
  assert.match(
    texts.at(-1)!,
    /^\{"progress": 100, "preview": null, "message": "Finished", "images": \[\], "error": "out of memory"\}$/,
  );
});

test('a stream client that disconnects does not lose the task: it finishes and is recorded', async () => {
  server.engine.script({ steps: 4, stepMs: 50 });
  const before = server.engine.jobs.length;
  const controller = new AbortController();
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...SMALL, stream_output: true, prompt: 'abandoned stream' }),
    signal: controller.signal,
  });
  assert.equal(res.status, 200);
  controller.abort();
  await res.body?.cancel().catch(() => {});
  const taskId = await waitFor('the engine to start the job', () => server.engine.jobs[before]?.jobId);
  await waitForDone(server, taskId);
  const task = await server.composed.service.get(taskId);
  assert.equal(task.status, 'finished');
  assert.equal(task.result.length, 1);
});

test('a 4-step task that samples and saves within one pacing interval still streams its newest step preview', async () => {
  // The first slot goes to "Loading models"; the steps and the save then all fall into the next one.
  server.engine.script({ steps: 4, stepMs: 1, prepareMs: 20, saving: {} });
  const reply = await streamGenerate({ performance_selection: 'Lightning' });
  assert.equal(reply.status, 200);
  const events = eventTexts(reply.text).map((t) => JSON.parse(t) as { preview: string | null; message: string });
  const withPreview = events.filter((e) => e.preview !== null);
  assert.ok(withPreview.length >= 1, `no event carries a preview: ${events.map((e) => e.message).join(' | ')}`);
  assert.match(withPreview.at(-1)!.preview!, /^data:image\/png;base64,/);
  assert.equal(events.at(-1)!.preview, null, 'the final Finished event carries none');
});
