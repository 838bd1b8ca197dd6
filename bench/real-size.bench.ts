/**
 * `npm run bench -- --real-size [--device cpu|cuda|webgpu] [--dtype float32|float16] [--out <dir>] [--keep]
 * [--phases generate,import,plain,lora,patched,http]`: the engine at real size, on a full-size synthetic SDXL
 * checkpoint (engine/models/synthetic; random weights: speed and memory do not depend on their values).
 * Takes minutes and ~25 GB of disk (checkpoint 13.9 GB fp32, LoRA-merged side file 10.1 GB), so not in the suite.
 * Reports:
 *  - generator time and bytes;
 *  - the generated weights exported as one single-file checkpoint under SGM/A1111 names, then imported back
 *    (engine/import/checkpoint) in a child process of its own: time, peak RSS above idle (goal <= 2 GiB), and
 *    that the imported folder matches the generated one (model.onnx bytes, data file sizes and sampled bytes);
 *  - per model, session creation time; peak resident memory of the engine process against the
 *    checkpoint's bytes (bench/real-size-engine.ts, a child process of its own);
 *  - one UNet step (batch 2: CFG) and its time outside session.run; the second job's wall time and
 *    the sessions it created (0: the loaded model is reused);
 *  - a rank-128 kohya LoRA on every attention and resnet layer: file size, merge time, side-file size;
 *  - the FreeU rewrite's time; the engine with both (sessions again: the merged UNet);
 *  - a generation through the HTTP API (the server's engine child on the same checkpoint).
 * On CPU the job is 512², 2 steps; with `--device cuda|webgpu` it is 1024², 30 steps on the fp16
 * checkpoint and the second job's wall time is the seconds per image.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { mergeLoras } from '../engine/lora/merge.ts';
import { unetLoraModules, writeKohyaLora } from '../engine/models/synthetic/kohya-lora.ts';
import { contextWidth, FULL_SDXL } from '../engine/models/synthetic/sdxl-architecture.ts';
import { writeSyntheticCheckpoint } from '../engine/models/synthetic/synthetic-checkpoint.ts';
import { exportSyntheticCheckpoint } from '../engine/import/checkpoint/export-checkpoint.ts';
import { freeuModelPath } from '../engine/unet/freeu-model-cache.ts';
import { startServerProcess } from '../test/fixtures/server-process.ts';

const GB = 1e9;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface EngineReport {
  threads: number;
  sessions: { label: string; ms: number; rssAfterMb: number }[];
  first: JobReport;
  /** null when the run had one job. */
  second: JobReport | null;
  peakRssMb: number;
}
interface JobReport {
  outcome: string;
  warnings: string[];
  wallMs: number;
  sessionsCreated: number;
  intervals: { stepMs: number; runMs: number; calls: number }[];
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

interface ImportChildReport {
  ms: number;
  architecture: string;
  dtype: string;
  reads: number;
  idleRssMb: number;
  peakRssMb: number;
}

function runChild<T>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`${script} exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

/** Same model.onnx bytes, same data file sizes, and 16 sampled 64 KiB windows of each data file equal. */
async function assertSameCheckpoint(expected: string, actual: string): Promise<void> {
  for (const component of ['text_encoder', 'text_encoder_2', 'unet', 'vae_encoder', 'vae_decoder']) {
    const [a, b] = [join(expected, component), join(actual, component)];
    if (!(await readFile(join(a, 'model.onnx'))).equals(await readFile(join(b, 'model.onnx'))))
      throw new Error(`${component}/model.onnx differs after the import`);
    const data = join(a, 'model.onnx_data');
    const size = await stat(data).then(
      (x) => x.size,
      () => 0,
    );
    if (size === 0) continue;
    if ((await stat(join(b, 'model.onnx_data'))).size !== size) throw new Error(`${component} data size differs`);
    const [fa, fb] = [await open(data, 'r'), await open(join(b, 'model.onnx_data'), 'r')];
    try {
      for (let i = 0; i < 16; i++) {
        const at = Math.floor(((size - 65536) * i) / 15);
        const [x, y] = [Buffer.alloc(65536), Buffer.alloc(65536)];
        await fa.read(x, 0, x.length, at);
        await fb.read(y, 0, y.length, at);
        if (!x.equals(y)) throw new Error(`${component}/model.onnx_data differs at byte ${at}`);
      }
    } finally {
      await fa.close();
      await fb.close();
    }
  }
}

async function importPhase(modelsDir: string, checkpointDir: string, dtype: 'float32' | 'float16'): Promise<void> {
  const file = join(modelsDir, `synthetic-sdxl-single-file-${dtype}.safetensors`);
  const imported = join(modelsDir, '.import-bench', 'imported');
  await rm(join(modelsDir, '.import-bench'), { recursive: true, force: true });
  try {
    let started = performance.now();
    // The generator's default seed: the export holds the weights of the checkpoint generated above.
    const bytes = await exportSyntheticCheckpoint(file, FULL_SDXL, { dtype });
    console.log(
      `Export to one single-file checkpoint (SGM/A1111 names): ${bytes} bytes (${(bytes / GB).toFixed(2)} GB) in ${s(performance.now() - started)}`,
    );
    started = performance.now();
    const r = await runChild<ImportChildReport>('bench/real-size-import.ts', [file, imported]);
    const above = (r.peakRssMb - r.idleRssMb) / 1024;
    console.log(
      `Import (child process): ${s(r.ms)} (${s(performance.now() - started)} with process start), ${r.architecture} architecture, ${r.dtype}, ${r.reads} tensor reads; RSS idle ${(r.idleRssMb / 1024).toFixed(2)} GiB, peak ${(r.peakRssMb / 1024).toFixed(2)} GiB = ${above.toFixed(2)} GiB above idle (goal <= 2 GiB)`,
    );
    started = performance.now();
    await assertSameCheckpoint(checkpointDir, imported);
    console.log(`  imported folder matches the generated checkpoint (checked in ${s(performance.now() - started)})`);
  } finally {
    await rm(file, { force: true });
    await rm(join(modelsDir, '.import-bench'), { recursive: true, force: true });
  }
}

function runEngine(args: string[]): Promise<EngineReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/real-size-engine.ts', ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`engine child exited ${code}: ${out.slice(-2000)}`));
      else resolve(JSON.parse(line) as EngineReport);
    });
  });
}

function printEngine(label: string, r: EngineReport, checkpointBytes: number): void {
  console.log(`${label} (engine child, ${r.threads} threads)`);
  for (const x of r.sessions)
    console.log(
      `  session ${x.label.padEnd(36)} ${s(x.ms).padStart(8)}  rss after ${(x.rssAfterMb / 1024).toFixed(2)} GiB`,
    );
  const step = r.first.intervals[0] ?? r.second?.intervals[0];
  if (step)
    console.log(
      `  one UNet step (batch 2, CFG): ${s(step.stepMs)}; session.run ${s(step.runMs)} (${step.calls} call); outside session.run ${(step.stepMs - step.runMs).toFixed(0)} ms`,
    );
  const second = r.second
    ? `; job 2 ${s(r.second.wallMs)} (${r.second.sessionsCreated} sessions created, ${r.second.outcome})`
    : '';
  console.log(
    `  job 1 ${s(r.first.wallMs)} (${r.first.sessionsCreated} sessions created, ${r.first.outcome})${second}`,
  );
  const warnings = [...new Set([...r.first.warnings, ...(r.second?.warnings ?? [])])];
  if (warnings.length > 0) console.log(`  warnings: ${warnings.join(' | ')}`);
  const peak = (r.peakRssMb * 2 ** 20) / GB;
  console.log(
    `  peak RSS ${peak.toFixed(2)} GB = ${(peak / (checkpointBytes / GB)).toFixed(2)}x the checkpoint's ${(checkpointBytes / GB).toFixed(2)} GB (goal <= 1.3x)`,
  );
}

