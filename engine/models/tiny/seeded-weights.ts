/** Deterministic weights for the tiny checkpoint: same seed → byte-identical model files. */

export type WeightRng = (count: number, std: number) => Float32Array;

/** mulberry32 uniforms mapped to a zero-mean uniform distribution with the given std. */
export function createWeightRng(seed: number): WeightRng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (count, std) => {
    const out = new Float32Array(count);
    const half = std * Math.sqrt(3);
    for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * half;
    return out;
  };
}
