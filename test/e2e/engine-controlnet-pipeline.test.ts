/**
 * PyraCanny/CPDS ControlNet injection (fooocus-semantics.md §8.3) on recorded UNet feeds: the
 * tiny checkpoint with up-block skips, the demo ControlNet (engine/controlnet/tiny-controlnet.ts),
 * Euler over karras(6) so one UNet call per step. Every base call carries the residual inputs;
 * their values follow the weight, the stop step (σ ≥ σ at the stop fraction), Fooocus's softness
 * and the slot chaining; zeros leave the picture exactly as without control; the refiner never
 * gets them; the debug preprocessor returns the map without sampling.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Jimp } from 'jimp';
import { percentToSigma, softnessFactors } from '../../engine/controlnet/control-residuals.ts';
import { coverResize } from '../../engine/controlnet/preprocessors/cover-resize.ts';
import { pyramidCanny } from '../../engine/controlnet/preprocessors/pyramid-canny.ts';
import { downResidualName, MID_RESIDUAL } from '../../engine/controlnet/residual-graph.ts';
import { TINY_DEMO_CONTROLNET_NAME, writeTinyControlNet } from '../../engine/controlnet/tiny-controlnet.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import type { JobContext } from '../../engine/pipeline/job-context.ts';
import { SdxlPipeline } from '../../engine/pipeline/sdxl-pipeline.ts';
import type { ControlNetJob, ControlNetSlotJob, EngineJob } from '../../engine/protocol.ts';
import { discreteEpsSampling } from '../../engine/unet/model-sampling.ts';
import { sigmaTable, SDXL_SIGMA_MAX, SDXL_SIGMA_MIN } from '../../engine/schedulers/sigma-table.ts';
import type { UnetCallRecord } from '../../engine/unet/cfg-denoiser.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { makePng } from '../fixtures/images.ts';
import type { RecordedUnetFeeds } from '../fixtures/recording-session.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

const SIZE = 64;
const RESIDUALS = [downResidualName(0), downResidualName(1), downResidualName(2), MID_RESIDUAL];

interface Call {
  label: string;
  feeds: RecordedUnetFeeds;
}

let inputsDir = '';
after(async () => {
  if (inputsDir) await rm(inputsDir, { recursive: true, force: true });
});

async function setup() {
  const base = await tinyCheckpoint({ upBlocks: true }, 'cn-base');
  const refiner = await tinyCheckpoint({ refiner: true, seed: 99 }, 'cn-refiner');
  await writeTinyControlNet(join(base.modelsDir, 'controlnet', TINY_DEMO_CONTROLNET_NAME)).catch(() => {});
  if (!inputsDir) {
    inputsDir = await mkdtemp(join(tmpdir(), 'cn-inputs-'));
    // A red square on blue (its outline is the only edge) and a coloured gradient for CPDS.
    const square = new Uint8Array(SIZE * SIZE * 4);
    const ramp = new Uint8Array(SIZE * SIZE * 4);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const inside = x >= 16 && x < 48 && y >= 16 && y < 48;
        square.set(inside ? [230, 40, 40, 255] : [20, 20, 200, 255], (y * SIZE + x) * 4);
        ramp.set([x * 4, 255 - y * 4, 128, 255], (y * SIZE + x) * 4);
      }
    }
    await writeFile(join(inputsDir, 'square.png'), await makePng(SIZE, SIZE, square));
    await writeFile(join(inputsDir, 'ramp.png'), await makePng(SIZE, SIZE, ramp));
  }
  return { modelsDir: base.modelsDir, base: base.name, refiner: refiner.name };
}

const slot = (type: ControlNetSlotJob['type'], overrides: Partial<ControlNetSlotJob> = {}): ControlNetSlotJob => ({
  type,
  image: { file: type === 'PyraCanny' ? 'square.png' : 'ramp.png', width: SIZE, height: SIZE },
  stop: 1,
  weight: 1,
  ...overrides,
});
const control = (slots: ControlNetSlotJob[], overrides: Partial<ControlNetJob> = {}): ControlNetJob => ({
  slots,
  softness: 0.25,
  cannyLow: 64,
  cannyHigh: 128,
  isPreprocessorSkipped: false,
  isPreprocessorDebug: false,
  ...overrides,
});

async function run(overrides: Partial<EngineJob>) {
  const m = await setup();
  const calls: Call[] = [];
  const sigmas: number[] = [];
  const providers = new ProviderSelector(
    'cpu',
    1,
    () => {},
    async (model, options) => {
      const session = await OnnxSession.create(model, options);
      const label = options.label ?? '';
      if (label.endsWith('/unet')) {
        const runSession = session.run.bind(session);
        session.run = (feeds, fetch) => {
          const copy: RecordedUnetFeeds = {};
          for (const [name, feed] of Object.entries(feeds))
            copy[name] = { data: Array.from(feed.data), dims: [...feed.dims] };
          calls.push({ label, feeds: copy });
          return runSession(feeds, fetch);
        };
      }
      return session;
    },
  );
  const pipeline = new SdxlPipeline({
    modelsDir: m.modelsDir,
    providers,
    inputsDir,
    onUnetCall: (call: UnetCallRecord) => void sigmas.push(call.sigma),
  });
  const images: Uint8Array[] = [];
  const ctx: JobContext = {
    controlRequested: () => null,
    reportProgress: () => {},
    emitImage: (image) => void images.push(image.bytes),
  };
  try {
    const outcome = await pipeline.run(
      engineJob({
        model: m.base,
        sampler: 'euler',
        scheduler: 'karras',
        steps: 6,
        width: SIZE,
        height: SIZE,
        ...overrides,
      }),
      ctx,
    );
    return { calls, sigmas, images, warnings: outcome.warnings, names: m };
  } finally {
    await pipeline.release();
  }
}

const residualsOf = (call: Call) => RESIDUALS.map((name) => call.feeds[name].data);
const isZero = (values: number[]) => values.every((v) => v === 0);

function assertScaled(actual: number[], expected: number[], factor: number, what: string): void {
  assert.equal(actual.length, expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i] * factor));
  const scale = Math.max(...expected.map(Math.abs));
  assert.ok(scale > 0 && worst <= 1e-5 * scale, `${what}: off by ${worst} (scale ${scale})`);
}

test('every base UNet call gets the four residuals for both rows; the weight scales them; the demo is said', async () => {
  const full = await run({ controlNet: control([slot('PyraCanny')]) });
  const half = await run({ controlNet: control([slot('PyraCanny', { weight: 0.5 })]) });
  assert.equal(full.calls.length, 6);
  for (const call of full.calls) {
    assert.deepEqual(
      RESIDUALS.map((name) => call.feeds[name].dims),
      [
        [2, 8, 8, 8],
        [2, 16, 8, 8],
        [2, 32, 8, 8],
        [2, 32, 8, 8],
      ],
    );
    assert.ok(residualsOf(call).every((values) => !isZero(values)));
  }
  // The first call's inputs are the same in both runs (same seed, same start): the residuals halve.
  residualsOf(half.calls[0]).forEach((values, i) =>
    assertScaled(values, residualsOf(full.calls[0])[i], 0.5, RESIDUALS[i]),
  );
  assert.ok(
    full.warnings.some((w) => w.includes('demo ControlNet') && w.includes(TINY_DEMO_CONTROLNET_NAME)),
    full.warnings.join('\n'),
  );
  const plain = await run({});
  assert.ok(
    plain.calls.every((call) => !(MID_RESIDUAL in call.feeds)),
    'without control the plain UNet runs',
  );
  assert.notDeepEqual(full.images[0], plain.images[0], 'control changes the picture');
});

test('zero residuals (stop 0: never active) leave the image bit-identical to a run without control', async () => {
  const never = await run({ controlNet: control([slot('PyraCanny', { stop: 0 })]) });
  const plain = await run({});
  assert.ok(never.calls.every((call) => residualsOf(call).every(isZero)));
  assert.deepEqual(never.images[0], plain.images[0]);
});

test("softness: residual i of n + 1 is scaled by 1 − s·(1 − i/n) (Fooocus's controlnet_softness)", async () => {
  const hard = await run({ controlNet: control([slot('CPDS')], { softness: 0 }) });
  const soft = await run({ controlNet: control([slot('CPDS')], { softness: 0.25 }) });
  assert.deepEqual(
    softnessFactors(4, 0.25).map((f) => +f.toFixed(4)),
    [0.75, 0.8333, 0.9167, 1],
  );
  // SDXL's 9 + 1 residuals: ×0.75 for the first … ×1.0 for the mid block (fooocus-semantics.md §4.8).
  assert.deepEqual(
    softnessFactors(10, 0.25).map((f) => +f.toFixed(4)),
    [0.75, 0.7778, 0.8056, 0.8333, 0.8611, 0.8889, 0.9167, 0.9444, 0.9722, 1],
  );
  const factors = softnessFactors(4, 0.25);
  residualsOf(soft.calls[0]).forEach((values, i) =>
    assertScaled(values, residualsOf(hard.calls[0])[i], factors[i], RESIDUALS[i]),
  );
});

test('stop: a slot feeds residuals while σ ≥ σ(stop) and zeros after; the refiner never gets them', async () => {
  const sampling = discreteEpsSampling(sigmaTable(), SDXL_SIGMA_MIN, SDXL_SIGMA_MAX);
  const threshold = percentToSigma(0.5, sampling);
  // ComfyUI's percent_to_sigma: the table's σ at t = 499.5 (log-interpolated).
  const table = sigmaTable();
  assert.ok(Math.abs(threshold - Math.sqrt(table[499] * table[500])) < 1e-9);
  const { calls, sigmas } = await run({ controlNet: control([slot('PyraCanny', { stop: 0.5 })]) });
  const active = sigmas.map((sigma) => sigma >= threshold);
  assert.ok(active.includes(true) && active.includes(false), `σ ${sigmas.join(', ')} around ${threshold}`);
  calls.forEach((call, i) => assert.equal(!residualsOf(call).every(isZero), active[i], `call ${i} at σ ${sigmas[i]}`));

  const refined = await run({
    controlNet: control([slot('PyraCanny')]),
    refiner: { model: (await setup()).refiner, switchAt: 3, swapMethod: 'joint' },
  });
  const labels = refined.calls.map((c) => c.label.split('/')[0]);
  assert.deepEqual(labels, ['cn-base', 'cn-base', 'cn-base', 'cn-base', 'cn-refiner', 'cn-refiner']);
  refined.calls.forEach((call, i) => assert.equal(MID_RESIDUAL in call.feeds, i < 4, `call ${i} (${call.label})`));
});

test('several slots chain: canny and CPDS residuals add up, canny first whatever the slot order', async () => {
  const canny = await run({ controlNet: control([slot('PyraCanny', { weight: 0.8 })]) });
  const structure = await run({ controlNet: control([slot('CPDS', { weight: 1.3 })]) });
  const both = await run({ controlNet: control([slot('CPDS', { weight: 1.3 }), slot('PyraCanny', { weight: 0.8 })]) });
  residualsOf(both.calls[0]).forEach((values, i) => {
    const expected = residualsOf(canny.calls[0])[i].map((v, k) => v + residualsOf(structure.calls[0])[i][k]);
    assertScaled(values, expected, 1, RESIDUALS[i]);
  });
});

test('debugging_cn_preprocessor returns the PyraCanny map at the generation size, edges on the square, without sampling', async () => {
  const { calls, images } = await run({
    width: 96,
    height: 64,
    controlNet: control([slot('PyraCanny')], { isPreprocessorDebug: true }),
  });
  assert.equal(calls.length, 0);
  assert.equal(images.length, 1);
  const decoded = await Jimp.read(Buffer.from(images[0]));
  assert.equal(decoded.bitmap.width, 96);
  assert.equal(decoded.bitmap.height, 64);
  // The engine's own map of the cover-resized input (64² → 96×96, centre rows 16..79 kept).
  const square = await Jimp.read(join(inputsDir, 'square.png'));
  const rgb = Uint8Array.from(
    { length: SIZE * SIZE * 3 },
    (_, i) => square.bitmap.data[Math.floor(i / 3) * 4 + (i % 3)],
  );
  const expected = pyramidCanny(coverResize({ width: SIZE, height: SIZE, channels: 3, data: rgb }, 96, 64), 64, 128);
  const got = Uint8Array.from({ length: 96 * 64 * 3 }, (_, i) => decoded.bitmap.data[Math.floor(i / 3) * 4 + (i % 3)]);
  assert.deepEqual(got, expected.data);
  // The square spans x 24..71 after the 1.5× resize; its sides sit at columns ≈ 24 and ≈ 71.
  const row = [...Array(96).keys()].map((x) => got[(32 * 96 + x) * 3]);
  const peak = Math.max(...row);
  const peaks = row.flatMap((v, x) => (v >= peak * 0.8 ? [x] : []));
  assert.ok(
    peaks.length > 0 && peaks.every((x) => Math.abs(x - 23.5) <= 2 || Math.abs(x - 71.5) <= 2),
    `row 32 peaks at ${peaks.join(', ')}`,
  );
  assert.ok(row.slice(0, 12).every((v) => v === 0) && row.slice(35, 60).every((v) => v < peak / 4), row.join(','));
});

test('with FreeU the UNet takes both: residuals first, FreeU on the sums (ComfyUI order); zero control equals FreeU alone', async () => {
  const freeu = { b1: 1.01, b2: 1.02, s1: 0.99, s2: 0.95 };
  const both = await run({ freeu, controlNet: control([slot('PyraCanny')]) });
  assert.ok(both.calls.every((call) => 'freeu_scales' in call.feeds && MID_RESIDUAL in call.feeds));
  const freeuOnly = await run({ freeu });
  const zeroControl = await run({ freeu, controlNet: control([slot('PyraCanny', { stop: 0 })]) });
  assert.deepEqual(zeroControl.images[0], freeuOnly.images[0]);
  assert.notDeepEqual(both.images[0], freeuOnly.images[0]);
});
