/**
 * Where each of the Control-LoRA's encoder tensors lands in the ControlNet graph: SGM module paths
 * → diffusers paths (engine/lora/sdxl-block-names.ts) → the initializer the export gave them, by
 * name or, for a Linear's anonymous transposed `onnx::MatMul_<n>` weight, through the node named
 * after the module (engine/lora/onnx-targets.ts). As ComfyUI loads a Control-LoRA (and Fooocus
 * runs ComfyUI's loader), base weights stay unless the file brings a full tensor, and a low-rank
 * pair adds up@down (scale 1, no alpha) on top of whichever weight is in place.
 * A path that is SGM but not in this base, or a shape that does not fit, means the file was made
 * for another architecture; a path that is not SGM at all is an unknown key.
 */
import { dimsOf } from '../../lora/initializer-data.ts';
import { LoraTargetIndex, type LoraTarget } from '../../lora/onnx-targets.ts';
import { sgmToDiffusers } from '../../lora/sdxl-block-names.ts';
import { ControlLoraError, listSome } from './control-lora-error.ts';
import type { ControlLoraFile, FullTensor, LowRankPair } from './control-lora-file.ts';
import type onnxProto from 'onnx-proto';

export interface WeightEdit {
  target: LoraTarget;
  /** Replaces the base values first (a Linear's [out,in] is transposed for an `in-out` target). */
  full?: FullTensor;
  /** Then adds up@down. */
  pair?: LowRankPair;
}

const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const squeezed = (dims: readonly number[]) => dims.filter((d) => d !== 1).join(',');

/** Initializer name → its edit; throws for keys that do not map onto this base. */
export function planEncoderEdits(
  model: onnxProto.onnx.IModelProto,
  file: ControlLoraFile,
  baseLabel: string,
): Map<string, WeightEdit> {
  const path = file.source.path;
  const index = new LoraTargetIndex(model);
  const initializers = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const unknown: string[] = [];
  const absent: string[] = [];
  const misfit: string[] = [];
  const edits = new Map<string, WeightEdit>();
  const locate = (module: string, param: 'weight' | 'bias', key: string): LoraTarget | undefined => {
    const diffusers = sgmToDiffusers(module);
    if (diffusers === undefined) {
      unknown.push(key);
      return undefined;
    }
    let target: LoraTarget | undefined;
    if (param === 'weight') target = index.find(diffusers);
    else {
      const tensor = initializers.get(`${diffusers}.bias`);
      if (tensor) target = { tensor, name: tensor.name ?? '', layout: 'out-in', dims: dimsOf(tensor) };
    }
    if (!target) absent.push(`${key} (${diffusers}.${param})`);
    return target;
  };
  const edit = (target: LoraTarget) => {
    const found = edits.get(target.name) ?? { target };
    edits.set(target.name, found);
    return found;
  };

  for (const full of file.full) {
    const key = `${full.module}.${full.param}`;
    const target = locate(full.module, full.param, key);
    if (!target) continue;
    const shape = full.tensor.shape;
    const fits =
      target.layout === 'in-out'
        ? shape.length === 2 && shape[0] === target.dims[1] && shape[1] === target.dims[0]
        : product(shape) === product(target.dims) && squeezed(shape) === squeezed(target.dims);
    if (!fits) misfit.push(`${key} [${shape.join(',')}] vs ${target.name} [${target.dims.join(',')}]`);
    else edit(target).full = full;
  }
  for (const pair of file.pairs) {
    const key = `${pair.module}.up/down`;
    const target = locate(pair.module, 'weight', key);
    if (!target) continue;
    const [up, down] = [pair.up.shape, pair.down.shape];
    const out = up[0];
    const k = product(down.slice(1));
    const isPair = up.length >= 2 && up[1] === down[0] && product(up.slice(2)) === 1;
    const fits =
      target.layout === 'in-out'
        ? target.dims.length === 2 && target.dims[0] === k && target.dims[1] === out
        : target.dims[0] === out && product(target.dims.slice(1)) === k;
    if (!isPair || !fits)
      misfit.push(
        `${key} up [${up.join(',')}] @ down [${down.join(',')}] vs ${target.name} [${target.dims.join(',')}]`,
      );
    else edit(target).pair = pair;
  }
  if (unknown.length > 0)
    throw new ControlLoraError(
      'unknown-keys',
      path,
      `${unknown.length} encoder keys name no SDXL UNet layer: ${listSome(unknown)}`,
    );
  if (absent.length > 0 || misfit.length > 0)
    throw new ControlLoraError(
      'wrong-architecture',
      path,
      `the Control-LoRA does not fit the base ${baseLabel}: ${[
        absent.length > 0 ? `${absent.length} layers it patches are not in the base (${listSome(absent, 4)})` : '',
        misfit.length > 0 ? `${misfit.length} shapes differ (${listSome(misfit, 4)})` : '',
      ]
        .filter(Boolean)
        .join('; ')}`,
    );
  return edits;
}
