import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateJson, listTasks, makeGate, waitForDone, waitForRunning } from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const ROW_KEYS = [
  'id',
  'task_id',
  'req_params',
  'in_queue_mills',
  'start_mills',
  'finish_mills',
  'task_status',
  'progress',
  'webhook_url',
  'result',
  'error',
  'warnings',
].sort();
// Ours, additive: eta_seconds on the running record; queue_position and eta_seconds on pending rows.
const CURRENT_KEYS = [
  'id',
  'task_id',
  'req_params',
  'in_queue_mills',
  'start_mills',
  'finish_mills',
  'task_status',
  'progress',
  'preview',
  'webhook_url',
  'result',
  'eta_seconds',
].sort();
const PENDING_ROW_KEYS = [...ROW_KEYS, 'queue_position', 'eta_seconds'].sort();

async function submitAsync(server: TestServer, body: Record<string, unknown> = {}): Promise<string> {
  const stub = await generateJson<{ task_id: string }>(server, { async_process: true, ...body });
  return stub.task_id;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe('listing, paging and single tasks', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('history is newest first and paged by page/page_size', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(((await generateJson(server, { prompt: `paged ${i}` })) as { task_id: string }).task_id);
    const first = await listTasks(server, 'query=history&page=0&page_size=2');
    assert.deepEqual(
      first.history.map((r) => r.task_id),
      [ids[4], ids[3]],
    );
    assert.deepEqual(first.current, []);
    assert.deepEqual(first.pending, []);
    const second = await listTasks(server, 'query=history&page=1&page_size=2');
    assert.deepEqual(
      second.history.map((r) => r.task_id),
      [ids[2], ids[1]],
    );
    for (const row of first.history) assert.deepEqual(Object.keys(row).sort(), ROW_KEYS);
    const all = await listTasks(server);
    assert.deepEqual(Object.keys(all).sort(), ['current', 'history', 'pending']);
    assert.equal(all.history.length, 5, 'page_size defaults to 10');
  });

  test('an unknown query value gives three empty lists', async () => {
    assert.deepEqual(await listTasks(server, 'query=everything'), { history: [], current: [], pending: [] });
  });

  test('GET /tasks/{id} returns the finished row; the dashed uuid form of the id finds it too', async () => {
    const row = (await generateJson(server, { prompt: 'find me' })) as { task_id: string };
    const byHex = (await (await fetch(`${server.url}/tasks/${row.task_id}`)).json()) as Record<string, unknown>;
    assert.deepEqual(byHex, row);
    const hex = row.task_id;
    const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const res = await fetch(`${server.url}/tasks/${dashed}`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), row);
  });

  test('GET /tasks/{unknown id} → 404 {"detail": "Task not found"}', async () => {
    const res = await fetch(`${server.url}/tasks/0123456789abcdef0123456789abcdef`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: 'Task not found' });
  });

  test('while running: current record (id -1, running, raw base64 preview), pending in queue order, running row in history', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    const running = await submitAsync(server, { prompt: 'held' });
    await waitForRunning(server, running);
    const p1 = await submitAsync(server, { prompt: 'waiting 1' });
    const p2 = await submitAsync(server, { prompt: 'waiting 2' });
    try {
      const current = (await (await fetch(`${server.url}/tasks/${running}`)).json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(current).sort(), CURRENT_KEYS);
      assert.equal(current.id, -1);
      assert.equal(current.task_id, running);
      assert.equal(current.task_status, 'running');
      assert.equal(current.finish_mills, -1);
      assert.equal(current.webhook_url, '');
      assert.deepEqual(current.result, []);
      assert.equal((current.req_params as { prompt: string }).prompt, 'held');
      assert.equal(typeof current.preview, 'string');
      const preview = Buffer.from(current.preview as string, 'base64');
      assert.ok(!(current.preview as string).startsWith('data:'), 'no data: prefix on /tasks previews');
      assert.equal(preview.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok((current.progress as number) > 0);

      const all = await listTasks(server);
      assert.deepEqual(
        all.current.map((c) => c.task_id),
        [running],
      );
      assert.deepEqual(
        all.pending.map((r) => r.task_id),
        [p1, p2],
        'pending is in queue order',
      );
      for (const row of all.pending) {
        assert.equal(row.task_status, null);
        assert.equal(row.progress, null);
        assert.deepEqual(Object.keys(row).sort(), PENDING_ROW_KEYS);
      }
      assert.deepEqual(
        all.pending.map((r) => r.queue_position),
        [1, 2],
      );
      const runningRow = all.history.find((r) => r.task_id === running);
      assert.ok(runningRow, 'the running task is also in history');
      assert.equal(runningRow.task_status, null);
      assert.ok(!all.history.some((r) => r.task_id === p1), 'pending tasks are not in history');

      assert.deepEqual(
        (await listTasks(server, 'query=current')).current.map((c) => c.task_id),
        [running],
      );
      const pendingOnly = await listTasks(server, 'query=pending&page=1&page_size=1');
      assert.deepEqual(
        pendingOnly.pending.map((r) => r.task_id),
        [p2],
      );
      assert.deepEqual(pendingOnly.history, []);
      assert.deepEqual(pendingOnly.current, []);
      const pendingRow = (await (await fetch(`${server.url}/tasks/${p1}`)).json()) as Record<string, unknown>;
      assert.equal(pendingRow.task_status, null);
      assert.equal(pendingRow.start_mills, null);
    } finally {
      gate.open();
    }
    for (const id of [running, p1, p2]) await waitForDone(server, id);
    const done = (await (await fetch(`${server.url}/tasks/${running}`)).json()) as Record<string, unknown>;
    assert.equal(done.task_status, 'finished');
    assert.ok((done.id as number) > 0);
    assert.deepEqual((await listTasks(server, 'query=current')).current, []);
  });

  test('page_size 0 is a 422 naming page_size (the original answered 500)', async () => {
    const res = await fetch(`${server.url}/tasks?page_size=0`);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { detail: { loc: unknown[] }[] };
    assert.deepEqual(body.detail[0].loc, ['query', 'page_size']);
  });
});

