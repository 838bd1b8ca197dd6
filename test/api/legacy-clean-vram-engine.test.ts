/**
 * The `release` message behind legacy clean_vram, through the real engine child: ChildEngineClient
 * .release() resolves once the worker has freed its sessions, and the next job loads the
 * checkpoint again and runs.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ChildEngineClient } from '../../src/engine-client/child-engine-client.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import type { EngineRunHandlers } from '../../src/tasks/ports.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

let client: ChildEngineClient | null = null;
after(async () => client?.close());

function collecting(): { handlers: EngineRunHandlers; images: number[] } {
  const images: number[] = [];
  return { images, handlers: { onProgress: () => undefined, onImage: async (m) => void images.push(m.index) } };
}

test('release() resolves after the engine freed its sessions, and the next job loads the model again', async () => {
  const { modelsDir } = await tinyCheckpoint({}, 'tiny');
  client = new ChildEngineClient({ modelsDir, device: 'cpu', threads: 1, logger: createMemoryLogger() });
  assert.equal(await client.release().then(() => 'released'), 'released', 'no child yet: nothing to release');
  client.start();
  const first = collecting();
  const running = client.run(
    engineJob({ jobId: 'r1', model: 'tiny', steps: 2, width: 64, height: 64 }),
    first.handlers,
  );
  // Sent while the job runs: answered after it (the worker releases between jobs).
  const released = client.release();
  const outcome = await running;
  await released;
  assert.equal(outcome.outcome, 'finished');
  assert.deepEqual(first.images, [0]);
  const second = collecting();
  const again = await client.run(
    engineJob({ jobId: 'r2', model: 'tiny', steps: 2, width: 64, height: 64 }),
    second.handlers,
  );
  assert.equal(again.outcome, 'finished');
  assert.deepEqual(second.images, [0]);
});
