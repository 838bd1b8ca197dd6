import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateJson, makeGate, waitForDone, waitForRunning } from '../fixtures/api-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.close());

async function control(action: string | null, path = '/v1/engine/control'): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}${action === null ? '' : `?action=${encodeURIComponent(action)}`}`, {
    method: 'POST',
    redirect: 'manual',
  });
  return { status: res.status, body: await res.json() };
}

async function submitAsync(body: Record<string, unknown> = {}): Promise<string> {
  return (await generateJson<{ task_id: string }>(server, { async_process: true, ...body })).task_id;
}

async function taskRow(taskId: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.url}/tasks/${taskId}`)).json()) as Record<string, unknown>;
}

/** Starts a task held after its first step; returns its id and the gate. */
async function heldTask(prompt = 'held') {
  const gate = makeGate();
  server.engine.script({ steps: 4, stepMs: 1, gate: gate.promise });
  const taskId = await submitAsync({ prompt });
  await waitForRunning(server, taskId);
  return { taskId, gate };
}

describe('POST /v1/engine/control', () => {
  test('answers "No task running" when idle, for stop and skip', async () => {
    await server.composed.runner.onIdle();
    assert.deepEqual(await control('stop'), { status: 200, body: { message: 'No task running' } });
    assert.deepEqual(await control('skip'), { status: 200, body: { message: 'No task running' } });
  });

  test('answers "Invalid control action" for other values (case-sensitive)', async () => {
    for (const action of ['pause', 'STOP', ''])
      assert.deepEqual(await control(action), { status: 200, body: { message: 'Invalid control action' } }, action);
  });

  test('a missing action → 422 at [query, action]', async () => {
    const { status, body } = await control(null);
    assert.equal(status, 422);
    const detail = (body as { detail: { type: string; loc: unknown[] }[] }).detail;
    assert.deepEqual(
      detail.map((d) => [d.type, d.loc]),
      [['missing', ['query', 'action']]],
    );
  });

  test('stop while running → "task stoped", and the task ends with task_status "stop"', async () => {
    const { taskId, gate } = await heldTask();
    assert.deepEqual(await control('stop'), { status: 200, body: { message: 'task stoped' } });
    gate.open();
    await waitForDone(server, taskId);
    const row = await taskRow(taskId);
    assert.equal(row.task_status, 'stop');
    assert.equal(row.progress, 100);
    assert.deepEqual(server.engine.controls.at(-1), { jobId: taskId, action: 'stop' });
  });

  test('skip while running → "task skiped", passed to the engine for that job; the task still finishes', async () => {
    const { taskId, gate } = await heldTask();
    assert.deepEqual(await control('skip'), { status: 200, body: { message: 'task skiped' } });
    assert.deepEqual(server.engine.controls.at(-1), { jobId: taskId, action: 'skip' });
    gate.open();
    await waitForDone(server, taskId);
    assert.equal((await taskRow(taskId)).task_status, 'finished');
  });

  test('the slash spelling /v1/engine/control/ is served directly', async () => {
    const { taskId, gate } = await heldTask();
    assert.deepEqual(await control('stop', '/v1/engine/control/'), { status: 200, body: { message: 'task stoped' } });
    gate.open();
    await waitForDone(server, taskId);
    assert.deepEqual(await control('stop', '/v1/engine/control/'), {
      status: 200,
      body: { message: 'No task running' },
    });
  });

  test('stop affects only the running task: a queued one runs afterwards', async () => {
    const { taskId, gate } = await heldTask();
    const queued = await submitAsync({ prompt: 'queued after stop' });
    await control('stop');
    gate.open();
    await waitForDone(server, taskId);
    await waitForDone(server, queued);
    assert.equal((await taskRow(taskId)).task_status, 'stop');
    const row = await taskRow(queued);
    assert.equal(row.task_status, 'finished');
    assert.equal((row.result as string[]).length, 1);
  });
});

describe('POST /tasks/{id}/cancel', () => {
  test('a pending task never runs and shows task_status "stop"', async () => {
    const { taskId, gate } = await heldTask();
    const pending = await submitAsync({ prompt: 'never runs' });
    const res = await fetch(`${server.url}/tasks/${pending}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { task_id: string; message: string };
    assert.equal(body.task_id, pending);
    assert.equal(typeof body.message, 'string');
    gate.open();
    await waitForDone(server, taskId);
    await server.composed.runner.onIdle();
    assert.ok(!server.engine.jobs.some((j) => j.jobId === pending), 'the engine never saw the cancelled task');
    const row = await taskRow(pending);
    assert.equal(row.task_status, 'stop');
    assert.deepEqual(row.result, []);
    assert.equal((await taskRow(taskId)).task_status, 'finished', 'the running task was not touched');
  });

  test('a running task is stopped and shows task_status "stop"', async () => {
    const { taskId, gate } = await heldTask();
    const res = await fetch(`${server.url}/tasks/${taskId}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { task_id: string }).task_id, taskId);
    gate.open();
    await waitForDone(server, taskId);
    assert.equal((await taskRow(taskId)).task_status, 'stop');
  });

  test('the dashed form of the id cancels too', async () => {
    const { taskId, gate } = await heldTask();
    const pending = await submitAsync();
    const dashed = `${pending.slice(0, 8)}-${pending.slice(8, 12)}-${pending.slice(12, 16)}-${pending.slice(16, 20)}-${pending.slice(20)}`;
    assert.equal((await fetch(`${server.url}/tasks/${dashed}/cancel`, { method: 'POST' })).status, 200);
    gate.open();
    await waitForDone(server, taskId);
    await server.composed.runner.onIdle();
    assert.equal((await taskRow(pending)).task_status, 'stop');
  });

  test('an unknown id → 404 {"detail": "Task not found"}', async () => {
    const res = await fetch(`${server.url}/tasks/ffffffffffffffffffffffffffffffff/cancel`, { method: 'POST' });
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { detail: 'Task not found' });
  });

  test('a task that already ended → 409 with a detail, as the spec declares', async () => {
    const row = await generateJson<{ task_id: string }>(server, {});
    const res = await fetch(`${server.url}/tasks/${row.task_id}/cancel`, { method: 'POST' });
    assert.equal(res.status, 409);
    const body = (await res.json()) as { detail: string };
    assert.match(body.detail, /already ended|finished/);
    assert.equal((await taskRow(row.task_id)).task_status, 'finished');
  });
});