describe('time filters and deletion', () => {
  let server: TestServer;
  // A controllable clock: tasks are accepted at known local times.
  let clock = new Date(2024, 2, 1, 10, 0, 0).getTime();
  const at = (h: number, m: number, s = 0) => new Date(2024, 2, 1, h, m, s).getTime();
  before(async () => {
    server = await startTestServer({ overrides: { now: () => clock } });
  });
  after(async () => server.close());

  const ids: Record<string, string> = {};
  const rows: Record<string, { result: string[] }> = {};

  test('start_at/end_at select tasks by acceptance time (local, leading YYYY-MM-DDTHH:MM:SS)', async () => {
    for (const [name, time] of [
      ['ten', at(10, 0)],
      ['eleven', at(11, 0)],
      ['noon', at(12, 0)],
    ] as const) {
      clock = time;
      const row = (await generateJson(server, { prompt: name })) as { task_id: string; result: string[] };
      ids[name] = row.task_id;
      rows[name] = row;
    }
    clock = at(13, 0);
    const range = await listTasks(server, 'start_at=2024-03-01T10:30:00&end_at=2024-03-01T11:30:00');
    assert.deepEqual(
      range.history.map((r) => r.task_id),
      [ids.eleven],
    );
    // Fraction and timezone suffix are ignored: only the leading seconds-precision part counts.
    const withSuffix = await listTasks(
      server,
      `start_at=${encodeURIComponent('2024-03-01T10:00:00.999+05:00')}&end_at=${encodeURIComponent('2024-03-01T11:00:00Z')}`,
    );
    assert.deepEqual(withSuffix.history.map((r) => r.task_id).sort(), [ids.ten, ids.eleven].sort());
  });

  test('end_at defaults to now (not the server start time)', async () => {
    clock = at(13, 0);
    const open = await listTasks(server, 'start_at=2024-03-01T10:30:00');
    assert.deepEqual(open.history.map((r) => r.task_id).sort(), [ids.eleven, ids.noon].sort());
    clock = at(11, 30);
    const earlier = await listTasks(server, 'start_at=2024-03-01T10:30:00');
    assert.deepEqual(
      earlier.history.map((r) => r.task_id),
      [ids.eleven],
    );
    clock = at(13, 0);
  });

  test('a malformed end_at → 422 naming query.end_at', async () => {
    const res = await fetch(`${server.url}/tasks?start_at=2024-03-01T10:30:00&end_at=yesterday`);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { detail: { loc: unknown[]; input: unknown }[] };
    assert.deepEqual(body.detail[0].loc, ['query', 'end_at']);
    assert.equal(body.detail[0].input, 'yesterday');
  });

  test('action=delete without a range deletes nothing and answers null', async () => {
    const res = await fetch(`${server.url}/tasks?action=delete`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'null');
    assert.equal((await listTasks(server, 'query=history')).history.length, 3);
  });

  test('action=delete with a range deletes those rows and their output files, answers null, keeps the rest', async () => {
    const filesOf = (name: string) =>
      rows[name].result.map((url) => join(server.root, 'outputs', ...new URL(url).pathname.split('/').slice(2)));
    for (const name of ['ten', 'eleven', 'noon'])
      for (const file of filesOf(name)) assert.ok(await exists(file), `${file} exists before`);
    const res = await fetch(
      `${server.url}/tasks?action=DELETE&start_at=2024-03-01T09:00:00&end_at=2024-03-01T11:30:00`,
    );
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'null');
    const left = (await listTasks(server, 'query=history')).history.map((r) => r.task_id);
    assert.deepEqual(left, [ids.noon]);
    for (const name of ['ten', 'eleven']) {
      for (const file of filesOf(name)) assert.equal(await exists(file), false, `${file} was deleted`);
      assert.equal((await fetch(`${server.url}/tasks/${ids[name]}`)).status, 404);
      assert.equal((await fetch(rows[name].result[0])).status, 404);
    }
    for (const file of filesOf('noon')) assert.ok(await exists(file), 'files of tasks outside the range are kept');
  });

  test('the range also filters pending tasks out of the delete: a queued task survives', async () => {
    const gate = makeGate();
    server.engine.script({ steps: 3, stepMs: 1, gate: gate.promise });
    clock = at(14, 0);
    const running = await submitAsync(server, { prompt: 'running' });
    await waitForRunning(server, running);
    const pending = await submitAsync(server, { prompt: 'pending' });
    try {
      const res2 = await fetch(
        `${server.url}/tasks?action=delete&start_at=2024-03-01T13:30:00&end_at=2024-03-01T15:00:00`,
      );
      assert.equal(await res2.text(), 'null');
      assert.equal((await fetch(`${server.url}/tasks/${pending}`)).status, 200, 'pending task kept');
      assert.equal((await fetch(`${server.url}/tasks/${running}`)).status, 200, 'running task kept');
    } finally {
      gate.open();
    }
    await waitForDone(server, running);
    await waitForDone(server, pending);
  });
});

describe('no absolute server path reaches a client', () => {
  test('an engine error naming a model file by its full path is stored and shown relative to the models folder', async () => {
    const server = await startTestServer();
    try {
      const modelsDir = join(server.root, 'models');
      server.engine.script({
        fail: {
          kind: 'model-missing',
          message: `checkpoint 'x' at ${modelsDir}/checkpoints/x is incomplete; missing unet/model.onnx`,
        },
      });
      const row = await generateJson<{ error: string; warnings: string[] }>(server, {});
      assert.equal(row.error, "checkpoint 'x' at models/checkpoints/x is incomplete; missing unet/model.onnx");
      const listed = await listTasks(server, 'query=history');
      assert.ok(!JSON.stringify(listed).includes(server.root), 'no server path in /tasks');
    } finally {
      await server.close();
    }
  });
});
