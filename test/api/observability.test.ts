/** /metrics after generations, queue positions and ETAs, the resumable events stream, and demo honesty. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  generateJson,
  makeGate,
  rawRequest,
  SMALL,
  waitFor,
  waitForDone,
  waitForRunning,
} from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

/** One sample's value from the Prometheus text, by metric name and exact label set (`{a="b",...}` or ''). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function submitAsync(server: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  return (await generateJson<{ task_id: string }>(server, { async_process: true, ...body })).task_id;
}

describe('metrics and queue', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('/metrics shows a finished task by status, dialect and mode, its durations and the step rate', async () => {
    server.engine.script({ steps: 6, stepMs: 15 });
    await generateJson(server, { prompt: 'measured' });
    const res = await fetch(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.equal(
      sample(text, 'fooocus_tasks_finished_total', '{status="finished",dialect="all-in-one",mode="Text to Image"}'),
      1,
    );
    assert.equal(sample(text, 'fooocus_tasks', '{status="finished"}'), 1);
    assert.equal(sample(text, 'fooocus_tasks', '{status="pending"}'), 0);
    assert.equal(sample(text, 'fooocus_queue_depth', '{state="pending"}'), 0);
    assert.equal(
      sample(text, 'fooocus_task_run_seconds_count', '{status="finished",dialect="all-in-one",mode="Text to Image"}'),
      1,
    );
    assert.equal(sample(text, 'fooocus_task_wait_seconds_count', '{dialect="all-in-one",mode="Text to Image"}'), 1);
    assert.equal(sample(text, 'fooocus_sampling_steps_total'), 5, 'five step intervals timed between six steps');
    const rate = sample(text, 'fooocus_sampling_steps_per_second');
    assert.ok(rate !== undefined && rate > 1 && rate < 1000, `steps per second ${rate}`);
    assert.equal(sample(text, 'fooocus_engine_restarts_total'), 0);
    assert.equal(sample(text, 'fooocus_webhook_failures_total', '{final="true"}'), undefined);
    assert.ok(text.includes('process_cpu_seconds_total'), 'default process metrics');
  });

  test('pending tasks report their position and an ETA in /tasks, /tasks/{id}, query-job and the stream', async () => {
    const gate = makeGate();
    const firstGate = makeGate();
    server.engine.script(
      { steps: 4, stepMs: 20, gate: gate.promise },
      { steps: 4, stepMs: 20, gate: firstGate.promise },
    );
    const running = await submitAsync(server, { prompt: 'held' });
    await waitForRunning(server, running);
    const first = await submitAsync(server, { prompt: 'first' });
    const legacyAsk = await fetch(`${server.url}/v2/generation/text-to-image-with-ip`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      // Quality (60 steps), so the later ETA is larger by far more than the 0.1 s they are rounded to.
      body: JSON.stringify({ ...SMALL, async_process: true, performance_selection: 'Quality' }),
    });
    const second = ((await legacyAsk.json()) as { job_id: string }).job_id;
    try {
      const lists = (await (await fetch(`${server.url}/tasks`)).json()) as {
        pending: Record<string, unknown>[];
        current: Record<string, unknown>[];
      };
      assert.deepEqual(
        lists.pending.map((r) => [r.task_id, r.queue_position]),
        [
          [first, 1],
          [second, 2],
        ],
      );
      // Steps were timed by the first test: the ETAs are numbers, the later task's larger.
      const [eta1, eta2] = lists.pending.map((r) => r.eta_seconds as number);
      assert.ok(eta1 > 0 && eta2 > eta1, `etas ${eta1}, ${eta2}`);
      assert.equal(typeof lists.current[0].eta_seconds, 'number');
      const one = (await (await fetch(`${server.url}/tasks/${first}`)).json()) as Record<string, unknown>;
      assert.equal(one.queue_position, 1);
      const job = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${second}`)).json()) as Record<
        string,
        unknown
      >;
      assert.equal(job.job_stage, 'WAITING');
      assert.match(String(job.job_status), /^Waiting in queue: position 2, about \d+ s$/);
      const events = rawRequest(`${server.url}/tasks/${second}/events`);
      gate.open();
      // Held long enough (several 200 ms pacing slots, also on a busy machine) for the moved-up position to be sent.
      await waitForRunning(server, first);
      await waitFor(
        'position 1',
        async () =>
          ((await (await fetch(`${server.url}/tasks/${second}`)).json()) as { queue_position?: number })
            .queue_position === 1,
      );
      await new Promise((r) => setTimeout(r, 1000));
      firstGate.open();
      const reply = await events;
      const frames = [...reply.text.matchAll(/id: (\S+)\r\ndata: (\{[^\r\n]*\})\r\n\r\n/g)].map((m) => ({
        id: m[1],
        event: JSON.parse(m[2]) as Record<string, unknown>,
      }));
      assert.match(reply.text, /^retry: 1000\r\n\r\n/);
      assert.equal(frames[0].event.queue_position, 2);
      assert.ok(
        frames.some((f) => f.event.queue_position === 1),
        'moves up when the task ahead ends',
      );
      assert.deepEqual(frames.at(-1), {
        id: 'done',
        event: {
          progress: 100,
          preview: null,
          message: 'Finished',
          images: [frames.at(-1)?.event.images as string[]][0],
        },
      });
      assert.equal((frames.at(-1)?.event.images as string[]).length, 1);
    } finally {
      gate.open();
      firstGate.open();
      await waitForDone(server, second);
    }
  });

  test('a dropped stream resumes on /tasks/{id}/events with the final event; after it, a reconnect gets 204', async () => {
    const task = await submitAsync(server, { prompt: 'resume me' });
    await waitForDone(server, task);
    const again = await rawRequest(`${server.url}/tasks/${task}/events`);
    assert.equal(again.status, 200);
    assert.match(
      again.text,
      /id: done\r\ndata: \{"progress":100,"preview":null,"message":"Finished","images":\["http[^"]+\.png"\]\}\r\n\r\n$/,
    );
    const after = await rawRequest(`${server.url}/tasks/${task}/events`, { headers: { 'Last-Event-ID': 'done' } });
    assert.equal(after.status, 204);
    const unknown = await fetch(`${server.url}/tasks/0123456789abcdef0123456789abcdef/events`);
    assert.equal(unknown.status, 404);
  });

  test('the generate stream keeps FooocusAPI keys and says the queue position in its first message', async () => {
    const reply = await rawRequest(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...SMALL, stream_output: true }),
    });
    const first = /data: (\{[^\r\n]*\})/.exec(reply.text)?.[1];
    assert.match(
      first ?? '',
      /^\{"progress": 0, "preview": null, "message": "Waiting in queue: position 1(, about \d+ s)?", "images": \[\]\}$/,
    );
  });
});

describe('demo honesty', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ hasTestModel: false, config: { isDemoModelEnabled: true } });
  });
  after(async () => server.close());

  test('/health and /v1/engines/all-models name the demo checkpoint in additive fields', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as Record<string, unknown>;
    assert.deepEqual(health.demo_models, ['tiny-sdxl-demo']);
    const models = (await (await fetch(`${server.url}/v1/engines/all-models`)).json()) as Record<string, unknown>;
    assert.deepEqual(models, {
      model_filenames: ['tiny-sdxl-demo'],
      lora_filenames: [],
      demo_model_filenames: ['tiny-sdxl-demo'],
    });
  });

  test('the served specs say the demo checkpoint is in use at the top of their description', async () => {
    for (const path of ['/openapi.json', '/openapi/all-in-one.json', '/openapi/legacy.json']) {
      const doc = (await (await fetch(`${server.url}${path}`)).json()) as { info: { description: string } };
      assert.match(doc.info.description, /^\*\*Demo model in use:\*\* .*`tiny-sdxl-demo`.*coloured noise/, path);
    }
  });

  test('stream events name the demo checkpoint: every event of /tasks/{id}/events, the waiting message of the generate stream', async () => {
    const stream = await rawRequest(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...SMALL, stream_output: true }),
    });
    assert.match(
      stream.text,
      /"message": "Waiting in queue: position 1[^"]*\(demo checkpoint 'tiny-sdxl-demo': its images are noise\)"/,
    );
    const { task_id: taskId } = await generateJson<{ task_id: string }>(server, { async_process: true });
    const events = await rawRequest(`${server.url}/tasks/${taskId}/events`);
    const payloads = [...events.text.matchAll(/data: (\{[^\r\n]*\})/g)].map(
      (m) => JSON.parse(m[1]) as Record<string, unknown>,
    );
    assert.ok(payloads.length >= 1);
    for (const event of payloads) assert.equal(event.demo_model, 'tiny-sdxl-demo');
  });
});

describe('docs pages', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('/redoc renders ReDoc over /openapi.json from a bundle served locally; ?spec= picks one dialect', async () => {
    const page = await (await fetch(`${server.url}/redoc`)).text();
    assert.match(page, /<redoc spec-url="\/openapi\.json"><\/redoc>/);
    assert.match(page, /<script src="\/redoc\/redoc\.standalone\.js"><\/script>/);
    assert.match(await (await fetch(`${server.url}/redoc?spec=legacy`)).text(), /spec-url="\/openapi\/legacy\.json"/);
    const bundle = await fetch(`${server.url}/redoc/redoc.standalone.js`);
    assert.equal(bundle.status, 200);
    assert.match(bundle.headers.get('content-type') ?? '', /javascript/);
  });

  test('/playground redirects to its folder and serves the page and its ES modules with no build step', async () => {
    const redirect = await fetch(`${server.url}/playground`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/playground/');
    const page = await fetch(`${server.url}/playground/`);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<script type="module" src="app\.js"><\/script>/);
    const app = await fetch(`${server.url}/playground/app.js`);
    assert.match(app.headers.get('content-type') ?? '', /javascript/);
    assert.match(await app.text(), /^import .* from '\.\/api\.js';$/m);
  });
});
