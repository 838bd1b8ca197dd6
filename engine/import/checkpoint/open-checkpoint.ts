/**
 * Opens a checkpoint through the TensorSource interface, turning what the container readers throw (no such file,
 * a header that is not safetensors, tensors past the end of a truncated file) into a CheckpointImportError.
 */
import { openTensorSource, type TensorSource } from '../tensor-source.ts';
import { CheckpointImportError } from './checkpoint-import-error.ts';

export async function openCheckpoint(path: string, field?: string): Promise<TensorSource> {
  try {
    return await openTensorSource(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CheckpointImportError(path, 'does not exist', { field, cause: error });
    const reason = (error as Error).message.replace(`${path}: `, '');
    // A header length beyond the format's 100 MB cap is not safetensors at all; one within it that runs past the
    // end of the file, like tensors that do, is a cut-off download.
    const claimed = Number(/header length (\d+)/.exec(reason)?.[1] ?? Infinity);
    const isTruncated =
      /outside the file|unexpected end of file/.test(reason) ||
      (/exceeds the file/.test(reason) && claimed <= 100_000_000);
    throw new CheckpointImportError(
      path,
      isTruncated ? `is truncated or corrupt (${reason})` : `is not a safetensors checkpoint (${reason})`,
      { field, cause: error },
    );
  }
}

/** The float type a checkpoint stores most of its weights in: F16 → float16; F32 and BF16 → float32. */
export function storedFloatType(source: TensorSource, keys: Iterable<string>): 'float32' | 'float16' {
  let half = 0;
  let total = 0;
  for (const key of keys) {
    const info = source.tensors.get(key);
    if (!info) continue;
    total++;
    if (info.dtype === 'F16') half++;
  }
  return half * 2 > total ? 'float16' : 'float32';
}
