/**
 * Legacy job lifecycle over real HTTP: live progress and step previews in query-job, stop (running
 * and by job_id), job-history paging/filter/delete, the shared queue and history with the
 * all-in-one dialect, concurrent submissions, QUEUE_IS_FULL shapes, int64 seeds, clean_vram and
 * --queue-history retention.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  generateJson,
  listTasks,
  makeGate,
  OUTPUT_URL,
  waitFor,
  waitForDone,
  waitForRunning,
} from '../fixtures/api-client.ts';
import {
  jsonOf,
  LEGACY_FILE_URL,
  pollUntilDone,
  postLegacyJson,
  queryJob,
  SMALL,
  type AsyncJobResponse,
  type GeneratedImageResult,
} from '../fixtures/legacy-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  server.engine.defaultScript = { steps: 2, stepMs: 1 };
});
after(async () => server.close());

const T2I = '/v1/generation/text-to-image';

async function submitAsync(target: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  const job = await jsonOf<AsyncJobResponse>(
    await postLegacyJson(target, T2I, { ...SMALL, ...body, async_process: true }),
  );
  return job.job_id;
}

describe('query-job while a job runs', () => {
  test('shows RUNNING with live progress and status, the step preview only when asked (either spelling)', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const jobId = await submitAsync(server);
    await waitForRunning(server);
    await waitFor('a step preview', async () =>
      (await queryJob(server, jobId, 'require_step_preview=true')).body.job_step_preview ? true : undefined,
    );
    const plain = await queryJob(server, jobId, 'require_step_preview=false');
    assert.equal(plain.body.job_stage, 'RUNNING');
    assert.ok(plain.body.job_progress > 0 && plain.body.job_progress < 100, String(plain.body.job_progress));
    assert.match(String(plain.body.job_status), /Sampling step 1\/3/);
    assert.equal(plain.body.job_step_preview, null);
    assert.equal(plain.body.job_result, null);
    for (const query of ['require_step_preview=true', 'require_step_preivew=true']) {
      const { body } = await queryJob(server, jobId, query);
      assert.ok(body.job_step_preview && !body.job_step_preview.startsWith('data:'), query);
      assert.equal(Buffer.from(body.job_step_preview, 'base64').subarray(1, 4).toString('latin1'), 'PNG', query);
    }
    gate.open();
    assert.equal((await pollUntilDone(server, jobId)).job_stage, 'SUCCESS');
  });

  test('the newest step preview survives a later text-only update and is kept after completion', async () => {
    const saving = makeGate();
    server.engine.script({ steps: 2, stepMs: 1, saving: { gate: saving.promise } });
    const jobId = await submitAsync(server);
    await waitFor('the saving update', async () =>
      (await queryJob(server, jobId)).body.job_status?.startsWith('Saving image') ? true : undefined,
    );
    const running = await queryJob(server, jobId, 'require_step_preview=true');
    assert.equal(running.body.job_stage, 'RUNNING');
    assert.ok(running.body.job_step_preview, 'the step preview is still there after "Saving image"');
    const taskRes = await fetch(`${server.url}/tasks/${jobId}`);
    assert.equal(
      ((await taskRes.json()) as { preview: string | null }).preview,
      running.body.job_step_preview,
      '/tasks/{id} shows the same preview',
    );
    saving.open();
    assert.equal((await pollUntilDone(server, jobId)).job_stage, 'SUCCESS');
    const done = await queryJob(server, jobId, 'require_step_preview=true');
    assert.equal(done.body.job_step_preview, running.body.job_step_preview, 'kept after completion (contract §5.2)');
  });

  test('a pending job shows WAITING with progress 0', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const first = await submitAsync(server);
    await waitForRunning(server);
    const second = await submitAsync(server);
    const { body } = await queryJob(server, second);
    assert.equal(body.job_stage, 'WAITING');
    assert.equal(body.job_progress, 0);
    gate.open();
    await pollUntilDone(server, first);
    await pollUntilDone(server, second);
  });

  test('a failed job shows ERROR with the error text in job_status and a null result', async () => {
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'the UNet exploded' } });
    const jobId = await submitAsync(server);
    const done = await pollUntilDone(server, jobId);
    assert.equal(done.job_stage, 'ERROR');
    assert.match(String(done.job_status), /the UNet exploded/);
    assert.equal(done.job_result, null);
  });

  test('a failed synchronous job answers 200 []', async () => {
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'boom' } });
    assert.deepEqual(await jsonOf<unknown>(await postLegacyJson(server, T2I, SMALL)), []);
  });

  test('a failed binary job answers 500', async () => {
    server.engine.script({ steps: 1, fail: { kind: 'runtime-failure', message: 'boom' } });
    const res = await postLegacyJson(server, T2I, SMALL, { Accept: 'image/png' });
    assert.equal(res.status, 500);
    await res.arrayBuffer();
  });
});

describe('stop', () => {
  test('without job_id stops the running job; it ends with the images made so far', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const jobId = await submitAsync(server);
    const running = await waitForRunning(server);
    const res = await fetch(`${server.url}/v1/generation/stop`, { method: 'POST' });
    assert.deepEqual(await res.json(), { msg: 'success' });
    assert.deepEqual(server.engine.controls.at(-1), { jobId: running, action: 'stop' });
    gate.open();
    const done = await pollUntilDone(server, jobId);
    assert.equal(done.job_stage, 'SUCCESS');
    assert.deepEqual(done.job_result, []);
  });

  test('?job_id= cancels a pending job and leaves the running one alone', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const running = await submitAsync(server);
    await waitForRunning(server);
    const pending = await submitAsync(server);
    const res = await fetch(`${server.url}/v1/generation/stop?job_id=${pending}`, { method: 'POST' });
    assert.deepEqual(await res.json(), { msg: 'success' });
    const cancelled = await server.composed.service.get(pending);
    assert.equal(cancelled.status, 'cancelled');
    // As a v0.5 stop: the job ends SUCCESS with the images made before it (none).
    const stopped = (await queryJob(server, pending)).body;
    assert.deepEqual([stopped.job_stage, stopped.job_result], ['SUCCESS', []]);
    gate.open();
    const done = await pollUntilDone(server, running);
    assert.equal(done.job_stage, 'SUCCESS');
    assert.equal(done.job_result?.length, 1);
  });

  test('?job_id= of an unknown job answers the legacy 404 job-shaped body', async () => {
    const res = await fetch(`${server.url}/v1/generation/stop?job_id=00000000-0000-4000-8000-000000000000`, {
      method: 'POST',
    });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as AsyncJobResponse).job_type, 'Not Found');
  });
});

describe('job-history', () => {
  test('pages only when page or page_size is sent; job_id filters; both id forms are accepted', async () => {
    const ids = [await submitAsync(server), await submitAsync(server), await submitAsync(server)];
    for (const id of ids) await pollUntilDone(server, id);
    const all = await jsonOf<{ history: { job_id: string }[] }>(await fetch(`${server.url}/v1/generation/job-history`));
    assert.deepEqual(
      all.history.slice(-3).map((h) => h.job_id),
      ids,
    );
    const paged = await jsonOf<{ history: { job_id: string }[] }>(
      await fetch(`${server.url}/v1/generation/job-history?page=1&page_size=2`),
    );
    assert.deepEqual(paged.history, all.history.slice(2, 4));
    const sized = await jsonOf<{ history: unknown[] }>(
      await fetch(`${server.url}/v1/generation/job-history?page_size=1`),
    );
    assert.equal(sized.history.length, 1);
    const filtered = await jsonOf<{ queue: unknown[]; history: { job_id: string }[] }>(
      await fetch(`${server.url}/v1/generation/job-history?job_id=${ids[1].replace(/-/g, '')}`),
    );
    assert.deepEqual(filtered.queue, []);
    assert.deepEqual(
      filtered.history.map((h) => h.job_id),
      [ids[1]],
    );
  });

  test('delete=true&job_id= removes the job and its files, then answers Not found', async () => {
    const [result] = await jsonOf<GeneratedImageResult[]>(await postLegacyJson(server, T2I, SMALL));
    const jobId = LEGACY_FILE_URL.exec(String(result.url))?.[1] ?? '';
    assert.equal((await fetch(String(result.url))).status, 200);
    const deleted = await jsonOf<unknown>(
      await fetch(`${server.url}/v1/generation/job-history?job_id=${jobId}&delete=true`),
    );
    assert.deepEqual(deleted, { message: 'Deleted' });
    assert.equal((await fetch(String(result.url))).status, 404);
    assert.equal((await queryJob(server, jobId)).status, 404);
    const again = await jsonOf<unknown>(
      await fetch(`${server.url}/v1/generation/job-history?job_id=${jobId}&delete=true`),
    );
    assert.deepEqual(again, { message: 'Not found' });
  });

  test('a pending job is listed in queue with is_finished false', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const jobId = await submitAsync(server);
    await waitForRunning(server);
    const body = await jsonOf<{ queue: { job_id: string; is_finished: boolean }[] }>(
      await fetch(`${server.url}/v1/generation/job-history`),
    );
    assert.deepEqual(
      body.queue.map((q) => [q.job_id, q.is_finished]),
      [[jobId, false]],
    );
    gate.open();
    await pollUntilDone(server, jobId);
  });
});

describe('one queue and one history for both dialects', () => {
  test('a legacy job appears in /tasks with its dashed id and /outputs URLs', async () => {
    const [result] = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, T2I, { prompt: 'cross legacy', ...SMALL }),
    );
    const jobId = LEGACY_FILE_URL.exec(String(result.url))?.[1] ?? '';
    const { history } = await listTasks(server, 'query=history&page_size=1');
    assert.equal(history[0].task_id, jobId);
    const [url] = history[0].result as string[];
    assert.equal(url, `${server.url}/outputs/${String(result.url).split('/files/')[1]}`);
    assert.equal((await fetch(url)).status, 200);
  });

  test('an all-in-one task appears in query-job with /files URLs, its mode as job_type and per-image string seeds', async () => {
    const row = await generateJson<{ task_id: string; result: string[] }>(server, {
      ...SMALL,
      image_number: 2,
      image_seed: 777,
    });
    assert.match(row.result[0], OUTPUT_URL);
    const { status, body } = await queryJob(server, row.task_id);
    assert.equal(status, 200);
    assert.equal(body.job_id, row.task_id);
    assert.equal(body.job_type, 'Text to Image');
    assert.equal(body.job_stage, 'SUCCESS');
    assert.deepEqual(
      body.job_result?.map((r) => r.seed),
      ['777', '778'],
    );
    assert.deepEqual(
      body.job_result?.map((r) => r.url),
      row.result.map((u) => u.replace('/outputs/', '/files/')),
    );
    const dashed = row.task_id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    assert.deepEqual((await queryJob(server, dashed)).body, body);
  });

  test('concurrent submissions (8 at once) keep job-queue and query-job consistent', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const before = await jsonOf<{ finished_size: number }>(await fetch(`${server.url}/v1/generation/job-queue`));
    const ids = await Promise.all(
      Array.from({ length: 8 }, (_, i) => submitAsync(server, { prompt: `concurrent ${i}` })),
    );
    assert.equal(new Set(ids).size, 8);
    await waitForRunning(server);
    const during = await jsonOf<{ running_size: number; finished_size: number; last_job_id: string }>(
      await fetch(`${server.url}/v1/generation/job-queue`),
    );
    assert.equal(during.running_size, 8);
    assert.equal(during.finished_size, before.finished_size);
    assert.ok(ids.includes(during.last_job_id));
    const stages = await Promise.all(ids.map(async (id) => (await queryJob(server, id)).body.job_stage));
    assert.equal(stages.filter((s) => s === 'RUNNING').length, 1);
    assert.equal(stages.filter((s) => s === 'WAITING').length, 7);
    gate.open();
    for (const id of ids) assert.equal((await pollUntilDone(server, id)).job_stage, 'SUCCESS');
    const afterAll = await jsonOf<{ running_size: number; finished_size: number }>(
      await fetch(`${server.url}/v1/generation/job-queue`),
    );
    assert.equal(afterAll.running_size, 0);
    assert.equal(afterAll.finished_size, before.finished_size + 8);
  });
});

describe('seeds', () => {
  test('seeds above 2^53 round-trip exactly as strings (JSON number and digit string)', async () => {
    const raw = `{"aspect_ratios_selection":"256*256","image_number":2,"image_seed":9007199254740993}`;
    const results = await jsonOf<GeneratedImageResult[]>(await postLegacyJson(server, T2I, raw));
    assert.deepEqual(
      results.map((r) => r.seed),
      ['9007199254740993', '9007199254740994'],
    );
    const fromString = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, T2I, { ...SMALL, image_seed: '9223372036854775806' }),
    );
    assert.deepEqual(
      fromString.map((r) => r.seed),
      ['9223372036854775806'],
    );
  });
});

describe('base64 results', () => {
  test('raw form (default) is the base64 of a PNG even when the image was saved as jpg', async () => {
    server.engine.script({ steps: 1, format: 'jpeg' });
    const [result] = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, T2I, { ...SMALL, require_base64: true, save_extension: 'jpg' }),
    );
    assert.match(String(result.url), /\.jpg$/);
    assert.equal(Buffer.from(String(result.base64), 'base64').subarray(1, 4).toString('latin1'), 'PNG');
  });

  test('--legacy-base64 data-uri gives v0.5 data URIs in the saved format, in sync replies and query-job', async () => {
    const v05 = await startTestServer({ config: { legacyBase64: 'data-uri' } });
    try {
      const [result] = await jsonOf<GeneratedImageResult[]>(
        await postLegacyJson(v05, T2I, { ...SMALL, require_base64: true }),
      );
      assert.match(String(result.base64), /^data:image\/png;base64,iVBOR/);
      v05.engine.script({ steps: 1, format: 'jpeg' });
      const jobId = await submitAsync(v05, { require_base64: true, save_extension: 'jpg' });
      const done = await pollUntilDone(v05, jobId);
      assert.match(String(done.job_result?.[0].base64), /^data:image\/jpeg;base64,\/9j\//);
    } finally {
      await v05.close();
    }
  });
});

describe('clean_vram', () => {
  test('answers {"message": "ok"} after the engine released its sessions', async () => {
    const releases = server.engine.releases;
    const body = await jsonOf<unknown>(await fetch(`${server.url}/v1/engines/clean_vram`));
    assert.deepEqual(body, { message: 'ok' });
    assert.equal(server.engine.releases, releases + 1);
  });
});

describe('queue full (--queue-size 1)', () => {
  test('answers the original QUEUE_IS_FULL shapes: 200 list (sync), 200 job (async), 409 text (binary); all-in-one 503', async () => {
    const small = await startTestServer({ config: { queueSize: 1 } });
    try {
      const gate = makeGate();
      small.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
      const first = await submitAsync(small);
      await waitForRunning(small);
      assert.deepEqual(await jsonOf<unknown>(await postLegacyJson(small, T2I, SMALL)), [
        { base64: null, url: null, seed: '', finish_reason: 'QUEUE_IS_FULL' },
      ]);
      assert.deepEqual(await jsonOf<unknown>(await postLegacyJson(small, T2I, { ...SMALL, async_process: true })), {
        job_id: '',
        job_type: 'Text to Image',
        job_stage: 'ERROR',
        job_progress: 0,
        job_status: null,
        job_step_preview: null,
        job_result: [{ base64: null, url: null, seed: '', finish_reason: 'QUEUE_IS_FULL' }],
      });
      const binary = await postLegacyJson(small, T2I, SMALL, { Accept: 'image/png' });
      assert.equal(binary.status, 409);
      assert.equal(await binary.text(), 'QUEUE_IS_FULL');
      const binaryAsync = await postLegacyJson(small, `${T2I}?accept=image/png`, { ...SMALL, async_process: true });
      assert.equal(binaryAsync.status, 409);
      await binaryAsync.arrayBuffer();
      const allInOne = await fetch(`${small.url}/v1/engine/generate/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(SMALL),
      });
      assert.equal(allInOne.status, 503);
      await allInOne.arrayBuffer();
      assert.equal(await small.composed.service.count({}), 1, 'rejected jobs are not recorded');
      gate.open();
      await pollUntilDone(small, first);
    } finally {
      await small.close();
    }
  });
});

describe('retention (--queue-history 2)', () => {
  test('keeps the newest 2 finished jobs of both dialects, deleting older rows and their files', async () => {
    const kept = await startTestServer({ config: { queueHistory: 2 } });
    try {
      kept.engine.defaultScript = { steps: 1, stepMs: 1 };
      const [oldest] = await jsonOf<GeneratedImageResult[]>(await postLegacyJson(kept, T2I, SMALL));
      const middle = await generateJson<{ task_id: string; result: string[] }>(kept, { ...SMALL });
      const [newest] = await jsonOf<GeneratedImageResult[]>(await postLegacyJson(kept, T2I, SMALL));
      const oldestId = LEGACY_FILE_URL.exec(String(oldest.url))?.[1] ?? '';
      await waitFor('retention', async () => (await kept.composed.service.find(oldestId)) === null);
      await waitForDone(kept, middle.task_id);
      assert.equal((await fetch(String(oldest.url))).status, 404);
      assert.equal((await fetch(middle.result[0])).status, 200);
      assert.equal((await fetch(String(newest.url))).status, 200);
      const history = await jsonOf<{ history: { job_id: string }[] }>(
        await fetch(`${kept.url}/v1/generation/job-history`),
      );
      assert.deepEqual(
        history.history.map((h) => h.job_id),
        [middle.task_id, LEGACY_FILE_URL.exec(String(newest.url))?.[1]],
      );
    } finally {
      await kept.close();
    }
  });
});
