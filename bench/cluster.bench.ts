/**
 * Cluster figures for `npm run bench` (DECISIONS §7), against the PostgreSQL at TEST_POSTGRES_URL
 * (default postgres://postgres@127.0.0.1:5432/postgres), in a throwaway database:
 *  - tasks per minute, side by side: one node with 1 engine, one node with 2 engines, two nodes
 *    with 1 engine each; real gateway processes and engine children on the tiny demo checkpoint,
 *    small images (128×128, 8 steps), the same batch of async tasks each time;
 *  - cross-node event latency: a step's progress with its preview from node A's hub until node B's
 *    hub emits it (preview row write, NOTIFY, LISTEN, row read), and the bare NOTIFY round trip.
 * On a machine with few cores the engines share them, so more engines add less than they would on
 * separate GPUs; the figure to watch is that the queue keeps every engine busy.
 * Without PostgreSQL it says so and measures nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterRelay } from '../src/cluster/cluster-relay.ts';
import { PostgresEventBus } from '../src/cluster/postgres-event-bus.ts';
import { createMemoryLogger } from '../src/logging/logger.ts';
import { closeDatabase, openDatabase } from '../src/persistence/data-source.ts';
import { TypeOrmLiveProgressStore } from '../src/persistence/task-live.repository.ts';
import { TypeOrmTaskRepository } from '../src/persistence/task.repository.ts';
import { TaskEventHub } from '../src/tasks/task-events.ts';
import { makePng } from '../test/fixtures/images.ts';
import { createTempPostgres, skipWithoutPostgres, type TempPostgres } from '../test/fixtures/postgres.ts';
import { startServerProcess, waitFor, type ServerProcess } from '../test/fixtures/server-process.ts';

const TASKS = 24;
const TASK = {
  image_number: 1,
  overwrite_width: 128,
  overwrite_height: 128,
  overwrite_step: 8,
  performance_selection: 'Speed',
};
const LATENCY_SAMPLES = 200;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

interface Layout {
  label: string;
  /** Extra flags of each node. */
  nodes: string[][];
}

const LAYOUTS: Layout[] = [
  { label: '1 node, 1 engine ', nodes: [['--engines', '1']] },
  { label: '1 node, 2 engines', nodes: [['--engines', '2']] },
  {
    label: '2 nodes, 1 engine',
    nodes: [
      ['--engines', '1'],
      ['--engines', '1'],
    ],
  },
];

async function tasksPerMinute(
  layout: Layout,
  root: string,
): Promise<{ perMinute: number; perNode: Record<string, number> }> {
  const database = await createTempPostgres();
  const servers: ServerProcess[] = [];
  try {
    for (const [i, flags] of layout.nodes.entries()) {
      // One after the other: the first start writes the demo checkpoint the others use.
      servers.push(
        await startServerProcess([
          '--database-url',
          database.url,
          '--node-name',
          `bench-${i}`,
          '--data-dir',
          join(root, 'outputs'),
          '--models-dir',
          join(root, 'models'),
          '--queue-size',
          '0',
          ...flags,
        ]),
      );
    }
    const submit = (prompt: string) =>
      fetch(`${servers[0].url}/v1/engine/generate/`, {
        method: 'POST',
        body: JSON.stringify({ async_process: true, prompt, ...TASK }),
      });
    // One warm-up task per engine so model loading is not timed.
    const engines = layout.nodes.reduce((sum, flags) => sum + Number(flags[1]), 0);
    await Promise.all(Array.from({ length: engines }, (_, i) => submit(`warm-up ${i}`)));
    await waitIdle(servers[0]);
    const started = performance.now();
    for (let i = 0; i < TASKS; i++) await submit(`bench ${i}`);
    await waitIdle(servers[0]);
    const minutes = (performance.now() - started) / 60_000;
    const health = (await (await fetch(`${servers[0].url}/health`)).json()) as {
      nodes: { name: string; tasks_completed: number }[];
    };
    return {
      perMinute: TASKS / minutes,
      perNode: Object.fromEntries(health.nodes.map((n) => [n.name, n.tasks_completed])),
    };
  } finally {
    for (const server of servers) await server.stop();
    await database.drop();
  }
}

