/**
 * `--devices cuda:N` and `--engines N` reach the engine children: each child sees only its GPU
 * (CUDA_VISIBLE_DEVICES) and several CPU engines split the cores. A stand-in worker reports its
 * environment back as its "ready" info, so no model is loaded.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChildEngineClient } from '../../src/engine-client/child-engine-client.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { waitFor } from '../fixtures/api-client.ts';

const REPORTER = `process.send({ type: 'ready', info: { provider: 'gpu=' + (process.env.CUDA_VISIBLE_DEVICES ?? 'all') + ' device=' + process.env.FOOOCUS_DEVICE, threads: Number(process.env.FOOOCUS_THREADS ?? 0) } });
process.on('disconnect', () => process.exit(0));
`;

describe('engine children per slot', () => {
  let dir: string;
  let workerPath: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fooocus-slots-'));
    workerPath = join(dir, 'reporter.mjs');
    await writeFile(workerPath, REPORTER);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function infoOf(options: { device: string; gpuIndex?: number | null; threads?: number }) {
    const client = new ChildEngineClient({ modelsDir: dir, logger: createMemoryLogger(), workerPath, ...options });
    client.start();
    try {
      // A child process start under tsx; generous, as the suite runs two files at a time.
      return await waitFor('the child to report', () => client.info() ?? undefined, 30_000);
    } finally {
      await client.close();
    }
  }

  it('a cuda:N slot shows its child only GPU N', async () => {
    assert.deepEqual(await infoOf({ device: 'cuda', gpuIndex: 1 }), { provider: 'gpu=1 device=cuda', threads: 0 });
  });

  it('a slot without a GPU index leaves the GPUs as they are, and a thread count is passed on', async () => {
    const info = await infoOf({ device: 'cpu', gpuIndex: null, threads: 3 });
    assert.equal(info.provider, `gpu=${process.env.CUDA_VISIBLE_DEVICES ?? 'all'} device=cpu`);
    assert.equal(info.threads, 3);
  });
});
