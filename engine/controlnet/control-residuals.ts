/**
 * The residuals one UNet call gets from the job's ControlNet slots (fooocus-semantics.md §8.3,
 * §4.8): each slot is active while σ ≥ the σ at its `stop` fraction of the schedule (ComfyUI's
 * `timestep_percent_range` (0, stop), which Fooocus sets), runs on the whole batch — negative and
 * positive rows alike — and contributes weight × residual; residual i of n + 1 (down 0..n−1, mid
 * last) is further scaled by Fooocus's softness 1 − s·(1 − i/n) (SDXL: ×0.75 … ×1.0 at s = 0.25).
 * Slots are chained in order (canny first) by summing. With no slot active the UNet is fed zeros,
 * which leave it exactly as without control.
 */
import type { Bitmap8 } from '../image/lanczos-resample.ts';
import type { FeedTensor } from '../onnx/session.ts';
import { sigmaTable } from '../schedulers/sigma-table.ts';
import type { ModelSampling } from '../unet/model-sampling.ts';
import type { ControlNetSession } from './controlnet-session.ts';

export interface ControlSlot {
  /** The preprocessed map at the generation size, RGB. */
  map: Bitmap8;
  weight: number;
  /** Fraction of the schedule (0..1) after which the slot stops. */
  stop: number;
  model: ControlNetSession;
}

/** Adds the residual feeds to one UNet call's feeds (called with the call's σ). */
export type ResidualFeeds = (
  unetFeeds: Readonly<Record<string, FeedTensor>>,
  sigma: number,
) => Promise<Record<string, FeedTensor>>;

/**
 * ComfyUI's `percent_to_sigma`: ∞ at 0, 0 at 1; discrete: the log-σ table at (1 − p)·999; EDM: log-linear σmax → σmin.
 */
export function percentToSigma(percent: number, sampling: ModelSampling): number {
  if (percent <= 0) return Infinity;
  if (percent >= 1) return 0;
  if (sampling.kind === 'continuous-edm') {
    const low = Math.log(sampling.sigmaMin);
    return Math.exp((Math.log(sampling.sigmaMax) - low) * (1 - percent) + low);
  }
  const table = sigmaTable();
  const t = Math.min(table.length - 1, Math.max(0, (1 - percent) * 999));
  const lo = Math.floor(t);
  const hi = Math.ceil(t);
  const w = t - lo;
  return Math.exp((1 - w) * Math.log(table[lo]) + w * Math.log(table[hi]));
}

/** Fooocus's per-residual softness factors for n down residuals plus the mid one. */
export function softnessFactors(count: number, softness: number): number[] {
  const n = count - 1;
  return Array.from({ length: count }, (_, i) => 1 - softness * (1 - i / n));
}

/** The map as controlnet_cond [B,3,H,W] in 0..1, the same image for every row. */
export function controlImageFeed(map: Bitmap8, batch: number): FeedTensor {
  const plane = map.width * map.height;
  const one = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) one[c * plane + p] = map.data[p * map.channels + c] / 255;
  const data = new Float32Array(batch * one.length);
  for (let b = 0; b < batch; b++) data.set(one, b * one.length);
  return { data, dims: [batch, 3, map.height, map.width] };
}

export function createResidualFeeds(
  slots: readonly ControlSlot[],
  residualNames: readonly string[],
  softness: number,
  sampling: ModelSampling,
): ResidualFeeds {
  const factors = softnessFactors(residualNames.length, softness);
  const stops = slots.map((slot) => percentToSigma(slot.stop, sampling));
  const conds = new Map<string, FeedTensor>();
  const condFor = (index: number, batch: number) => {
    const key = `${index}/${batch}`;
    let feed = conds.get(key);
    if (!feed) conds.set(key, (feed = controlImageFeed(slots[index].map, batch)));
    return feed;
  };
  let zeros: Record<string, FeedTensor> | null = null;
  return async (unetFeeds, sigma) => {
    const batch = unetFeeds.sample.dims[0];
    const sums: (Float32Array | null)[] = residualNames.map(() => null);
    let dims: number[][] | null = null;
    for (const [index, slot] of slots.entries()) {
      if (!(sigma >= stops[index]) || slot.weight === 0) continue;
      const outputs = await slot.model.residuals(unetFeeds, condFor(index, batch), slot.weight);
      const weight = slot.model.hasScaleInput ? 1 : slot.weight;
      dims = outputs.map((o) => o.dims);
      outputs.forEach((output, i) => {
        const factor = weight * factors[i];
        const sum = (sums[i] ??= new Float32Array(output.data.length));
        for (let k = 0; k < sum.length; k++) sum[k] += output.data[k] * factor;
      });
    }
    if (dims) return Object.fromEntries(residualNames.map((name, i) => [name, { data: sums[i]!, dims: dims![i] }]));
    if (!zeros || zeros[residualNames[0]].dims[0] !== batch) {
      // No slot active: zeros of the residual shapes, learnt once from the first slot's model.
      const shapes = (await slots[0].model.residuals(unetFeeds, condFor(0, batch), 0)).map((o) => o.dims);
      zeros = Object.fromEntries(
        residualNames.map((name, i) => [
          name,
          { data: new Float32Array(shapes[i].reduce((a, b) => a * b, 1)), dims: shapes[i] },
        ]),
      );
    }
    return zeros;
  };
}
