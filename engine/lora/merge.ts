/**
 * Merges up to five LoRAs into one checkpoint component (unet, text_encoder, text_encoder_2)
 * without ever holding a weight file in memory (DECISIONS §6: Buffers stop at 4 GiB, an SDXL UNet's
 * weights are 5–10 GB). For each patched initializer: read the original by offset, add
 * Σ weight·(alpha/rank)·up@down in its own dtype and layout, append it to a side file. The merged
 * set is a copy of `model.onnx` whose patched initializers point at `lora-<key>.onnx_data` and whose
 * other external initializers keep their original `location`, served by a hard link to the
 * original file. A link, not a path: onnxruntime 1.30 refuses external data locations that are
 * absolute or leave the model's folder, symlinks included (measured), so the cache folder must be
 * on the checkpoint's filesystem.
 */
import { link, mkdir, open, readFile, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { EngineError, invalidInput, modelMissing } from '../errors.ts';
import {
  bytesPerElement,
  EXTERNAL,
  ExternalFiles,
  externalRef,
  readInitializer,
  safeLocation,
  type TensorProto,
} from './initializer-data.ts';
import { LoraFile, type LoraFactors, type LoraModule } from './lora-file.ts';
import type { LoraComponent } from './lora-keys.ts';
import { NativeProduct } from './delta-product.ts';
import { addLowRankDeltaNative, stackFactors } from './low-rank-delta.ts';
import { MergedSetCache, mergedSetKey } from './merged-set-cache.ts';
import { LoraTargetIndex, type LoraTarget } from './onnx-targets.ts';

const { onnx } = onnxProto;

/** Fooocus's five user LoRAs plus the performance LoRA, which sits outside that limit (fooocus-semantics §1). */
export const MAX_LORAS = 6;
export const MAX_LORA_WEIGHT = 2;
/** Side-file offsets are aligned like the exporters' (and our graph builder's) external data. */
const ALIGN = 64;

export interface LoraSpec {
  /** A `.safetensors` LoRA (kohya or diffusers/PEFT key names). */
  path: string;
  /** Strength, −2..2; 0 leaves the LoRA out. */
  weight: number;
}

export interface MergeOptions {
  /** Which LoRA keys apply; by default from the folder name (unet, text_encoder → te1, text_encoder_2 → te2). */
  component?: LoraComponent;
  /** Merged sets kept per component folder name (default 2). */
  maxSets?: number;
  log?: (line: string) => void;
}

export interface MergeResult {
  /** The model.onnx to load by path: the original when nothing applies, else the merged copy. */
  modelPath: string;
  /** Names of the initializers that were patched. */
  changed: string[];
  /** LoRA tensors or modules that were not applied, each with the reason. */
  skipped: string[];
  isReused: boolean;
}

const COMPONENTS: Record<string, LoraComponent> = { unet: 'unet', text_encoder: 'te1', text_encoder_2: 'te2' };

function validate(loras: readonly LoraSpec[]): LoraSpec[] {
  if (loras.length > MAX_LORAS)
    throw invalidInput('loras', `at most ${MAX_LORAS} LoRAs can be applied at once; got ${loras.length}`);
  for (const l of loras) {
    if (!Number.isFinite(l.weight) || Math.abs(l.weight) > MAX_LORA_WEIGHT)
      throw invalidInput(
        'loras',
        `LoRA ${basename(l.path)} weight ${l.weight} is outside −${MAX_LORA_WEIGHT}..${MAX_LORA_WEIGHT}`,
      );
  }
  return loras.filter((l) => l.weight !== 0);
}

/** One LoRA module's contribution, read from its file only when its weight is patched. */
interface PendingFactors {
  file: LoraFile;
  module: LoraModule;
  scale: number;
}

interface Patch {
  target: LoraTarget;
  factors: PendingFactors[];
}

/** Collects, per target initializer, the scaled factors of every LoRA module that patches it. */
async function planPatches(
  files: readonly LoraFile[],
  specs: readonly LoraSpec[],
  component: LoraComponent,
  index: LoraTargetIndex,
  skipped: string[],
): Promise<Patch[]> {
  const patches = new Map<string, Patch>();
  for (const [i, file] of files.entries()) {
    for (const key of file.ignored) skipped.push(`${basename(file.path)}: ${key} (not a LoRA tensor we understand)`);
    for (const module of file.modules.filter((m) => m.component === component)) {
      const target = index.find(module.modulePath);
      if (!target) {
        skipped.push(
          `${basename(file.path)}: ${module.modulePath} (no matching initializer in this ${component} model)`,
        );
        continue;
      }
      // Shapes from the header: factors are read one weight at a time while merging, so a rank-128
      // LoRA on every layer (≈ 1.7 GB as float32) is never held whole.
      const factors = { out: module.up.shape[0], k: module.down.shape.slice(1).reduce((a, b) => a * b, 1) };
      const expected = target.layout === 'out-in' ? [factors.out, factors.k] : [factors.k, factors.out];
      const actual =
        target.layout === 'out-in' ? [target.dims[0], target.dims.slice(1).reduce((a, b) => a * b, 1)] : target.dims;
      if (
        actual.length !== 2 ||
        actual[0] !== expected[0] ||
        actual[1] !== expected[1] ||
        bytesPerElement(target.tensor.dataType ?? 0) === undefined
      ) {
        skipped.push(
          `${basename(file.path)}: ${module.modulePath} (LoRA ${factors.out}×${factors.k} does not fit ${target.name} [${target.dims.join(',')}] ${target.layout}, type ${target.tensor.dataType})`,
        );
        continue;
      }
      const patch = patches.get(target.name) ?? { target, factors: [] };
      patch.factors.push({ file, module, scale: specs[i].weight * (module.alpha / module.rank) });
      patches.set(target.name, patch);
    }
  }
  // Original file order: sequential reads on the big weight file.
  const order = (p: Patch) => {
    const ref = externalRef(p.target.tensor);
    return ref ? ([ref.location, ref.offset] as const) : (['', 0] as const);
  };
  return [...patches.values()].sort((a, b) =>
    order(a)[0] === order(b)[0] ? order(a)[1] - order(b)[1] : order(a)[0] < order(b)[0] ? -1 : 1,
  );
}

export async function writeAll(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length)
    done += (await handle.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
}

/** Points a patched initializer at its bytes in the side file (also the inpaint patch's, engine/inpaint). */
export function relocate(tensor: TensorProto, location: string, offset: number, length: number): void {
  tensor.rawData = null;
  tensor.floatData = [];
  tensor.int32Data = [];
  tensor.dataLocation = EXTERNAL;
  tensor.externalData = [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ];
}

/**
 * Hard-links every external data file the merged model still reads from the original folder
 * (also used by the FreeU rewrite cache, engine/unet/freeu-model-cache.ts).
 */
export async function linkOriginalData(
  initializers: readonly TensorProto[],
  componentDir: string,
  setDir: string,
): Promise<void> {
  const locations = new Set(
    initializers
      .map(externalRef)
      .filter((r) => r !== undefined)
      .map((r) => safeLocation(r.location)),
  );
  for (const location of locations) {
    await mkdir(dirname(join(setDir, location)), { recursive: true });
    try {
      await link(join(componentDir, location), join(setDir, location));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new EngineError(
        'runtime-failure',
        `cannot hard-link ${join(componentDir, location)} into the model cache ${setDir} (${code}); onnxruntime only reads external data inside the model's folder, so put the LoRA and FreeU caches on the same filesystem as the checkpoint`,
        { cause: error },
      );
    }
  }
}

async function buildSet(
  componentDir: string,
  files: readonly LoraFile[],
  specs: readonly LoraSpec[],
  component: LoraComponent,
  setDir: string,
  key: string,
  log: (line: string) => void,
): Promise<{ changed: string[]; skipped: string[] }> {
  const model = onnx.ModelProto.decode(await readFile(join(componentDir, 'model.onnx')));
  const initializers = model.graph?.initializer ?? [];
  const skipped: string[] = [];
  const patches = await planPatches(files, specs, component, new LoraTargetIndex(model), skipped);
  const sideName = `lora-${key}.onnx_data`;
  const originals = new ExternalFiles(componentDir);
  const side = await open(join(setDir, sideName), 'w');
  const native = new NativeProduct();
  let offset = 0;
  try {
    for (const { target, factors } of patches) {
      const bytes = await readInitializer(target.tensor, originals);
      const read: LoraFactors[] = [];
      for (const f of factors) read.push(await f.file.readFactors(f.module, f.scale));
      await addLowRankDeltaNative(bytes, target.tensor.dataType ?? 0, target.layout, stackFactors(read), native);
      offset += (ALIGN - (offset % ALIGN)) % ALIGN;
      await writeAll(side, bytes, offset);
      relocate(target.tensor, sideName, offset, bytes.length);
      offset += bytes.length;
    }
  } finally {
    await side.close();
    await originals.close();
    await native.release();
  }
  const changed = patches.map((p) => p.target.name);
  const isChanged = new Set(changed);
  await linkOriginalData(
    initializers.filter((t) => !isChanged.has(t.name ?? '')),
    componentDir,
    setDir,
  );
  await writeFile(join(setDir, 'model.onnx'), onnx.ModelProto.encode(model).finish());
  log(
    `LoRA merge into ${componentDir}: ${changed.length} initializers patched (${offset} bytes in ${sideName}), ${skipped.length} skipped`,
  );
  return { changed, skipped };
}

/**
 * Returns a model.onnx for `componentDir` with `loras` merged in, building it under
 * `<cacheDir>/<component folder name>/<key>/` unless that exact (model, LoRAs, weights) set exists.
 */
export async function mergeLoras(
  componentDir: string,
  loras: readonly LoraSpec[],
  cacheDir: string,
  options: MergeOptions = {},
): Promise<MergeResult> {
  const active = validate(loras);
  const original = join(componentDir, 'model.onnx');
  if (active.length === 0) return { modelPath: original, changed: [], skipped: [], isReused: false };
  const folder = basename(componentDir);
  const component = options.component ?? COMPONENTS[folder];
  if (!component)
    throw invalidInput(
      'loras',
      `cannot tell which LoRA keys apply to the model folder ${folder}; expected one of ${Object.keys(COMPONENTS).join(', ')}`,
    );
  const cache = new MergedSetCache(join(cacheDir, folder), options.maxSets ?? 2);
  const key = await mergedSetKey(componentDir, active);
  const found = await cache.lookup(key);
  if (found) {
    await cache.evict(key);
    return {
      modelPath: join(cache.setDir(key), 'model.onnx'),
      changed: found.changed,
      skipped: found.skipped,
      isReused: true,
    };
  }
  const files: LoraFile[] = [];
  const staged = await cache.stage(key);
  try {
    for (const spec of active) {
      try {
        files.push(await LoraFile.open(spec.path));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw modelMissing(`LoRA file ${spec.path} does not exist`, 'loras');
        throw error;
      }
    }
    const { changed, skipped } = await buildSet(
      componentDir,
      files,
      active,
      component,
      staged,
      key,
      options.log ?? (() => {}),
    );
    await cache.commit(staged, {
      key,
      componentDir,
      loras: active.map((l) => ({ path: l.path, weight: l.weight })),
      changed,
      skipped,
    });
    await cache.evict(key);
    return { modelPath: join(cache.setDir(key), 'model.onnx'), changed, skipped, isReused: false };
  } finally {
    await Promise.all(files.map((f) => f.close()));
    await rm(staged, { recursive: true, force: true });
  }
}
