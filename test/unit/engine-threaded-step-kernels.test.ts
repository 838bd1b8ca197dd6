/**
 * The CPU step math's guidance thread (engine/step-kernels/threaded-step-kernels.ts): the same
 * numbers as the JavaScript kernels on the calling thread, call after call (the thread copies its
 * reused buffers out and never transfers them), and a thread that dies fails only its calls.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../engine/errors.ts';
import { createNormalRng } from '../../engine/random/normal-rng.ts';
import { javascriptStepKernels, type GuidanceInput } from '../../engine/step-kernels/step-kernels.ts';
import { guidanceWorker, ThreadedStepKernels } from '../../engine/step-kernels/threaded-step-kernels.ts';
import type { ThreadTime } from '../../engine/threads/thread-time.ts';
import { discreteEpsSampling } from '../../engine/unet/model-sampling.ts';

function guidanceInput(seed: bigint, overrides: Partial<GuidanceInput> = {}): GuidanceInput {
  const shape = { channels: 4, height: 24, width: 20 };
  const batch = overrides.batch ?? 2;
  const n = shape.channels * shape.height * shape.width;
  const sigma = 3.7;
  const noise = (s: bigint, length: number, scale: number) => {
    const out = createNormalRng(s).fill(new Float32Array(length));
    for (let i = 0; i < length; i++) out[i] *= scale;
    return out;
  };
  return {
    x: noise(seed, n, sigma),
    output: noise(seed + 1n, batch * n, 1),
    batch,
    shape,
    coefficients: discreteEpsSampling(new Float64Array([0.03, 14.6]), 0.03, 14.6).denoisedCoefficients(sigma),
    sharpnessWeight: 0.03,
    guidanceScale: 7,
    adaptiveCfg: 4,
    progress: 0.4,
    ...overrides,
  };
}

test('guidance on the guidance thread equals the JavaScript guidance exactly, call after call, inputs left intact', async () => {
  const times: ThreadTime[] = [];
  const kernels = new ThreadedStepKernels({ onGuided: (time) => times.push(time) });
  try {
    const cases: Array<[string, GuidanceInput]> = [
      ['sharpness α 0.03, cfg 7', guidanceInput(10n)],
      ['a second call (reused buffers on the thread)', guidanceInput(20n)],
      ['sharpness 0', guidanceInput(30n, { sharpnessWeight: 0 })],
      ['an input that is a view into a larger buffer', { ...guidanceInput(40n), x: viewOf(guidanceInput(40n).x) }],
    ];
    for (const [label, input] of cases) {
      const expected = Float32Array.from(await javascriptStepKernels.guide(input));
      const lengths = [input.x.length, input.output.length];
      const actual = await kernels.guide(input);
      assert.deepEqual(actual, expected, label);
      assert.deepEqual([input.x.length, input.output.length], lengths, `${label}: the inputs are not detached`);
    }
    assert.equal(times.length, 4, 'every batch-2 call ran on the thread and reported its time');
    assert.ok(times.every((t) => t.wallMs >= 0));
    // Batch 1 (cfg 1: x0 alone) stays on the calling thread.
    const single = guidanceInput(50n, { batch: 1 });
    assert.deepEqual(await kernels.guide(single), await javascriptStepKernels.guide(single));
    assert.equal(times.length, 4);
  } finally {
    await kernels.release();
  }
});

function viewOf(array: Float32Array): Float32Array {
  const padded = new Float32Array(array.length + 16);
  padded.set(array, 8);
  return padded.subarray(8, 8 + array.length);
}

test('a guidance thread that dies fails its calls as a runtime failure and the next call runs on a fresh thread', async () => {
  let started = 0;
  const dying = () =>
    new Worker(`require('node:worker_threads').parentPort.on('message', () => process.exit(3));`, { eval: true });
  const kernels = new ThreadedStepKernels({
    createWorker: () => (started++ === 0 ? dying() : guidanceWorker()),
  });
  try {
    await assert.rejects(kernels.guide(guidanceInput(60n)), (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.kind, 'runtime-failure');
      assert.match(error.message, /guidance thread stopped: it exited with code 3/);
      return true;
    });
    const input = guidanceInput(70n);
    assert.deepEqual(await kernels.guide(input), Float32Array.from(await javascriptStepKernels.guide(input)));
    assert.equal(started, 2);
  } finally {
    await kernels.release();
  }
});

test('release() fails a call in flight', async () => {
  const silent = () => new Worker(`require('node:worker_threads').parentPort.on('message', () => {});`, { eval: true });
  const kernels = new ThreadedStepKernels({ createWorker: silent });
  const pending = assert.rejects(kernels.guide(guidanceInput(80n)), /released during a job/);
  await kernels.release();
  await pending;
});
