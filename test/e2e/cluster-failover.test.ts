/**
 * Two real gateway processes (each with its engine child, on the tiny demo checkpoint) on one
 * PostgreSQL database and one data directory (DECISIONS §7): the acceptance scenario —
 * tasks submitted to node A run on both nodes; after kill -9 of A's process group node B finishes
 * every task, no result is listed twice, every URL downloads from B, /health lists both nodes —
 * and a node that stalls (SIGSTOP) while another takes its task over records nothing when it wakes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempPostgres, skipWithoutPostgres, type TempPostgres, describeWith } from '../fixtures/postgres.ts';
import { childPids, isAlive, startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

interface Row {
  task_id: string;
  task_status: string | null;
  result: string[];
}
interface Health {
  node: { name: string };
  nodes: { name: string; state: string; running_tasks: string[]; tasks_completed: number }[];
}

const LEASE_SECONDS = 2;
// A few hundred ms per task on the tiny checkpoint: long enough to be caught running, no longer.
const SMALL_TASK = {
  image_number: 2,
  overwrite_width: 256,
  overwrite_height: 256,
  overwrite_step: 8,
  performance_selection: 'Speed',
};
const skip = await skipWithoutPostgres();

describeWith(
  'two gateway processes on one PostgreSQL database',
  skip,
  ({ test, before, after, beforeEach, afterEach }) => {
    let database: TempPostgres;
    let root: string;
    const running: ServerProcess[] = [];

    before(async () => {
      root = await mkdtemp(join(tmpdir(), 'fooocus-failover-'));
    });
    // Each test has a cluster of its own: its own database, its nodes stopped after it.
    beforeEach(async () => {
      database = await createTempPostgres();
    });
    afterEach(async () => {
      for (const server of running.splice(0)) {
        try {
          process.kill(server.process.pid!, 'SIGCONT');
        } catch {
          // gone
        }
        await server.stop();
      }
      await database?.drop();
    });
    after(async () => {
      await rm(root, { recursive: true, force: true });
    });

    async function start(name: string, dataName: string): Promise<ServerProcess> {
      const server = await startServerProcess([
        '--database-url',
        database.url,
        '--node-name',
        name,
        '--lease-seconds',
        String(LEASE_SECONDS),
        '--data-dir',
        join(root, dataName),
        '--models-dir',
        join(root, 'models'),
      ]);
      running.push(server);
      return server;
    }

    const submit = async (server: ServerProcess, prompt: string, seed: number) => {
      const res = await fetch(`${server.url}/v1/engine/generate/`, {
        method: 'POST',
        body: JSON.stringify({ async_process: true, prompt, image_seed: seed, ...SMALL_TASK }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { task_id: string }).task_id;
    };
    const row = async (server: ServerProcess, id: string) =>
      (await (await fetch(`${server.url}/tasks/${id}`)).json()) as Row;
    const health = async (server: ServerProcess) => (await (await fetch(`${server.url}/health`)).json()) as Health;
    const allFinished = (server: ServerProcess, ids: string[]) =>
      waitFor(
        'every task to finish on the surviving node',
        async () => {
          const rows = await Promise.all(ids.map((id) => row(server, id)));
          return rows.every((r) => r.task_status === 'finished') ? rows : undefined;
        },
        180_000,
        250,
      );

    test("8 tasks on A run on both nodes; after kill -9 of A's process group B finishes all, each result once, every URL from B; /health lists both", async () => {
      // One after the other: the first start writes the demo checkpoint both use.
      const a = await start('node-a', 'shared');
      const b = await start('node-b', 'shared');
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await submit(a, `failover ${i}`, 500 + i));
      const both = await waitFor(
        'both nodes to run a task at once',
        async () => {
          const nodes = (await health(b)).nodes;
          const busy = nodes.filter((n) => n.running_tasks.length > 0).map((n) => n.name);
          return busy.includes('node-a') && busy.includes('node-b') ? nodes : undefined;
        },
        60_000,
        20,
      );
      const interrupted = both.find((n) => n.name === 'node-a')!.running_tasks;
      const pids = [a.process.pid!, ...childPids(a.process.pid!)];
      await a.killGroup();
      await waitFor(
        "node A's processes to be gone",
        () => (pids.every((pid) => !isAlive(pid)) ? true : undefined),
        5000,
      );

      const rows = await allFinished(b, ids);
      for (const r of rows) assert.equal(r.result.length, 2, `task ${r.task_id} has exactly its two images`);
      const urls = rows.flatMap((r) => r.result);
      assert.equal(new Set(urls).size, urls.length, 'no result listed twice');
      for (const url of urls) {
        assert.ok(url.startsWith(b.url), url);
        assert.equal((await fetch(url)).status, 200, url);
      }
      const byName = new Map((await health(b)).nodes.map((n) => [n.name, n]));
      assert.deepEqual([...byName.keys()], ['node-a', 'node-b']);
      assert.equal(byName.get('node-a')?.state, 'lost');
      assert.equal(byName.get('node-b')?.state, 'up');
      assert.ok(interrupted.length > 0);
      // What A was running when it died was run again by B (the restart rule), not lost.
      for (const id of interrupted) assert.equal((await row(b, id)).task_status, 'finished');
      // Only the files of recorded results exist: A's half-done images were never listed.
      const day = urls[0].split('/').at(-2)!;
      const listed = new Set(urls.map((u) => u.split('/').at(-1)));
      const extra = (await readdir(join(root, 'shared', day))).filter((f) => !listed.has(f));
      assert.ok(
        extra.length <= interrupted.length * 2,
        `at most the killed run's own images are left over: ${extra.join(', ')}`,
      );
    });

    test('a node stalled (SIGSTOP) past its lease loses its task to the other node and, woken, records nothing', async () => {
      const c = await start('node-c', 'stall');
      const d = await start('node-d', 'stall');
      // Stall whichever node takes the first task while it runs it.
      const id = await submit(c, 'stalled', 900);
      const owner = await waitFor(
        'the task to run',
        async () => {
          const nodes = (await health(d)).nodes;
          return nodes.find((n) => n.running_tasks.includes(id))?.name;
        },
        60_000,
        20,
      );
      const [stalled, survivor] = owner === 'node-c' ? [c, d] : [d, c];
      process.kill(stalled.process.pid!, 'SIGSTOP');
      const [done] = await allFinished(survivor, [id]);
      process.kill(stalled.process.pid!, 'SIGCONT');
      assert.equal(done.result.length, 2);
      // Woken, the stalled node notices on its next renewal and drops its own run.
      await waitFor(
        'the stalled node to give the task up',
        () => (/lost its claim|claim ran out/.test(stalled.output()) ? true : undefined),
        30_000,
        100,
      );
      await new Promise((r) => setTimeout(r, 1000));
      const again = await row(survivor, id);
      assert.deepEqual(again.result, done.result, 'the result recorded by the survivor stands, listed once');
      const files = await readdir(join(root, 'stall', again.result[0].split('/').at(-2)!));
      assert.deepEqual(
        files.sort(),
        again.result.map((u) => u.split('/').at(-1)).sort(),
        "the stalled node's own images were removed",
      );
    });
  },
);
