/**
 * Child process of `npm run bench -- --real-size` (bench/real-size.bench.ts), phase `import`: a single-file
 * checkpoint imported alone in its process, so the peak resident memory is the import's. Prints one JSON line:
 * wall time, resident memory once the modules are loaded (idle) and the peak, and the progress reports' count.
 *
 * tsx bench/real-size-import.ts <checkpoint.safetensors> <outDir>
 */
import { importCheckpoint } from '../engine/import/checkpoint/import-checkpoint.ts';

const [file, outDir] = process.argv.slice(2);
const idleRssMb = process.memoryUsage.rss() / 2 ** 20;
let reads = 0;
const started = performance.now();
const report = await importCheckpoint(file, outDir, {
  log: (line) => console.error(`  ${line}`),
  onProgress: () => reads++,
});
console.log(
  JSON.stringify({
    ms: performance.now() - started,
    architecture: report.architecture.name,
    dtype: report.dtype,
    reads,
    idleRssMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
