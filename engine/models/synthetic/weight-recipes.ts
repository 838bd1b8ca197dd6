/**
 * How a synthetic or imported weight gets its values, chunk by chunk while it is written
 * (streaming-graph.ts): seeded uniform noise, a constant, explicit values, or a tensor read from a
 * checkpoint when its turn comes. Each random tensor depends only on (seed, name), so a graph is
 * the same whatever order it is built in.
 */

/** How a weight's values are made; `random` is uniform, zero-mean, with the given std. */
export type WeightRecipe =
  | { kind: 'random'; std: number; mean?: number }
  | { kind: 'fill'; value: number }
  | { kind: 'values'; values: ArrayLike<number> }
  /**
   * Values read from a tensor source when the tensor is written (a checkpoint import), already in the stored
   * layout; only this tensor is held while it is converted and written.
   */
  | { kind: 'source'; label: string; read: () => Promise<Float32Array> };

/** FNV-1a of the name mixed with the seed: each tensor's values depend only on (seed, name). */
export function tensorSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Fills `out` with the recipe's values for elements [start, start + out.length). */
export function fillChunk(
  recipe: Exclude<WeightRecipe, { kind: 'source' }>,
  out: Float32Array,
  start: number,
  state: { s: number },
): void {
  if (recipe.kind === 'fill') {
    out.fill(recipe.value);
    return;
  }
  if (recipe.kind === 'values') {
    // A block copy for imported tensors (billions of values); element by element for plain arrays.
    if (recipe.values instanceof Float32Array) out.set(recipe.values.subarray(start, start + out.length));
    else for (let i = 0; i < out.length; i++) out[i] = recipe.values[start + i];
    return;
  }
  // mulberry32, inlined: the UNet alone needs 2.6 billion draws.
  const half = recipe.std * Math.sqrt(3);
  const mean = recipe.mean ?? 0;
  let s = state.s;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = mean + ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * half;
  }
  state.s = s;
}

/** Row-major [rows, cols] → [cols, rows]. */
export function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
