/**
 * Two nodes on one PostgreSQL database (DECISIONS §7), in this process with scripted engines:
 * everything the API shows is cluster-wide, and a stream, a poll, a sync reply, a cancel or a stop
 * works on either node for a task the other one runs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, generateJson, makeGate, rawRequest, waitFor, type Gate } from '../fixtures/api-client.ts';
import { startClusterNode, scriptAll, TaskTable, type ClusterNode } from '../fixtures/cluster-nodes.ts';
import { createTempPostgres, skipWithoutPostgres, type TempPostgres, describeWith } from '../fixtures/postgres.ts';

const HOOK = 'http://127.0.0.1:9/hook';
const QUEUE_SIZE = 3;
const skip = await skipWithoutPostgres();

describeWith('two nodes on one PostgreSQL database', skip, ({ test, before, after, afterEach }) => {
  let database: TempPostgres;
  let root: string;
  let a: ClusterNode;
  let b: ClusterNode;
  let table: TaskTable;
  let gate: Gate;
  const nodes = () => [a, b];
  const other = (node: ClusterNode) => (node === a ? b : a);

  before(async () => {
    database = await createTempPostgres();
    root = await mkdtemp(join(tmpdir(), 'fooocus-cluster-'));
    const config = { webhookUrl: HOOK, queueSize: QUEUE_SIZE };
    a = await startClusterNode('node-a', database.url, root, { config });
    b = await startClusterNode('node-b', database.url, root, { config });
    table = await new TaskTable(database.url).open();
  });
  after(async () => {
    await table?.close();
    await a?.close();
    await b?.close();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    gate?.open();
    scriptAll(nodes(), { steps: 3, stepMs: 1 });
    await waitFor(
      'both nodes idle',
      async () => (await table.query(`SELECT 1 FROM "tasks" WHERE "status" IN ('pending', 'running')`)).length === 0,
    );
  });

  /** Jobs hold after their first step (with a preview) until the gate opens. */
  function holdJobs(): void {
    gate = makeGate();
    scriptAll(nodes(), { steps: 4, stepMs: 5, gate: gate.promise });
  }

  const submit = async (node: ClusterNode, body: Record<string, unknown> = {}) =>
    (await generateJson<{ task_id: string }>(node, { async_process: true, ...body })).task_id;
  interface Health {
    node: { name: string };
    queue: { running: number; pending: number };
    nodes: {
      name: string;
      state: string;
      engines: number;
      running_tasks: string[];
      last_heartbeat: string;
      tasks_completed: number;
    }[];
  }
  const health = async (node: ClusterNode) => (await (await fetch(`${node.url}/health`)).json()) as Health;

  test('a task accepted on one node reads the same on the other: /tasks/{id}, query-job, job-queue, job-history, /tasks', async () => {
    const taskId = await submit(a, { prompt: 'shared' });
    await table.waitForStatus(taskId, ['finished']);
    const onA = (await (await fetch(`${a.url}/tasks/${taskId}`)).json()) as Record<string, unknown>;
    const onB = (await (await fetch(`${b.url}/tasks/${taskId}`)).json()) as Record<string, unknown>;
    assert.equal(onB.task_status, 'finished');
    assert.deepEqual({ ...onB, result: null, req_params: null }, { ...onA, result: null, req_params: null });
    assert.deepEqual(
      onB.result,
      (onA.result as string[]).map((url) => url.replace(a.url, b.url)),
      'URLs built from the answering node',
    );
    const job = (await (await fetch(`${b.url}/v1/generation/query-job?job_id=${taskId}`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(job.job_stage, 'SUCCESS');
    const queue = (await (await fetch(`${b.url}/v1/generation/job-queue`)).json()) as Record<string, unknown>;
    assert.equal(queue.last_job_id, taskId);
    const history = (await (await fetch(`${b.url}/v1/generation/job-history`)).json()) as {
      history: { job_id: string }[];
    };
    assert.ok(history.history.some((h) => h.job_id === taskId));
    const listed = (await (await fetch(`${b.url}/tasks`)).json()) as { history: { task_id: string }[] };
    assert.ok(listed.history.some((h) => h.task_id === taskId));
    for (const url of onB.result as string[]) assert.equal((await fetch(url)).status, 200, url);
  });

  test('two tasks accepted on one node run on both nodes at once, and /health on either lists both nodes', async () => {
    holdJobs();
    const first = await submit(a, { prompt: 'one' });
    const second = await submit(a, { prompt: 'two' });
    const [runsFirst, runsSecond] = [await table.runningOn(first, nodes()), await table.runningOn(second, nodes())];
    assert.notEqual(runsFirst.name, runsSecond.name, 'one per node: each node has one engine');
    const body = await health(b);
    assert.equal(body.node.name, 'node-b');
    assert.deepEqual(body.queue, { running: 2, pending: 0 });
    assert.deepEqual(
      body.nodes.map((n) => n.name),
      ['node-a', 'node-b'],
    );
    for (const node of body.nodes) {
      assert.equal(node.state, 'up');
      assert.equal(node.engines, 1);
      assert.equal(node.running_tasks.length, 1, node.name);
      assert.ok(Date.now() - Date.parse(node.last_heartbeat) < 60_000);
    }
    const completedBefore = body.nodes.reduce((sum, n) => sum + n.tasks_completed, 0);
    gate.open();
    await table.waitForStatus(first, ['finished']);
    await table.waitForStatus(second, ['finished']);
    const completed = async () => (await health(a)).nodes.reduce((sum, n) => sum + n.tasks_completed, 0);
    // Counted just after the row is written.
    await waitFor('both counted as completed', async () => (await completed()) === completedBefore + 2);
  });

  test('cancel on one node of a task running on the other: the engine there is stopped, it ends cancelled, one webhook', async () => {
    holdJobs();
    const taskId = await submit(a, { prompt: 'cancel me' });
    const runner = await table.runningOn(taskId, nodes());
    const asker = other(runner);
    const res = await fetch(`${asker.url}/tasks/${taskId}/cancel`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { task_id: taskId, cancelled: true, message: 'task is being cancelled' });
    await waitFor('the stop to reach the running engine', () =>
      runner.engine.controls.some((c) => c.jobId === taskId && c.action === 'stop'),
    );
    gate.open();
    assert.equal(await table.waitForStatus(taskId, ['cancelled', 'finished', 'stopped']), 'cancelled');
    await waitFor('the webhook', () => runner.webhooks.deliveries.some((d) => d.body.includes(taskId)));
    assert.equal(
      asker.webhooks.deliveries.filter((d) => d.body.includes(taskId)).length,
      0,
      'only the node that ended it notifies',
    );
    assert.equal(runner.webhooks.deliveries.filter((d) => d.body.includes(taskId)).length, 1);
  });

  test('/v1/engine/control stop and the legacy stop on one node stop the task running on the other', async () => {
    holdJobs();
    const taskId = await submit(b, { prompt: 'stop me' });
    const runner = await table.runningOn(taskId, nodes());
    const asker = other(runner);
    await waitFor('the asking node to know the task runs', () => asker.composed.service.current()?.taskId === taskId);
    const res = await fetch(`${asker.url}/v1/engine/control?action=stop`, { method: 'POST' });
    assert.deepEqual(await res.json(), { message: 'task stoped' });
    await waitFor('the stop to reach the running engine', () => runner.engine.controls.some((c) => c.jobId === taskId));
    gate.open();
    assert.equal(await table.waitForStatus(taskId, ['stopped', 'finished']), 'stopped');

    holdJobs();
    const legacy = await submit(a, { prompt: 'legacy stop' });
    const legacyRunner = await table.runningOn(legacy, nodes());
    const stop = await fetch(`${other(legacyRunner).url}/v1/generation/stop?job_id=${legacy}`, { method: 'POST' });
    assert.equal(stop.status, 200);
    gate.open();
    assert.equal(await table.waitForStatus(legacy, ['cancelled', 'finished']), 'cancelled');
  });

  test('a stream on one node carries the previews, progress and final images of a task the other node runs', async () => {
    holdJobs();
    const blocker = await submit(a, { prompt: 'keeps one engine busy' });
    const busy = await table.runningOn(blocker, nodes());
    // The busy node accepts the streamed task, so the idle one must run it.
    scriptAll([other(busy)], { steps: 5, stepMs: 60 });
    const reply = await rawRequest(`${busy.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        prompt: 'streamed',
        stream_output: true,
        aspect_ratios_selection: '256*256',
        image_number: 2,
      }),
    });
    gate.open();
    assert.equal(reply.status, 200);
    const events = reply.text
      .split('\r\n\r\n')
      .filter((e) => e.startsWith('data: '))
      .map((e) => JSON.parse(e.split('\r\n')[0].slice(6)));
    const progress = events.slice(0, -1);
    const final = events.at(-1);
    assert.ok(progress.length >= 2, `several progress events (${progress.length})`);
    assert.ok(
      progress.some((e) => typeof e.preview === 'string' && e.preview.startsWith('data:image/png;base64,')),
      'previews crossed nodes',
    );
    assert.equal(final.message, 'Finished');
    assert.equal(final.images.length, 2);
    for (const url of final.images) {
      assert.ok(url.startsWith(busy.url), url);
      assert.equal((await fetch(url)).status, 200);
    }
    const [{ node_name }] = await table.query<{ node_name: string }>(
      `SELECT "node_name" FROM "tasks" WHERE "request" LIKE '%streamed%'`,
    );
    assert.equal(node_name, other(busy).name);
  });

  test('a sync request on one node answers with the record once the other node has run the task', async () => {
    holdJobs();
    const blocker = await submit(b, { prompt: 'busy' });
    const busy = await table.runningOn(blocker, nodes());
    scriptAll([other(busy)], { steps: 2, stepMs: 5 });
    const res = await generate(busy, { prompt: 'sync elsewhere' });
    gate.open();
    const row = (await res.json()) as { task_id: string; task_status: string; result: string[] };
    assert.equal(row.task_status, 'finished');
    assert.equal(row.result.length, 1);
    assert.equal((await table.row(row.task_id))?.node_name, other(busy).name);
  });

  test('polls on one node show live progress and the step preview of a task running on the other', async () => {
    holdJobs();
    const taskId = await submit(a, { prompt: 'watched' });
    const runner = await table.runningOn(taskId, nodes());
    const asker = other(runner);
    const job = await waitFor('a preview on the other node', async () => {
      const url = `${asker.url}/v1/generation/query-job?job_id=${taskId}&require_step_preview=true`;
      const body = (await (await fetch(url)).json()) as {
        job_step_preview: string | null;
        job_stage: string;
        job_progress: number;
      };
      return body.job_step_preview ? body : undefined;
    });
    assert.equal(job.job_stage, 'RUNNING');
    assert.ok(job.job_progress > 0);
    const current = (await (await fetch(`${asker.url}/tasks/${taskId}`)).json()) as {
      task_status: string;
      progress: number;
      preview: string;
    };
    assert.equal(current.task_status, 'running');
    assert.ok(current.progress > 0);
    assert.ok(current.preview.length > 0);
    const lists = (await (await fetch(`${asker.url}/tasks?query=current`)).json()) as {
      current: { task_id: string }[];
    };
    assert.deepEqual(
      lists.current.map((c) => c.task_id),
      [taskId],
    );
  });

  test('--queue-size counts the waiting and running tasks of every node', async () => {
    holdJobs();
    const ids = [await submit(a), await submit(b), await submit(a)];
    await Promise.all(ids.slice(0, 2).map((id) => table.runningOn(id, nodes())));
    for (const node of nodes())
      assert.equal((await generate(node, { async_process: true })).status, 503, `${node.name} refuses the fourth`);
    gate.open();
    for (const id of ids) await table.waitForStatus(id, ['finished']);
    assert.equal((await generate(b, { async_process: true })).status, 200);
  });
});
