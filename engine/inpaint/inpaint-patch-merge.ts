/**
 * Fooocus's inpaint patch merged into an ONNX UNet's weights (fooocus-semantics §7.5: applied like
 * a LoRA of weight 1 to the base UNet only). The converted patch holds full weight deltas under
 * UNet state-dict keys; as in Fooocus (whose LoRA key map lists `.weight` keys only) each
 * `diffusion_model.<SGM path>.weight` is added to the initializer that module maps to
 * (engine/lora: SGM → diffusers names, named or torch-scoped weights, MatMul weights stored
 * transposed), in the initializer's own dtype. Patched initializers are written to a side file and
 * pointed at it; nothing else is copied.
 */
import { open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../onnx/float16.ts';
import { DATA_TYPE, ExternalFiles, readInitializer } from '../lora/initializer-data.ts';
import { relocate, writeAll } from '../lora/merge.ts';
import { LoraTargetIndex } from '../lora/onnx-targets.ts';
import { SafetensorsReader } from '../lora/safetensors.ts';
import { sgmToDiffusers } from '../lora/sdxl-block-names.ts';

type ModelProto = onnxProto.onnx.IModelProto;

const PATCH_KEY = /^diffusion_model\.(.+)\.weight$/;
const ALIGN = 64;

export interface PatchMergeResult {
  /** Initializer names patched. */
  changed: string[];
  /** Patch tensors not applied, each with the reason. */
  skipped: string[];
}

/** W += Δ in place, Δ float32 in torch order [out, …]; `isTransposed`: W is stored [in, out]. */
function addDelta(
  bytes: Uint8Array,
  dataType: number,
  delta: Float32Array,
  isTransposed: boolean,
  dims: readonly number[],
): void {
  const out = isTransposed ? dims[1] : 0;
  const inner = isTransposed ? dims[0] : 0;
  // Index in the stored layout of torch element k.
  const at = (k: number) => (isTransposed ? (k % inner) * out + Math.floor(k / inner) : k);
  if (dataType === DATA_TYPE.float32) {
    const w = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    for (let k = 0; k < delta.length; k++) w[at(k)] += delta[k];
  } else {
    const w = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
    for (let k = 0; k < delta.length; k++) w[at(k)] = float32ToFloat16Bits(float16BitsToFloat32(w[at(k)]) + delta[k]);
  }
}

/**
 * Applies the patch at `patchPath` to `model` (mutated: patched initializers point at
 * `<setDir>/<sideName>`); original bytes are read from `componentDir`.
 */
export async function mergeInpaintPatch(
  model: ModelProto,
  componentDir: string,
  setDir: string,
  sideName: string,
  patchPath: string,
): Promise<PatchMergeResult> {
  const reader = await SafetensorsReader.open(patchPath);
  const originals = new ExternalFiles(componentDir);
  const side = await open(join(setDir, sideName), 'w');
  const index = new LoraTargetIndex(model);
  const changed: string[] = [];
  const skipped: string[] = [];
  const file = basename(patchPath);
  let offset = 0;
  try {
    for (const name of reader.entries.keys()) {
      const match = PATCH_KEY.exec(name);
      const modulePath = match ? sgmToDiffusers(match[1]) : undefined;
      if (!modulePath) {
        skipped.push(`${file}: ${name} (not a diffusion_model.<SDXL module>.weight key)`);
        continue;
      }
      const target = index.find(modulePath);
      const entry = reader.entries.get(name)!;
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const targetCount = target ? target.dims.reduce((a, b) => a * b, 1) : 0;
      const dataType = target?.tensor.dataType ?? 0;
      if (
        !target ||
        targetCount !== count ||
        (dataType !== DATA_TYPE.float32 && dataType !== DATA_TYPE.float16) ||
        changed.includes(target.name)
      ) {
        skipped.push(
          `${file}: ${name} (${target ? `does not fit ${target.name} [${target.dims.join(',')}] type ${dataType}` : `no initializer for ${modulePath}`})`,
        );
        continue;
      }
      const bytes = await readInitializer(target.tensor, originals);
      const isTransposed = target.layout === 'in-out' && target.dims.length === 2;
      addDelta(bytes, dataType, (await reader.readFloat32(name)).data, isTransposed, target.dims);
      offset += (ALIGN - (offset % ALIGN)) % ALIGN;
      await writeAll(side, bytes, offset);
      relocate(target.tensor, sideName, offset, bytes.length);
      offset += bytes.length;
      changed.push(target.name);
    }
  } finally {
    await side.close();
    await originals.close();
    await reader.close();
  }
  return { changed, skipped };
}
