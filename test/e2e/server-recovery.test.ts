/**
 * Crash safety with the real server process and engine child (DECISIONS §2): the queue survives
 * kill -9 of the whole process group, an engine crash is survived mid-task, and killing the gateway
 * leaves no engine process behind.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { childPids, isAlive, startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

interface Row {
  id: number;
  task_id: string;
  task_status: string | null;
  start_mills: number | null;
  finish_mills: number | null;
  result: string[];
}

let root: string;
const running: ServerProcess[] = [];

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-recovery-'));
});
after(async () => {
  for (const server of running) await server.stop();
  await rm(root, { recursive: true, force: true });
});

async function start(dataName: string): Promise<ServerProcess> {
  const server = await startServerProcess(['--data-dir', join(root, dataName), '--models-dir', join(root, 'models')]);
  running.push(server);
  return server;
}

async function submit(server: ServerProcess, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ async_process: true, ...body }),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { task_id: string }).task_id;
}

const getTask = async (server: ServerProcess, id: string) =>
  (await (await fetch(`${server.url}/tasks/${id}`)).json()) as Row;
const currentTaskId = async (server: ServerProcess) =>
  ((await (await fetch(`${server.url}/tasks?query=current`)).json()) as { current: { task_id: string }[] }).current[0]
    ?.task_id;

// Long enough (about a second per task on the tiny checkpoint) for a kill to land mid-task, no longer.
const twoImages = {
  image_number: 2,
  aspect_ratios_selection: '512*512',
  performance_selection: 'Speed',
  overwrite_step: 12,
};

test('after kill -9 of the whole process group every accepted task finishes, in submission order, with its files and no duplicates', async () => {
  const first = await start('group-kill');
  const ids: string[] = [];
  for (let i = 0; i < 5; i++)
    ids.push(await submit(first, { ...twoImages, prompt: `task ${i}`, image_seed: 1000 + i }));
  await waitFor(
    'the second task to run',
    async () => ((await currentTaskId(first)) === ids[1] ? true : undefined),
    60_000,
    20,
  );
  const pids = [first.process.pid!, ...childPids(first.process.pid!)];
  await first.killGroup();
  await waitFor(
    'every process of the group to be gone',
    () => (pids.every((pid) => !isAlive(pid)) ? true : undefined),
    5000,
  );

  const second = await start('group-kill');
  const rows = await waitFor(
    'all tasks to finish after the restart',
    async () => {
      const all = await Promise.all(ids.map((id) => getTask(second, id)));
      return all.every((r) => r.task_status === 'finished') ? all : undefined;
    },
    120_000,
    250,
  );
  for (const row of rows) assert.equal(row.result.length, 2, `task ${row.task_id} has exactly its two images`);
  const files = rows.flatMap((r) => r.result);
  assert.equal(new Set(files).size, files.length, 'no result file is listed twice');
  for (const url of files) assert.equal((await fetch(url)).status, 200, url);
  const byStart = [...rows].sort((a, b) => a.start_mills! - b.start_mills!).map((r) => r.task_id);
  const byFinish = [...rows].sort((a, b) => a.finish_mills! - b.finish_mills!).map((r) => r.task_id);
  assert.deepEqual(byStart, ids);
  assert.deepEqual(byFinish, ids);
});

test('SIGTERM while a task runs: a clean shutdown within the time limit, and the task runs again at the next start', async () => {
  const first = await start('sigterm');
  const id = await submit(first, { ...twoImages, prompt: 'interrupted politely' });
  await waitFor('the task to run', async () => ((await currentTaskId(first)) === id ? true : undefined), 60_000, 20);
  const started = Date.now();
  first.process.kill('SIGTERM');
  await waitFor(
    'the server to exit',
    () => (first.process.exitCode !== null || first.process.signalCode !== null ? true : undefined),
    10_000,
    20,
  );
  assert.ok(Date.now() - started < 8000, `exited in ${Date.now() - started} ms`);
  assert.equal(first.process.exitCode, 0);
  const log = first.output();
  assert.match(log, new RegExp(`task ${id} handed back to the queue: this node is stopping`));
  assert.doesNotMatch(log, /engine crashed|running it again|restarting it|task \S+ failed/);
  const second = await start('sigterm');
  const row = await waitFor('the task to finish after the restart', async () => {
    const task = await getTask(second, id);
    return task.task_status === 'finished' ? task : undefined;
  });
  assert.equal(row.result.length, 2);
});

test('kill -9 of the engine child mid-task: the gateway keeps answering and the task still finishes', async () => {
  const server = await start('engine-kill');
  const id = await submit(server, { ...twoImages, prompt: 'survivor' });
  await waitFor('the task to run', async () => ((await currentTaskId(server)) === id ? true : undefined), 60_000, 20);
  const [engine] = childPids(server.process.pid!);
  assert.ok(engine, 'the gateway has an engine child process');
  process.kill(engine, 'SIGKILL');
  const health = await fetch(`${server.url}/health`);
  assert.equal(health.status, 200);
  const row = await waitFor('the task to finish', async () => {
    const task = await getTask(server, id);
    return task.task_status === 'finished' ? task : undefined;
  });
  assert.equal(row.result.length, 2);
  assert.ok(!isAlive(engine));
  const [restarted] = childPids(server.process.pid!);
  assert.ok(restarted && restarted !== engine, 'a new engine child was started');
});

test('kill -9 of the gateway process alone leaves no engine process 2 s later', async () => {
  const server = await start('gateway-kill');
  const [engine] = childPids(server.process.pid!);
  assert.ok(engine);
  process.kill(server.process.pid!, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(isAlive(engine), false, 'the engine child exited when its IPC channel closed');
});
