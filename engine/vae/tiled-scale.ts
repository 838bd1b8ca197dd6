/**
 * ComfyUI's `tiled_scale`, which Fooocus uses for its tiled VAE and for ESRGAN super-resolution:
 * the input is cut into tiles starting every (tile − overlap) pixels (the last ones smaller, clipped
 * at the border), each tile is mapped by `fn` to `scale`× its size, weighted by a mask that ramps
 * linearly over round(overlap·scale) output pixels at every tile edge, and the weighted sum is
 * divided by the summed weights. Only one tile's output is held besides the result, so memory stays
 * bounded by the output size. The mask reproduces the original's Python slicing, negative indices
 * included, for tiles narrower than the ramp.
 */

/** float32 [1,C,H,W]. */
export interface Planar {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

export interface TileOptions {
  tileX: number;
  tileY: number;
  overlap: number;
  /** Output pixels per input pixel (8 to decode, 1/8 to encode, the model's factor for ESRGAN). */
  scale: number;
  /** Checked against every tile's result when given; otherwise taken from the first tile. */
  outChannels?: number;
}

export type TileFn = (tile: Planar) => Promise<Planar>;

/** Python's `x[start:stop]` on a length-`n` axis as [from, to). */
function pySlice(n: number, start: number, stop: number): [number, number] {
  const norm = (i: number) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n));
  const from = norm(start);
  return [from, Math.max(from, norm(stop))];
}

/** Per-row (or column) weights of a tile edge ramp: `feather` steps of (t+1)/feather from each end. */
export function featherRamp(length: number, feather: number): Float32Array {
  const ramp = new Float32Array(length).fill(1);
  for (let t = 0; t < feather; t++) {
    const factor = (1 / feather) * (t + 1);
    for (const [from, to] of [pySlice(length, t, t + 1), pySlice(length, length - 1 - t, length - t)]) {
      for (let i = from; i < to; i++) ramp[i] *= factor;
    }
  }
  return ramp;
}

function crop(input: Planar, y: number, x: number, height: number, width: number): Planar {
  const data = new Float32Array(input.channels * height * width);
  for (let c = 0; c < input.channels; c++) {
    for (let row = 0; row < height; row++) {
      const from = (c * input.height + y + row) * input.width + x;
      data.set(input.data.subarray(from, from + width), (c * height + row) * width);
    }
  }
  return { data, channels: input.channels, height, width };
}

/** Tile origins: 0, step, 2·step, … while < size (Python's range(0, size, step)). */
function origins(size: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i += step) out.push(i);
  return out;
}

export async function tiledScale(input: Planar, fn: TileFn, options: TileOptions): Promise<Planar> {
  const { tileX, tileY, overlap, scale } = options;
  const outH = Math.round(input.height * scale);
  const outW = Math.round(input.width * scale);
  const plane = outH * outW;
  let outChannels = options.outChannels ?? 0;
  let out: Float32Array | null = null;
  const weights = new Float32Array(plane);
  const feather = Math.round(overlap * scale);
  for (const y of origins(input.height, tileY - overlap)) {
    for (const x of origins(input.width, tileX - overlap)) {
      const tile = crop(input, y, x, Math.min(tileY, input.height - y), Math.min(tileX, input.width - x));
      const result = await fn(tile);
      if (out === null) {
        outChannels ||= result.channels;
        out = new Float32Array(outChannels * plane);
      }
      if (result.channels !== outChannels)
        throw new Error(`tiled_scale: a tile came back with ${result.channels} channels, expected ${outChannels}`);
      const sum = out;
      const rows = featherRamp(result.height, feather);
      const columns = featherRamp(result.width, feather);
      const y0 = Math.round(y * scale);
      const x0 = Math.round(x * scale);
      const h = Math.min(result.height, Math.round((y + tileY) * scale) - y0, outH - y0);
      const w = Math.min(result.width, Math.round((x + tileX) * scale) - x0, outW - x0);
      for (let row = 0; row < h; row++) {
        const rowWeight = rows[row];
        const o = (y0 + row) * outW + x0;
        for (let col = 0; col < w; col++) weights[o + col] += rowWeight * columns[col];
        for (let c = 0; c < outChannels; c++) {
          const from = (c * result.height + row) * result.width;
          const to = c * plane + o;
          for (let col = 0; col < w; col++) sum[to + col] += result.data[from + col] * rowWeight * columns[col];
        }
      }
    }
  }
  if (out === null) throw new Error('tiled_scale: the input has no pixels');
  for (let c = 0; c < outChannels; c++) {
    const base = c * plane;
    for (let o = 0; o < plane; o++) out[base + o] /= weights[o];
  }
  return { data: out, channels: outChannels, height: outH, width: outW };
}
