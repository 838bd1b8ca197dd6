import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMMON_REQUEST_DEFAULTS } from '../../adapters/common-request.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { ClaimLoop } from '../../src/tasks/claim-loop.ts';
import type { TaskClaimStore } from '../../src/tasks/cluster.types.ts';

function record(taskId: string, id: number): TaskRecord {
  return {
    id,
    taskId,
    dialect: 'all-in-one',
    mode: 'Text to Image',
    responseMode: 'async',
    request: { ...COMMON_REQUEST_DEFAULTS, image_seed: 1n },
    webhookUrl: '',
    status: 'running',
    inQueueMills: 0,
    startMills: 0,
    finishMills: null,
    progress: 0,
    result: [],
    error: null,
    warnings: [],
    attempts: 1,
  };
}

/** A queue of pending ids; only the methods the loop calls. */
class FakeClaims {
  pending: string[] = [];
  claimCalls = 0;
  failNext = false;
  renewed: string[][] = [];
  stillHeld: string[] | null = null;

  async claimNext(): Promise<TaskRecord | null> {
    this.claimCalls += 1;
    // Decided when asked, answered a moment later, as a store round trip is.
    const next = this.failNext ? undefined : this.pending.shift();
    const fails = this.failNext;
    this.failNext = false;
    await new Promise((r) => setImmediate(r));
    if (fails) throw new Error('connection refused');
    return next ? record(next, this.claimCalls) : null;
  }

  async renew(_node: string, ids: readonly string[]): Promise<string[]> {
    this.renewed.push([...ids]);
    return this.stillHeld ?? [...ids];
  }
}

function setup(slots: number, options: { leaseMs?: number } = {}) {
  const claims = new FakeClaims();
  const running: string[] = [];
  const lost: string[] = [];
  let maintained = 0;
  const logger = createMemoryLogger();
  const loop = new ClaimLoop({
    claims: claims as unknown as TaskClaimStore,
    logger,
    nodeName: 'n',
    leaseMs: options.leaseMs ?? 60_000,
    pollMs: 60_000,
    now: () => 0,
    freeSlots: () => slots - running.length,
    run: (task) => running.push(task.taskId),
    held: () => [...running],
    onLost: (ids) => lost.push(...ids),
    maintain: async () => {
      maintained += 1;
    },
  });
  return { claims, running, lost, loop, logger, maintained: () => maintained };
}

describe('ClaimLoop', () => {
  it('claims pending tasks in order until no engine is free, and more once one frees up', async () => {
    const { claims, running, loop } = setup(2);
    claims.pending = ['a', 'b', 'c'];
    loop.start();
    await loop.settled();
    assert.deepEqual(running, ['a', 'b']);
    running.shift();
    loop.wake();
    await loop.settled();
    assert.deepEqual(running, ['b', 'c']);
    await loop.stop();
  });

  it('a wake during a claim pass makes the pass go round again, so no added task is missed', async () => {
    const { claims, running, loop } = setup(5);
    loop.start();
    // The first pass has been told "nothing pending"; before that answer arrives, a task is added.
    claims.pending.push('b');
    loop.wake();
    await loop.settled();
    assert.deepEqual(running, ['b']);
    await loop.stop();
  });

  it('a failing claim is logged and the next wake claims normally', async () => {
    const { claims, running, loop, logger } = setup(1);
    claims.pending = ['a'];
    claims.failNext = true;
    loop.start();
    await loop.settled();
    assert.deepEqual(running, []);
    assert.ok(logger.lines.some((l) => l.includes('connection refused')));
    loop.wake();
    await loop.settled();
    assert.deepEqual(running, ['a']);
    await loop.stop();
  });

  it('renews what the node holds every third of a lease, reports what it no longer holds, then maintains', async () => {
    const { claims, running, lost, loop, maintained } = setup(2, { leaseMs: 300 });
    claims.pending = ['kept', 'taken'];
    claims.stillHeld = ['kept'];
    loop.start();
    await loop.settled();
    assert.deepEqual(running, ['kept', 'taken']);
    await new Promise((r) => setTimeout(r, 250));
    assert.ok(claims.renewed.length >= 1);
    assert.deepEqual(claims.renewed[0], ['kept', 'taken']);
    assert.ok(lost.includes('taken') && !lost.includes('kept'));
    assert.ok(maintained() >= 1);
    await loop.stop();
  });

  it('claims nothing after stop', async () => {
    const { claims, running, loop } = setup(1);
    loop.start();
    await loop.stop();
    claims.pending = ['late'];
    loop.wake();
    await loop.settled();
    assert.deepEqual(running, []);
  });
});