export async function runRealSizeBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'real-size': { type: 'boolean' },
      device: { type: 'string', default: 'cpu' },
      dtype: { type: 'string' },
      out: { type: 'string', default: join(process.cwd(), '.real-size-bench') },
      keep: { type: 'boolean', default: false },
      // A subset reuses what earlier phases left in --out (with --keep).
      phases: { type: 'string', default: 'generate,import,plain,lora,patched,http' },
    },
  });
  const device = values.device!;
  const isGpu = device !== 'cpu';
  const phases = new Set(values.phases!.split(','));
  const dtype = (values.dtype ?? (isGpu ? 'float16' : 'float32')) as 'float32' | 'float16';
  const size = isGpu ? 1024 : 512;
  const steps = isGpu ? 30 : 2;
  const modelsDir = values.out!;
  const name = `synthetic-sdxl-${dtype === 'float16' ? 'fp16' : 'fp32'}`;
  const checkpointDir = join(modelsDir, 'checkpoints', name);
  console.log(`Real-size bench: ${name}, device ${device}, ${size}x${size}, ${steps} steps, models in ${modelsDir}`);
  try {
    if (phases.has('generate')) {
      await rm(checkpointDir, { recursive: true, force: true });
      const started = performance.now();
      const reports = await writeSyntheticCheckpoint(checkpointDir, FULL_SDXL, { dtype });
      const ms = performance.now() - started;
      console.log(
        `Generator: ${s(ms)}, peak RSS of the bench process ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`,
      );
      for (const r of reports)
        console.log(
          `  ${r.component.padEnd(15)} ${(r.parameters / 1e6).toFixed(1).padStart(8)} M params  model.onnx ${r.modelBytes} B  model.onnx_data ${r.dataBytes} B  ${s(r.ms)}`,
        );
    }
    const checkpointBytes = await folderBytes(checkpointDir);
    console.log(`Checkpoint: ${checkpointBytes} bytes (${(checkpointBytes / GB).toFixed(2)} GB)`);
    if (phases.has('import')) await importPhase(modelsDir, checkpointDir, dtype);

    // On CPU the second job is one step: it shows the loaded model is reused; on a GPU it is the timed image.
    const secondSteps = isGpu ? steps : 1;
    if (phases.has('plain'))
      printEngine(
        'Engine, plain',
        await runEngine([modelsDir, name, device, String(size), String(steps), String(secondSteps)]),
        checkpointBytes,
      );

    const loraName = 'synthetic-rank128-all-layers.safetensors';
    const loraPath = join(modelsDir, 'loras', loraName);
    if (phases.has('lora')) {
      await mkdir(join(modelsDir, 'loras'), { recursive: true });
      const modules = unetLoraModules(FULL_SDXL.unet, contextWidth(FULL_SDXL));
      let started = performance.now();
      const loraBytes = await writeKohyaLora(loraPath, modules, 128);
      console.log(
        `LoRA: rank 128, ${modules.length} UNet modules (every attention Linear and resnet layer), ${loraBytes} bytes, written in ${s(performance.now() - started)}`,
      );
      // The pipeline's own cache folder and weight, so the engine child below reuses this merged set.
      started = performance.now();
      const merged = await mergeLoras(
        join(checkpointDir, 'unet'),
        [{ path: loraPath, weight: 0.8 }],
        join(modelsDir, '.lora-cache'),
      );
      const mergeMs = performance.now() - started;
      const side = (await readdir(join(merged.modelPath, '..'))).find((f) => f.startsWith('lora-'));
      const sideBytes = side ? (await stat(join(merged.modelPath, '..', side))).size : 0;
      console.log(
        `LoRA merge: ${s(mergeMs)} (goal <= 120 s), ${merged.changed.length} initializers patched, ${merged.skipped.length} skipped, side file ${sideBytes} bytes`,
      );
      started = performance.now();
      const freeu = await freeuModelPath(merged.modelPath, join(modelsDir, '.freeu-cache'), { folder: 'unet' });
      console.log(
        `FreeU rewrite of the merged UNet: ${s(performance.now() - started)} (goal <= 120 s)${freeu ? '' : ' — no sites found'}`,
      );
    }
    if (phases.has('patched')) {
      const report = await runEngine([
        modelsDir,
        name,
        device,
        String(size),
        isGpu ? String(steps) : '1',
        isGpu ? String(steps) : '0',
        loraName,
        'freeu',
      ]);
      printEngine('Engine, LoRA + FreeU (reuses the merged and rewritten sets above)', report, checkpointBytes);
    }

    if (phases.has('http')) {
      const server = await startServerProcess([
        '--data-dir',
        join(modelsDir, 'outputs'),
        '--models-dir',
        modelsDir,
        '--device',
        device,
        '--log-level',
        'info',
      ]);
      try {
        const started = performance.now();
        const res = await fetch(`${server.url}/v1/engine/generate/`, {
          method: 'POST',
          body: JSON.stringify({
            prompt: 'a lighthouse at dusk',
            base_model_name: name,
            refiner_model_name: 'None',
            image_number: 1,
            aspect_ratios_selection: `${size}*${size}`,
            loras: [],
            style_selections: [],
            overwrite_step: isGpu ? 30 : 1,
            sampler_name: 'euler',
          }),
        });
        const body = (await res.json()) as { task_id?: string; result?: string[]; finish_reason?: string };
        console.log(
          `HTTP API: POST /v1/engine/generate/ ${size}x${size}, ${isGpu ? 30 : 1} step(s): HTTP ${res.status} in ${s(performance.now() - started)}, result ${JSON.stringify(body.result ?? body).slice(0, 200)}`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    if (!values.keep) await rm(modelsDir, { recursive: true, force: true });
  }
}
