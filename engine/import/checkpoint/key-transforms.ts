/**
 * How a checkpoint tensor becomes a graph parameter (torch layout of the diffusers/transformers module) and back.
 * The layouts differ in three ways only:
 *  - `reshape`: same values, other dims (the VAE's mid attention q/k/v/proj_out are 1×1 convs [C,C,1,1] in the
 *    checkpoint, Linear [C,C] in diffusers);
 *  - `transpose`: OpenCLIP keeps `text_projection` as P with `x @ P`, a Linear stores `x @ Wᵀ`, so W = Pᵀ;
 *  - `slice`: OpenCLIP's fused `in_proj_weight`/`in_proj_bias` hold q, k and v stacked on the first axis.
 */

export type KeyTransform =
  { kind: 'same' } | { kind: 'reshape' } | { kind: 'transpose' } | { kind: 'slice'; part: number; parts: number };

/** The checkpoint tensor's shape for a parameter of `shape` (a slice's is the whole fused tensor). */
export function checkpointShape(transform: KeyTransform, shape: readonly number[]): number[] {
  switch (transform.kind) {
    case 'same':
      return [...shape];
    case 'reshape':
      return [...shape, 1, 1];
    case 'transpose':
      return [shape[1], shape[0]];
    case 'slice':
      return [shape[0] * transform.parts, ...shape.slice(1)];
  }
}

/** Row-major [rows, cols] → [cols, rows]. */
function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}

/** Checkpoint values (shape `checkpointShape(transform, shape)`) → the parameter's values, torch layout. */
export function toParameter(transform: KeyTransform, values: Float32Array, shape: readonly number[]): Float32Array {
  switch (transform.kind) {
    case 'same':
    case 'reshape':
      return values;
    case 'transpose':
      // The checkpoint holds [shape[1], shape[0]].
      return transposed(values, shape[1], shape[0]);
    case 'slice': {
      const size = values.length / transform.parts;
      return values.slice(transform.part * size, (transform.part + 1) * size);
    }
  }
}

/**
 * Parameter values → the checkpoint tensor: the inverse of toParameter. A slice needs every part, in order
 * (`parts[i]` is the values of the parameter with `part: i`).
 */
export function toCheckpoint(
  transform: KeyTransform,
  parts: readonly Float32Array[],
  shape: readonly number[],
): Float32Array {
  switch (transform.kind) {
    case 'same':
    case 'reshape':
      return parts[0];
    case 'transpose':
      return transposed(parts[0], shape[0], shape[1]);
    case 'slice': {
      const size = parts[0].length;
      const out = new Float32Array(size * parts.length);
      parts.forEach((p, i) => out.set(p, i * size));
      return out;
    }
  }
}
