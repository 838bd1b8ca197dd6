/**
 * SDXL size conditioning (`time_ids`) with Fooocus's ADM scalers (fooocus-semantics.md §4.7):
 * while t > 999·(1 − admScalerEnd) the "emphasized" ids claim an original size of
 * int(size·scaler) (positive ×1.5, negative ×0.8 by default); afterwards both use the
 * "consistent" ids where original = target. Target sizes are rounded to a multiple of 64.
 */

export type TimeIds = [number, number, number, number, number, number];

function round64(value: number): number {
  return Math.max(64, Math.round(value / 64) * 64);
}

/** [orig_h, orig_w, crop_top, crop_left, target_h, target_w] for an emphasized (scaled) original size. */
export function emphasizedTimeIds(width: number, height: number, scaler: number): TimeIds {
  return [Math.trunc(height * scaler), Math.trunc(width * scaler), 0, 0, round64(height), round64(width)];
}

export function consistentTimeIds(width: number, height: number): TimeIds {
  return [round64(height), round64(width), 0, 0, round64(height), round64(width)];
}

/** Whether the UNet call at timestep `t` (0..999) still uses the emphasized ids. */
export function isAdmEmphasized(timestep: number, admScalerEnd: number): boolean {
  return timestep > 999 * (1 - admScalerEnd);
}
