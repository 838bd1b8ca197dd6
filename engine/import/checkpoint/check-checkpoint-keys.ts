/**
 * Holds a checkpoint's tensor list against the key map before anything is written: unknown keys, missing keys,
 * shapes and dtypes, each reported with the names at fault.
 */
import type { TensorInfo } from '../tensor-source.ts';
import { CheckpointImportError, listSome } from './checkpoint-import-error.ts';
import { isIgnoredKey, type SdxlKeyMap } from './sdxl-key-map.ts';

const FLOAT_DTYPES = ['F32', 'F16', 'BF16'];

export function checkCheckpointKeys(
  file: string,
  tensors: ReadonlyMap<string, TensorInfo>,
  map: SdxlKeyMap,
  options: { field?: string; canonical?: (name: string) => string } = {},
): void {
  const canonical = options.canonical ?? ((name: string) => name);
  const refuse = (problem: string) => new CheckpointImportError(file, problem, { field: options.field });
  const present = new Map<string, TensorInfo>();
  const unknown: string[] = [];
  for (const [name, info] of tensors) {
    const key = canonical(name);
    if (map.keys.has(key)) present.set(key, info);
    else if (!isIgnoredKey(key)) unknown.push(name);
  }
  if (unknown.length > 0) throw refuse(`has ${unknown.length} tensors no SDXL graph uses: ${listSome(unknown)}`);
  const missing = [...map.keys.keys()].filter((k) => !present.has(k));
  if (missing.length > 0) throw refuse(`lacks ${missing.length} tensors of an SDXL checkpoint: ${listSome(missing)}`);
  const wrong: string[] = [];
  for (const [key, info] of present) {
    const expected = map.keys.get(key)!.shape;
    if (info.shape.length !== expected.length || info.shape.some((d, i) => d !== expected[i]))
      wrong.push(`${info.name} is [${info.shape.join(',')}], expected [${expected.join(',')}]`);
    else if (!FLOAT_DTYPES.includes(info.dtype))
      wrong.push(`${info.name} is ${info.dtype}, expected one of ${FLOAT_DTYPES.join(', ')}`);
  }
  if (wrong.length > 0) throw refuse(`has tensors of the wrong shape or type: ${listSome(wrong, 4)}`);
}
