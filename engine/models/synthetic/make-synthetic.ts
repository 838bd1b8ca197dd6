/**
 * `npm run make-synthetic -- --size full|scaled|tiny --dtype float32|float16 --out <dir>`:
 * writes a synthetic SDXL checkpoint folder. `full` is the real architecture (≈ 14 GB in fp32,
 * 7 GB in fp16), `scaled` the same code at test size, `tiny` the demo checkpoint the server installs.
 */
import { parseArgs } from 'node:util';
import { writeTinyCheckpoint } from '../tiny-checkpoint.ts';
import { FULL_SDXL, SCALED_SDXL } from './sdxl-architecture.ts';
import { writeSyntheticCheckpoint } from './synthetic-checkpoint.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'full' },
    dtype: { type: 'string', default: 'float32' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1234' },
  },
});
const { size, dtype, out } = values;
if (!out) throw new Error('--out <dir> is required');
if (dtype !== 'float32' && dtype !== 'float16') throw new Error(`--dtype must be float32 or float16, not ${dtype}`);
const started = performance.now();
if (size === 'tiny') {
  await writeTinyCheckpoint(out, { dtype, externalData: true });
} else if (size === 'full' || size === 'scaled') {
  const reports = await writeSyntheticCheckpoint(out, size === 'full' ? FULL_SDXL : SCALED_SDXL, {
    dtype,
    seed: Number(values.seed),
    log: (line) => console.log(line),
  });
  const bytes = reports.reduce((sum, r) => sum + r.modelBytes + r.dataBytes, 0);
  console.log(
    `total: ${(reports.reduce((s, r) => s + r.parameters, 0) / 1e9).toFixed(3)} B parameters, ${bytes} bytes`,
  );
} else {
  throw new Error(`--size must be full, scaled or tiny, not ${size}`);
}
console.log(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
