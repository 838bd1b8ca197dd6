/**
 * `npx tsx bench/sharpness.bench.ts`: the sharpness filter (Fooocus `adaptive_anisotropic_filter`)
 * on one 1152×896 latent (float32 [4,112,144]), the per-pixel gather form
 * (engine/sharpness/joint-bilateral-reference.ts) against the engine's offset-major form, same
 * inputs, runs interleaved so load on the machine hits both alike. Prints each form's median
 * over RUNS runs (after WARMUP each), the ratio, and the largest difference between their outputs,
 * for two kinds of latent: the gather's Math.exp is data-dependent (fast near 0, slow on the
 * spread of distances pure noise gives), the offset-major form's cost is not.
 */
import { adaptiveAnisotropicFilter, standardiseGuide, type TensorShape } from '../engine/sharpness/anisotropic.ts';
import { jointBilateralBlurReference } from '../engine/sharpness/joint-bilateral-reference.ts';

const RUNS = Number(process.env.RUNS ?? 9);
const WARMUP = 2;
const shape: TensorShape = { channels: 4, height: 896 / 8, width: 1152 / 8 };

/**
 * Seeded values: `smooth` is a smooth field plus noise in about [−3, 3], like a mid-sampling x0; else noise in [−1, 1).
 */
function latent(seed: number, isSmooth: boolean): Float32Array {
  const { channels, height, width } = shape;
  let state = seed >>> 0;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 32) * 2 - 1;
  };
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++)
        out[(c * height + y) * width + x] = (isSmooth ? 2 * Math.sin(x / 9 + c) * Math.cos(y / 13 - c) : 0) + noise();
    }
  }
  return out;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function compare(label: string, isSmooth: boolean): void {
  const eps = latent(1, isSmooth);
  const x0 = latent(2, isSmooth);
  const forms = {
    gather: () => jointBilateralBlurReference(eps, standardiseGuide(x0), shape),
    offsetMajor: () => adaptiveAnisotropicFilter(eps, x0, shape),
  };
  const times = { gather: [] as number[], offsetMajor: [] as number[] };
  const outputs: Record<keyof typeof forms, Float32Array> = {
    gather: new Float32Array(0),
    offsetMajor: new Float32Array(0),
  };
  for (let run = 0; run < WARMUP + RUNS; run++) {
    for (const name of ['gather', 'offsetMajor'] as const) {
      const started = performance.now();
      outputs[name] = forms[name]();
      if (run >= WARMUP) times[name].push(performance.now() - started);
    }
  }
  let maxDiff = 0;
  let low = Infinity;
  let high = -Infinity;
  for (let i = 0; i < outputs.gather.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(outputs.offsetMajor[i] - outputs.gather[i]));
    low = Math.min(low, outputs.gather[i]);
    high = Math.max(high, outputs.gather[i]);
  }
  const gatherMs = median(times.gather);
  const offsetMs = median(times.offsetMajor);
  console.log(
    `  ${label.padEnd(22)} gather ${gatherMs.toFixed(1).padStart(6)} ms   offset-major ${offsetMs.toFixed(1).padStart(5)} ms   ` +
      `ratio ${(gatherMs / offsetMs).toFixed(1)}×   max |diff| ${maxDiff.toExponential(2)} (${(maxDiff / (high - low)).toExponential(2)} of the output range ${(high - low).toFixed(2)})`,
  );
}

console.log(`sharpness filter on a latent [${shape.channels},${shape.height},${shape.width}], median of ${RUNS} runs`);
compare('smooth field + noise', true);
compare('uniform noise', false);