async function waitIdle(server: ServerProcess): Promise<void> {
  await waitFor(
    'the queue to empty',
    async () => {
      const { queue } = (await (await fetch(`${server.url}/health`)).json()) as {
        queue: { running: number; pending: number };
      };
      return queue.running + queue.pending === 0 ? true : undefined;
    },
    600_000,
    50,
  );
}

/** Progress with a preview from hub A to hub B through the relays, and the bare NOTIFY round trip. */
async function eventLatency(database: TempPostgres): Promise<{ relay: number[]; notify: number[] }> {
  const logger = createMemoryLogger();
  const sources = [
    await openDatabase({ kind: 'postgres', url: database.url }),
    await openDatabase({ kind: 'postgres', url: database.url }),
  ];
  const buses = await Promise.all(
    ['a', 'b'].map((nodeName) => PostgresEventBus.connect({ url: database.url, nodeName, logger })),
  );
  const hubs = [new TaskEventHub(), new TaskEventHub()];
  const runner = { wake: () => undefined, applyRemoteControl: () => undefined, runningHere: () => [] };
  const relays = ['a', 'b'].map(
    (nodeName, i) =>
      new ClusterRelay({
        bus: buses[i],
        hub: hubs[i],
        repo: new TypeOrmTaskRepository(sources[i]),
        live: new TypeOrmLiveProgressStore(sources[i]),
        runner,
        nodeName,
        logger,
      }),
  );
  relays.forEach((relay) => relay.start());
  try {
    const preview = await makePng(32, 32, [10, 20, 30, 255]);
    const relay: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const arrived = new Promise<number>((resolve) => {
        const stop = hubs[1].subscribe('bench-task', (event) => {
          if (event.type === 'progress' && event.live.message === `step ${i}`) {
            stop();
            resolve(performance.now());
          }
        });
      });
      const sent = performance.now();
      hubs[0].progress('bench-task', i % 100, `step ${i}`, preview);
      relay.push((await arrived) - sent);
      await new Promise((r) => setTimeout(r, 10));
    }
    const notify: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const arrived = new Promise<number>((resolve) => {
        const stop = buses[1].subscribe((event) => {
          if (event.type === 'control' && event.taskId === `n${i}`) {
            stop();
            resolve(performance.now());
          }
        });
      });
      const sent = performance.now();
      await buses[0].publish({ type: 'control', node: 'a', taskId: `n${i}`, action: 'skip' });
      notify.push((await arrived) - sent);
    }
    return { relay, notify };
  } finally {
    for (const relay of relays) await relay.stop();
    for (const bus of buses) await bus.close();
    for (const source of sources) await closeDatabase(source);
  }
}

export async function runClusterBench(): Promise<void> {
  console.log('Cluster (PostgreSQL store)');
  const skipped = await skipWithoutPostgres().catch((error: Error) => error.message);
  if (skipped) {
    console.log(`  skipped: ${skipped}`);
    return;
  }
  const root = await mkdtemp(join(tmpdir(), 'fooocus-cluster-bench-'));
  try {
    console.log(
      `  tasks per minute (${TASKS} async tasks, ${TASK.overwrite_width}x${TASK.overwrite_height}, ${TASK.overwrite_step} steps, tiny checkpoint):`,
    );
    for (const layout of LAYOUTS) {
      const { perMinute, perNode } = await tasksPerMinute(layout, root);
      const split = Object.entries(perNode)
        .map(([name, count]) => `${name} ${count}`)
        .join(', ');
      console.log(
        `    ${layout.label}: ${perMinute.toFixed(1)} tasks/min  (completed per node incl. warm-up: ${split})`,
      );
    }
    const database = await createTempPostgres();
    try {
      const { relay, notify } = await eventLatency(database);
      const fmt = (values: number[]) =>
        `p50 ${percentile(values, 50).toFixed(2)} ms  p99 ${percentile(values, 99).toFixed(2)} ms`;
      console.log(`  cross-node event latency (n=${LATENCY_SAMPLES}; target: under 250 ms added):`);
      console.log(`    progress + 32x32 preview, hub A -> hub B: ${fmt(relay)}`);
      console.log(`    bare NOTIFY, node A -> node B:            ${fmt(notify)}`);
    } finally {
      await database.drop();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('cluster.bench.ts')) await runClusterBench();
