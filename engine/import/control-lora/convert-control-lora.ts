/**
 * Fooocus's Control-LoRAs (PyraCanny's `control-lora-canny-rank128.safetensors`, CPDS's
 * `fooocus_xl_cpds_128.safetensors`; fooocus-semantics.md §8) → the ControlNet ONNX the engine
 * loads (engine/controlnet/controlnet-session.ts): the base checkpoint's UNet encoder with the
 * file merged in (control-lora-file.ts, controlnet-graph.ts, encoder-weights.ts,
 * controlnet-writer.ts). A Control-LoRA only holds what differs from its base, so the result
 * belongs to one (base UNet, Control-LoRA) pair; `control-lora.json` in the output records the
 * pair's identity and a later call with the same pair returns at once.
 * The output is built in a hidden sibling folder and renamed into place only when complete: a
 * crash or a bad file never leaves a half-written ControlNet where controlnet-files.ts looks.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import onnxProto from 'onnx-proto';
import { ControlLoraError } from './control-lora-error.ts';
import { openControlLora } from './control-lora-file.ts';
import { buildControlNetGraph } from './controlnet-graph.ts';
import { writeControlNet, CONTROLNET_DATA_FILE } from './controlnet-writer.ts';
import { planEncoderEdits } from './encoder-weights.ts';

const { onnx } = onnxProto;
/** Bumped whenever the emitted graph or weights change, so earlier conversions are rebuilt. */
export const CONTROL_LORA_CONVERTER_VERSION = 1;
export const CONTROL_LORA_MANIFEST = 'control-lora.json';

export interface ConvertControlLoraOptions {
  /** The base checkpoint's UNet: its folder (model.onnx [+ model.onnx_data]) or the model.onnx itself. */
  baseUnet: string;
  /** The Control-LoRA (`.safetensors`, or any container openTensorSource reads). */
  controlLoraPath: string;
  /** The ControlNet folder to write, e.g. models/controlnet/<name>; replaced when it holds another pair. */
  outDir: string;
  log?: (line: string) => void;
}

export interface ControlLoraSummary {
  /** `<outDir>/model.onnx`. */
  modelPath: string;
  /** The pair's identity (also in control-lora.json). */
  key: string;
  /** True when outDir already held this pair's conversion and nothing was written. */
  isReused: boolean;
  /** Output names in the UNet's residual order, with channel counts. */
  residuals: { name: string; channels: number }[];
  floatType: 'float32' | 'float16';
  /** Base weights that got up@down added, were replaced by a full tensor, or were copied unchanged. */
  merged: number;
  replaced: number;
  copied: number;
  /** Hint block and zero-conv tensors taken from the Control-LoRA. */
  added: number;
  dataBytes: number;
  ms: number;
}

interface Manifest extends Omit<ControlLoraSummary, 'modelPath' | 'isReused' | 'ms'> {
  version: number;
  baseModel: string;
  controlLora: string;
}

async function stamp(path: string): Promise<{ size: number; mtimeMs: number } | null> {
  try {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  } catch {
    return null;
  }
}

function baseModelPath(baseUnet: string): string {
  return resolve(baseUnet.endsWith('.onnx') ? baseUnet : join(baseUnet, 'model.onnx'));
}

/**
 * Identity of a (base UNet, Control-LoRA) pair: paths, sizes and mtimes (hashing gigabytes on
 * every use would cost more than it protects; engine/lora/merged-set-cache.ts does the same).
 */
export async function controlLoraKey(baseUnet: string, controlLoraPath: string): Promise<string> {
  const model = baseModelPath(baseUnet);
  const identity = {
    version: CONTROL_LORA_CONVERTER_VERSION,
    model,
    modelStamp: await stamp(model),
    data: await stamp(join(dirname(model), 'model.onnx_data')),
    controlLora: resolve(controlLoraPath),
    controlLoraStamp: await stamp(controlLoraPath),
  };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16);
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, CONTROL_LORA_MANIFEST), 'utf8')) as Manifest;
    return (await stamp(join(dir, 'model.onnx'))) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function summary(manifest: Manifest, outDir: string, isReused: boolean, ms: number): ControlLoraSummary {
  const { version: _v, baseModel: _b, controlLora: _c, ...rest } = manifest;
  return { ...rest, modelPath: join(outDir, 'model.onnx'), isReused, ms };
}

async function readBase(modelPath: string): Promise<onnxProto.onnx.IModelProto> {
  let bytes: Buffer;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    throw new ControlLoraError('unreadable', modelPath, 'the base UNet model cannot be read', { cause: error });
  }
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new ControlLoraError('unreadable', modelPath, 'the base UNet model is not an ONNX model (or is cut short)', {
      cause: error,
    });
  }
}

/** Renames `staged` to `outDir`, moving a stale conversion aside first. */
async function install(staged: string, outDir: string): Promise<void> {
  const stale = `${staged}.stale`;
  const hasOld = (await stamp(outDir)) !== null;
  if (hasOld) await rename(outDir, stale);
  await rename(staged, outDir);
  if (hasOld) await rm(stale, { recursive: true, force: true });
}

/** Converts (or finds already converted) the pair; see the module comment. */
export async function convertControlLora(options: ConvertControlLoraOptions): Promise<ControlLoraSummary> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const outDir = resolve(options.outDir);
  const modelPath = baseModelPath(options.baseUnet);
  const baseDir = dirname(modelPath);
  const key = await controlLoraKey(options.baseUnet, options.controlLoraPath);
  const existing = await readManifest(outDir);
  if (existing?.key === key && existing.version === CONTROL_LORA_CONVERTER_VERSION)
    return summary(existing, outDir, true, performance.now() - started);

  const file = await openControlLora(options.controlLoraPath);
  const staged = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}-${Date.now()}`);
  try {
    const label = `UNet ${modelPath}`;
    const graph = buildControlNetGraph(await readBase(modelPath), file, label);
    const edits = planEncoderEdits(graph.model, file, label);
    log(
      `Control-LoRA ${basename(options.controlLoraPath)} onto ${modelPath}: ${file.pairs.length} low-rank pairs, ${file.full.length} full encoder tensors, ${graph.residuals.length} residuals`,
    );
    await mkdir(staged, { recursive: true });
    const counts = await writeControlNet(staged, graph, edits, file, baseDir);
    const manifest: Manifest = {
      version: CONTROL_LORA_CONVERTER_VERSION,
      key,
      baseModel: modelPath,
      controlLora: resolve(options.controlLoraPath),
      residuals: graph.residuals,
      floatType: graph.floatType === 10 ? 'float16' : 'float32',
      ...counts,
    };
    await writeFile(join(staged, CONTROL_LORA_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await install(staged, outDir);
    const result = summary(manifest, outDir, false, performance.now() - started);
    log(
      `Control-LoRA ${basename(options.controlLoraPath)} → ${outDir}: ${counts.merged} merged, ${counts.replaced} replaced, ${counts.copied} copied, ${counts.added} added, ${counts.dataBytes} bytes in ${CONTROLNET_DATA_FILE}, ${(result.ms / 1000).toFixed(1)} s`,
    );
    return result;
  } finally {
    await file.source.close();
    await rm(staged, { recursive: true, force: true });
  }
}
