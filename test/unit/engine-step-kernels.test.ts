/**
 * The step loop's graph kernels (ONNX graphs, run here on the CPU provider) against the JavaScript
 * kernels: same maths, float32 instead of float64 sums. Tolerances are stated per kernel; the
 * measured largest differences are printed (and quoted in the README).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { createNormalRng } from '../../engine/random/normal-rng.ts';
import { combineInJs } from '../../engine/samplers/sampler-math.ts';
import type { LatentTerm } from '../../engine/samplers/types.ts';
import { adaptiveAnisotropicFilter, type TensorShape } from '../../engine/sharpness/anisotropic.ts';
import { GraphStepKernels } from '../../engine/step-kernels/graph-step-kernels.ts';
import { addSharpnessFilter } from '../../engine/step-kernels/sharpness-graph.ts';
import { javascriptStepKernels, resolveStepMath, type GuidanceInput } from '../../engine/step-kernels/step-kernels.ts';
import { continuousEdmSampling, discreteEpsSampling } from '../../engine/unet/model-sampling.ts';

const created: OnnxSession[] = [];
const createSession = async (model: Uint8Array, label: string) => {
  const session = await OnnxSession.create(model, { provider: 'cpu', label });
  created.push(session);
  return session;
};
const graphs = new GraphStepKernels(createSession);
after(async () => {
  await graphs.release();
  for (const session of created) await session.release().catch(() => {});
});

function noise(seed: bigint, length: number, scale = 1): Float32Array {
  const out = createNormalRng(seed).fill(new Float32Array(length));
  for (let i = 0; i < length; i++) out[i] *= scale;
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}

test('the step loop runs as graphs on CUDA and WebGPU and in JavaScript on the CPU unless forced', () => {
  assert.equal(resolveStepMath('auto', 'cuda'), 'graph');
  assert.equal(resolveStepMath('auto', 'webgpu'), 'graph');
  assert.equal(resolveStepMath('auto', 'cpu'), 'javascript');
  assert.equal(resolveStepMath('graph', 'cpu'), 'graph');
  assert.equal(resolveStepMath('javascript', 'cuda'), 'javascript');
});

test('the sharpness filter graph equals the JavaScript filter (float64) to float32 precision, reflect borders included', async () => {
  for (const shape of [
    { channels: 4, height: 7, width: 9 },
    { channels: 4, height: 20, width: 13 },
    { channels: 3, height: 16, width: 16 },
  ] as TensorShape[]) {
    const n = shape.channels * shape.height * shape.width;
    const input = noise(1n, n);
    const guide = noise(2n, n, 2);
    for (let i = 0; i < n; i++) guide[i] += 3 * Math.sin(i / 17); // a smooth part, so range weights vary
    const g = new GraphBuilder('filter');
    const dims = [1, 'channels', 'height', 'width'];
    g.output(addSharpnessFilter(g, g.input('input', 'float', dims), g.input('guide', 'float', dims)), 'out', dims);
    const session = await createSession(g.build().model, 'filter');
    const feedDims = [1, shape.channels, shape.height, shape.width];
    const out = (await session.run({ input: { data: input, dims: feedDims }, guide: { data: guide, dims: feedDims } }))
      .out.data;
    const expected = adaptiveAnisotropicFilter(input, guide, shape);
    const diff = maxAbsDiff(out, expected);
    console.log(
      `  filter ${shape.channels}x${shape.height}x${shape.width}: max |graph − js| = ${diff.toExponential(2)} (values up to ${maxAbs(expected).toFixed(2)})`,
    );
    assert.ok(diff < 2e-5 * Math.max(1, maxAbs(expected)), `max difference ${diff}`);
  }
});

function guidanceCase(overrides: Partial<GuidanceInput> = {}): GuidanceInput {
  const shape = overrides.shape ?? { channels: 4, height: 12, width: 10 };
  const batch = overrides.batch ?? 2;
  const n = shape.channels * shape.height * shape.width;
  const sigma = 3.7;
  return {
    x: noise(3n, n, sigma),
    output: noise(4n, batch * n),
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

test('guidance as a graph (x0 per row, sharpness, adaptive CFG) equals the JavaScript guidance, max |diff| stated', async () => {
  const cases: Array<[string, Partial<GuidanceInput>]> = [
    ['cfg 7 mimicking, sharpness α 0.03', {}],
    ['cfg 4 ≤ adaptive 7 (real only), sharpness α 0.002', { guidanceScale: 4, adaptiveCfg: 7, sharpnessWeight: 0.002 }],
    ['sharpness 0 (no filter)', { sharpnessWeight: 0 }],
    ['batch 1 (cfg 1)', { batch: 1 }],
    ['EDM coefficients', { coefficients: continuousEdmSampling().denoisedCoefficients(2.5) }],
    ["latent below the filter graph's 7 px (JavaScript filter)", { shape: { channels: 4, height: 5, width: 6 } }],
  ];
  for (const [label, overrides] of cases) {
    const input = guidanceCase(overrides);
    const expected = await javascriptStepKernels.guide(input);
    const actual = await graphs.guide(input);
    const diff = maxAbsDiff(actual, expected);
    console.log(
      `  guidance, ${label}: max |graph − js| = ${diff.toExponential(2)} (values up to ${maxAbs(expected).toFixed(2)})`,
    );
    assert.ok(diff < 2e-5 * Math.max(1, maxAbs(expected)), `${label}: max difference ${diff}`);
  }
});

test('the UNet sample feed graph scales by c_in and repeats the row per batch exactly', async () => {
  const shape = { channels: 4, height: 3, width: 5 };
  const x = noise(5n, 60, 10);
  for (const batch of [1, 2] as const) {
    const expected = await javascriptStepKernels.unetSample(x, shape, 0.0683, batch);
    const actual = await graphs.unetSample(x, shape, 0.0683, batch);
    assert.equal(actual.length, batch * 60);
    assert.ok(maxAbsDiff(actual, expected) <= 1e-6 * maxAbs(expected), `batch ${batch}`);
  }
});

test('combine as a graph equals the JavaScript linear combination, with a term aliasing the output and repeated latents', async () => {
  const n = 257;
  const vs = [1n, 2n, 3n, 4n, 5n].map((seed) => noise(seed, n));
  const termSets: LatentTerm[][] = [
    [[0.5, vs[0]]],
    [
      [0.9, vs[0]],
      [-0.3, vs[1]],
    ],
    [
      [1, vs[0]],
      [0.25, vs[0]],
      [-2, vs[1]],
      [3e-3, vs[2]],
    ],
    [
      [1.2, vs[0]],
      [0.4, vs[1]],
      [-0.7, vs[2]],
      [0.1, vs[3]],
      [2.5, vs[4]],
    ],
  ];
  for (const terms of termSets) {
    const expected = await combineInJs(new Float32Array(n), terms);
    const out = Float32Array.from(vs[0]);
    const aliased = terms.map(([c, v]): LatentTerm => [c, v === vs[0] ? out : v]);
    const actual = await graphs.combine(out, aliased);
    assert.equal(actual, out, 'resolves to the output buffer');
    const diff = maxAbsDiff(actual, expected);
    assert.ok(diff < 1e-5 * Math.max(1, maxAbs(expected)), `${terms.length} terms: max difference ${diff}`);
  }
  await assert.rejects(graphs.combine(new Float32Array(3), [[1, new Float32Array(4)]]), /4 values for an output of 3/);
});
