import assert from 'node:assert/strict';
import pg from 'pg';
import { PostgresEventBus } from '../../src/cluster/postgres-event-bus.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import type { ClusterEvent } from '../../src/tasks/cluster.types.ts';
import { waitFor } from '../fixtures/api-client.ts';
import { createTempPostgres, skipWithoutPostgres, type TempPostgres, describeWith } from '../fixtures/postgres.ts';

const skip = await skipWithoutPostgres();

describeWith('PostgresEventBus', skip, ({ it, before, after }) => {
  let database: TempPostgres;
  let one: PostgresEventBus;
  let two: PostgresEventBus;
  const heardByTwo: ClusterEvent[] = [];

  before(async () => {
    database = await createTempPostgres();
    one = await PostgresEventBus.connect({ url: database.url, nodeName: 'one', logger: createMemoryLogger() });
    two = await PostgresEventBus.connect({
      url: database.url,
      nodeName: 'two',
      logger: createMemoryLogger(),
      applicationName: 'bus-two',
    });
    two.subscribe((event) => heardByTwo.push(event));
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await database?.drop();
  });

  it('delivers 100 events from one node to another in the order they were sent', async () => {
    heardByTwo.length = 0;
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        one.publish({
          type: 'progress',
          node: 'one',
          taskId: 't',
          percent: i,
          message: `step ${i}`,
          hasPreview: false,
        }),
      ),
    );
    await waitFor('all 100', () => heardByTwo.length >= 100);
    assert.deepEqual(
      heardByTwo.map((e) => (e.type === 'progress' ? e.percent : -1)),
      Array.from({ length: 100 }, (_, i) => i),
    );
  });

  it("refuses an event of 8000 bytes or more (NOTIFY's limit), sending nothing", async () => {
    heardByTwo.length = 0;
    const big: ClusterEvent = {
      type: 'progress',
      node: 'one',
      taskId: 't',
      percent: 1,
      message: 'x'.repeat(8000),
      hasPreview: false,
    };
    await assert.rejects(one.publish(big), /NOTIFY takes under 8000/);
    await one.publish({ type: 'task-added', node: 'one' });
    await waitFor('the small one', () => heardByTwo.length >= 1);
    assert.deepEqual(heardByTwo, [{ type: 'task-added', node: 'one' }]);
  });

  it('re-opens a dropped connection, says resync, and hears later events', async () => {
    heardByTwo.length = 0;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bus-two'`);
    } finally {
      await admin.end();
    }
    await waitFor('resync', () => heardByTwo.some((e) => e.type === 'resync'), 10_000);
    await one.publish({ type: 'task-added', node: 'one' });
    await waitFor('an event after the reconnect', () => heardByTwo.some((e) => e.type === 'task-added'));
  });
});
