/**
 * SDXL size conditioning (`time_ids`) with Fooocus's ADM scalers (fooocus-semantics.md §4.7):
 * while t > 999·(1 − admScalerEnd) the "emphasized" ids claim an original size of
 * int(size·scaler) (positive ×1.5, negative ×0.8 by default); afterwards both use the
 * "consistent" ids where original = target. Sizes are the generation size (latent ×8).
 */

export type TimeIds = [number, number, number, number, number, number];

/** Python's round(): halves go to the even neighbour (round(2.5) = 2), unlike Math.round. */
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return fraction < 0.5 ? floor : floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Fooocus `round_to_64`: int(round(x/64))·64 with Python's half-to-even rounding, so 160 → 128
 * and 96 → 128; sizes below 32 round to 0, as there.
 */
export function roundTo64(value: number): number {
  return roundHalfEven(value / 64) * 64;
}

/** [orig_h, orig_w, crop_top, crop_left, target_h, target_w] for an emphasized (scaled) original size. */
export function emphasizedTimeIds(width: number, height: number, scaler: number): TimeIds {
  return [Math.trunc(height * scaler), Math.trunc(width * scaler), 0, 0, roundTo64(height), roundTo64(width)];
}

export function consistentTimeIds(width: number, height: number): TimeIds {
  return [roundTo64(height), roundTo64(width), 0, 0, roundTo64(height), roundTo64(width)];
}

/**
 * Whether the UNet call at discrete timestep `t` (0..999) still uses the emphasized ids. Fooocus
 * compares its float32 `timesteps` tensor with 999·(1 − end), which torch casts to float32 too.
 */
export function isAdmEmphasized(timestep: number, admScalerEnd: number): boolean {
  return Math.fround(timestep) > Math.fround(999 * (1 - admScalerEnd));
}
