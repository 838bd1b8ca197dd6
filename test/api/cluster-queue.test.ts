/**
 * The shared queue under load and as nodes come and go (DECISIONS §7), with scripted engines:
 * 200 tasks on 4 nodes run once each; a node that stops gracefully hands its running task back;
 * a node with two engines runs two tasks at once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateJson, makeGate, waitFor } from '../fixtures/api-client.ts';
import { startClusterNode, scriptAll, TaskTable, type ClusterNode } from '../fixtures/cluster-nodes.ts';
import { createTempPostgres, skipWithoutPostgres, type TempPostgres, describeWith } from '../fixtures/postgres.ts';

const skip = await skipWithoutPostgres();

describeWith('the shared queue on PostgreSQL', skip, ({ test, before, after }) => {
  let database: TempPostgres;
  let root: string;
  let table: TaskTable;
  const started: ClusterNode[] = [];

  before(async () => {
    database = await createTempPostgres();
    root = await mkdtemp(join(tmpdir(), 'fooocus-cluster-queue-'));
    table = await new TaskTable(database.url).open();
  });
  after(async () => {
    await table?.close();
    for (const node of started) await node.close();
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  async function node(name: string, engines = 1): Promise<ClusterNode> {
    const started_ = await startClusterNode(name, database.url, root, { engines, config: { queueSize: 0 } });
    started.push(started_);
    return started_;
  }

  const submit = async (to: ClusterNode, prompt: string) =>
    (await generateJson<{ task_id: string }>(to, { async_process: true, prompt, aspect_ratios_selection: '512*512' }))
      .task_id;

  test('200 tasks submitted to 4 nodes at once: every task runs exactly once and every node takes part', async () => {
    const four = [await node('q1'), await node('q2'), await node('q3'), await node('q4')];
    scriptAll(four, { steps: 1, stepMs: 0 });
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => submit(four[i % 4], `task ${i}`)));
    await waitFor(
      'all 200 to finish',
      async () => (await table.query(`SELECT 1 FROM "tasks" WHERE "status" = 'finished'`)).length === 200,
      120_000,
    );
    const jobs = four.flatMap((n) =>
      n.engines.flatMap((e) => e.jobs.map((job) => ({ taskId: job.jobId, node: n.name }))),
    );
    assert.equal(jobs.length, 200, 'exactly 200 engine runs');
    assert.deepEqual(new Set(jobs.map((j) => j.taskId)), new Set(ids));
    const perNode = four.map((n) => jobs.filter((j) => j.node === n.name).length);
    assert.ok(
      perNode.every((count) => count > 0),
      `every node ran tasks: ${perNode.join(', ')}`,
    );
    const rows = await table.query<{ attempts: number; node_name: string; result: string }>(
      `SELECT "attempts", "node_name", "result" FROM "tasks"`,
    );
    assert.ok(rows.every((r) => r.attempts === 1));
    const files = rows.flatMap((r) => (JSON.parse(r.result) as { file: string }[]).map((f) => f.file));
    assert.equal(new Set(files).size, 200, 'one distinct output file per task on the shared data dir');
    for (const n of four) await n.close();
    started.length = 0;
  });

  test('a node that stops gracefully hands its running task back, and another node runs it without counting that start', async () => {
    const [leaving, staying] = [await node('leaving'), await node('staying')];
    const gate = makeGate();
    scriptAll([leaving, staying], { steps: 4, stepMs: 5, gate: gate.promise });
    const first = await submit(leaving, 'first');
    const second = await submit(leaving, 'second');
    const onLeaving = await table.runningOn(first, [leaving, staying]);
    const handedTask = onLeaving === leaving ? first : second;
    const otherTask = handedTask === first ? second : first;
    await table.runningOn(otherTask, [leaving, staying]);
    scriptAll([staying], { steps: 2, stepMs: 5 });
    // Without waiting for the held job (a real engine child is killed by close; this scripted one
    // stays blocked until the gate opens, and its late end must not be recorded).
    await leaving.composed.close();
    gate.open();
    assert.equal(await table.waitForStatus(handedTask, ['finished'], 10_000), 'finished');
    assert.equal(await table.waitForStatus(otherTask, ['finished'], 10_000), 'finished');
    const row = await table.row(handedTask);
    assert.equal(row?.node_name, 'staying');
    assert.equal(row?.attempts, 1, 'the handed-back start is not counted');
    const health = (await (await fetch(`${staying.url}/health`)).json()) as {
      nodes: { name: string; state: string }[];
    };
    assert.deepEqual(
      health.nodes.filter((n) => n.name === 'leaving').map((n) => n.state),
      ['stopped'],
    );
  });

  test('a node with --engines 2 runs two tasks at once', async () => {
    const two = await node('two-engines', 2);
    const gate = makeGate();
    scriptAll([two], { steps: 3, stepMs: 5, gate: gate.promise });
    // Only this node is left (the others were closed): both tasks must land on its two engines.
    for (const n of started.filter((n) => n !== two)) await n.close();
    started.splice(0, started.length, two);
    const ids = [await submit(two, 'left'), await submit(two, 'right')];
    try {
      await Promise.all(ids.map((id) => table.runningOn(id, [two])));
      // Claimed (the row says running) a moment before the engine is handed the job.
      await waitFor('each engine to have its job', () => two.engines.every((e) => e.jobs.length === 1));
      const health = (await (await fetch(`${two.url}/health`)).json()) as {
        node: { engines: unknown[]; running_tasks: string[] };
      };
      assert.equal(health.node.engines.length, 2);
      assert.deepEqual([...health.node.running_tasks].sort(), [...ids].sort());
    } finally {
      gate.open();
    }
    for (const id of ids) await table.waitForStatus(id, ['finished']);
  });
});
