/**
 * The latent-resolution inpaint mask (Fooocus `encode_vae_inpaint`, fooocus-semantics §7.5 b): the
 * working mask as 0..1, bilinearly resized (torch, align_corners = false) to the latent size × 8,
 * rounded, then 8×8 max-pooled, so a latent cell is 1 when any of its pixels is in the mask.
 */

/** torch.round: halves to even. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** One bilinear axis: for each output index, the two source indices and the second one's weight. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float32Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = Math.max(0, Math.fround(scale * (o + 0.5) - 0.5));
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    t[o] = src - lo;
  }
  return { i0, i1, t };
}

/** mask: 0..255 bytes of width×height → float32 [1,1,latentHeight,latentWidth] of 0/1. */
export function latentMask(
  mask: Uint8Array,
  width: number,
  height: number,
  latentHeight: number,
  latentWidth: number,
  factor = 8,
): Float32Array {
  const outH = latentHeight * factor;
  const outW = latentWidth * factor;
  const ys = axis(height, outH);
  const xs = axis(width, outW);
  const out = new Float32Array(latentHeight * latentWidth);
  for (let oy = 0; oy < outH; oy++) {
    const r0 = ys.i0[oy] * width;
    const r1 = ys.i1[oy] * width;
    const ty = ys.t[oy];
    for (let ox = 0; ox < outW; ox++) {
      const tx = xs.t[ox];
      const top = (mask[r0 + xs.i0[ox]] / 255) * (1 - tx) + (mask[r0 + xs.i1[ox]] / 255) * tx;
      const bottom = (mask[r1 + xs.i0[ox]] / 255) * (1 - tx) + (mask[r1 + xs.i1[ox]] / 255) * tx;
      const value = roundHalfEven(Math.fround(top * (1 - ty) + bottom * ty));
      const cell = Math.floor(oy / factor) * latentWidth + Math.floor(ox / factor);
      if (value > out[cell]) out[cell] = value;
    }
  }
  return out;
}
