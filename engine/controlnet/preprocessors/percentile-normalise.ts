/**
 * Fooocus's `norm255(x, low, high)` followed by `.clip(0, 255).astype(np.uint8)`: the map is
 * shifted and scaled so its `low`-th percentile lands on 0 and its `high`-th on 255 (numpy's
 * default linear interpolation between order statistics), clipped and truncated to 8 bits. A flat
 * map (no spread between the percentiles) gives zeros, as numpy's NaNs cast to uint8 do.
 */

export function percentile(sorted: Float32Array, p: number): number {
  const position = ((sorted.length - 1) * p) / 100;
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function normalisePercentiles(map: Float32Array, low: number, high: number): Uint8Array {
  const sorted = Float32Array.from(map).sort();
  const min = percentile(sorted, low);
  const range = percentile(sorted, high) - min;
  const out = new Uint8Array(map.length);
  if (!(range > 0)) return out;
  for (let i = 0; i < map.length; i++) {
    const v = ((map[i] - min) / range) * 255;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

/** One channel → three equal channels (Fooocus's HWC3 of a 2-D map). */
export function grayToRgb(gray: Uint8Array): Uint8Array {
  const out = new Uint8Array(gray.length * 3);
  for (let i = 0; i < gray.length; i++) out[i * 3] = out[i * 3 + 1] = out[i * 3 + 2] = gray[i];
  return out;
}
