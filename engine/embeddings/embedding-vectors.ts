/**
 * The vectors of one textual-inversion file, read through engine/import/tensor-source.ts (so a
 * PyTorch `.pt`/`.bin` reads the same way once its opener is registered). An SDXL embedding holds
 * `clip_l` float [n,768] for the first text encoder and `clip_g` float [n,1280] for the second; each
 * of the n rows takes one token position in place of the word. SD1.5 files (`emb_params`, or
 * A1111's `string_to_param.*`) hold one 768-wide set, usable by CLIP-L only: Fooocus then feeds
 * CLIP-G nothing for the word (a shape-mismatch log line), which changes the prompt behind the
 * user's back, so we refuse such a file for SDXL and say why (DECISIONS-style: never silent).
 */
import { invalidInput } from '../errors.ts';
import { openTensorSource, type TensorSource } from '../import/tensor-source.ts';

/** float32 [rows, width], row-major: one row per token position. */
export interface EmbeddingVectors {
  rows: number;
  width: number;
  data: Float32Array;
  /** The file's tensor they came from, for messages. */
  tensor: string;
}

/** One embedding file resolved for both SDXL text encoders. */
export interface SdxlEmbedding {
  /** The name as the prompt wrote it (after `embedding:`). */
  name: string;
  path: string;
  first: EmbeddingVectors;
  second: EmbeddingVectors;
}

/** The single-encoder layouts older embeddings use; the first one present is what ComfyUI loads. */
function singleSetTensor(source: TensorSource): string | undefined {
  const names = [...source.tensors.keys()];
  return (
    names.find((n) => n.startsWith('string_to_param')) ??
    names.find((n) => n === 'emb_params') ??
    (names.length === 1 ? names[0] : undefined)
  );
}

async function readVectors(
  source: TensorSource,
  tensor: string,
  describe: string,
  field: string,
): Promise<EmbeddingVectors> {
  const info = source.tensors.get(tensor)!;
  const shape = info.shape;
  const width = shape[shape.length - 1];
  const rows = shape.length === 0 ? 0 : shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (shape.length === 0 || !(width > 0) || !(rows > 0))
    throw invalidInput(field, `${describe}: tensor \`${tensor}\` has shape [${shape.join(',')}], expected [n, width]`);
  let data: Float32Array;
  try {
    ({ data } = await source.readFloat32(tensor));
  } catch (error) {
    throw invalidInput(
      field,
      `${describe}: tensor \`${tensor}\` (${info.dtype}) cannot be read as floats: ${(error as Error).message}`,
    );
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw invalidInput(field, `${describe}: tensor \`${tensor}\` holds a non-finite value at index ${bad}`);
  return { rows, width, data, tensor };
}

/**
 * Reads `path` for the prompt word `embedding:<name>`; typed invalid-input errors name the file and
 * carry `field`, the job field whose text named it.
 */
export async function readSdxlEmbedding(name: string, path: string, field = 'prompt'): Promise<SdxlEmbedding> {
  const describe = `embedding '${name}' (${path})`;
  let source: TensorSource;
  try {
    source = await openTensorSource(path);
  } catch (error) {
    throw invalidInput(
      field,
      `${describe} is not a readable embedding file (safetensors, or a PyTorch file where that reader is installed): ${(error as Error).message}`,
    );
  }
  try {
    const names = [...source.tensors.keys()];
    if (source.tensors.has('clip_l') && source.tensors.has('clip_g')) {
      return {
        name,
        path,
        first: await readVectors(source, 'clip_l', describe, field),
        second: await readVectors(source, 'clip_g', describe, field),
      };
    }
    const lone = ['clip_l', 'clip_g'].find((n) => source.tensors.has(n));
    if (lone)
      throw invalidInput(
        field,
        `${describe} holds \`${lone}\` but not \`${lone === 'clip_l' ? 'clip_g' : 'clip_l'}\`: an SDXL embedding needs vectors for both text encoders`,
      );
    const single = singleSetTensor(source);
    if (single === undefined)
      throw invalidInput(
        field,
        `${describe} is malformed: no embedding vectors (expected tensors clip_l and clip_g; found ${names.length > 0 ? names.join(', ') : 'none'})`,
      );
    const info = source.tensors.get(single)!;
    const width = info.shape[info.shape.length - 1];
    const shape = `\`${single}\` [${info.shape.join(',')}]`;
    throw invalidInput(
      field,
      width === 768
        ? `${describe} is an SD1.5 embedding (${shape}): its 768-wide vectors are only usable for the first text encoder (CLIP-L); SDXL's second encoder (CLIP-G) needs its own vectors. Use an SDXL embedding (tensors clip_l and clip_g)`
        : `${describe} is not an SDXL embedding: it holds ${shape} and no clip_l/clip_g tensors`,
    );
  } finally {
    await source.close();
  }
}
