/**
 * The image-token feeds of an IP-rewritten UNet (ip-attention-graph.ts) for each call, as Fooocus's
 * attn2 patch builds them (fooocus-semantics.md §8.4):
 *  - a slot takes part while the call's progress (1 − t/999) is below its stop;
 *  - per layer with K width C, w = weight × C/1280; K_img ×= w; V_img = (V_img − mean) + mean·w,
 *    the mean taken over the slot's tokens, per batch row (channel penalty and mean re-centring);
 *  - the unconditional row gets the adapter's negative-embedding tokens, the conditional row the
 *    image's; the batch is [uncond, cond] as the CFG denoiser lays it out (cond alone at cfg 1);
 *  - several slots concatenate their tokens (one softmax over text and every image).
 * With no slot active every layer gets 0 tokens: the attention is then the UNet's own.
 */
import type { FeedTensor } from '../onnx/session.ts';
import { EngineError } from '../errors.ts';
import { ipKeyInput, ipValueInput } from './ip-attention-graph.ts';
import type { LayerTokens } from './ip-adapter-model.ts';

/** The channel count Fooocus's penalty divides by (SDXL's widest attention). */
export const IP_CHANNEL_REFERENCE = 1280;

/** Fooocus's per-block weight: weight × C/1280, C the width of the layer's image K. */
export function ipLayerWeight(weight: number, keyChannels: number): number {
  return (weight * keyChannels) / IP_CHANNEL_REFERENCE;
}

/** One row's K·w and (V − mean_tokens V) + mean_tokens V · w. */
export function weightLayerTokens(layer: LayerTokens, weight: number): LayerTokens {
  const w = ipLayerWeight(weight, layer.keyChannels);
  const k = layer.k.map((value) => value * w);
  const C = layer.valueChannels;
  const v = new Float32Array(layer.v.length);
  for (let c = 0; c < C; c++) {
    let mean = 0;
    for (let t = 0; t < layer.tokens; t++) mean += layer.v[t * C + c];
    mean /= layer.tokens;
    for (let t = 0; t < layer.tokens; t++) v[t * C + c] = layer.v[t * C + c] - mean + mean * w;
  }
  return { ...layer, k, v };
}

/** One image prompt's tokens for every layer, both rows, and when it applies. */
export interface ImagePromptTokens {
  cond: LayerTokens[];
  uncond: LayerTokens[];
  stop: number;
  weight: number;
}

/** What the rewritten UNet declares per layer (ipLayersOfInputs). */
export interface UnetIpLayer {
  index: number;
  keyChannels?: number;
  valueChannels?: number;
}

export type ImagePromptFeedFn = (progress: number, batch: 1 | 2) => Record<string, FeedTensor>;

/** Checks the adapters fit the UNet's layers, weights every slot once, and returns the per-call feed builder. */
export function imagePromptFeeds(
  slots: readonly ImagePromptTokens[],
  layers: readonly UnetIpLayer[],
): ImagePromptFeedFn {
  for (const slot of slots) {
    if (slot.cond.length !== layers.length || slot.uncond.length !== layers.length) {
      const message =
        `the IP-Adapter has ${slot.cond.length} cross-attention layers but this UNet has ${layers.length}: ` +
        'use an adapter made for this checkpoint (the demo adapter fits only the demo checkpoint)';
      throw new EngineError('invalid-input', message, { field: 'controlnet_image' });
    }
    for (const [i, layer] of layers.entries()) {
      const mine = slot.cond[i];
      const differs = (unet: number | undefined, adapter: number) => unet !== undefined && unet !== adapter;
      if (differs(layer.keyChannels, mine.keyChannels) || differs(layer.valueChannels, mine.valueChannels)) {
        const message =
          `IP-Adapter layer ${i} is ${mine.keyChannels}/${mine.valueChannels} wide (K/V) but the UNet's attn2 ` +
          `there takes ${layer.keyChannels}/${layer.valueChannels}: use an adapter made for this checkpoint`;
        throw new EngineError('invalid-input', message, { field: 'controlnet_image' });
      }
    }
  }
  const weighted = slots.map((slot) => ({
    stop: slot.stop,
    cond: slot.cond.map((l) => weightLayerTokens(l, slot.weight)),
    uncond: slot.uncond.map((l) => weightLayerTokens(l, slot.weight)),
  }));
  const cache = new Map<string, Record<string, FeedTensor>>();
  return (progress, batch) => {
    const active = weighted.filter((slot) => progress < slot.stop);
    const key = `${batch}:${weighted.map((slot) => (active.includes(slot) ? 1 : 0)).join('')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const feeds: Record<string, FeedTensor> = {};
    for (const [i, layer] of layers.entries()) {
      const rows = (side: 'cond' | 'uncond') => active.map((slot) => slot[side][i]);
      const order = batch === 2 ? [rows('uncond'), rows('cond')] : [rows('cond')];
      const tokens = active.reduce((sum, slot) => sum + slot.cond[i].tokens, 0);
      // Widths the graph leaves symbolic come from the adapter (0 tokens still need the right width).
      const kc = layer.keyChannels ?? weighted[0]?.cond[i].keyChannels ?? 0;
      const vc = layer.valueChannels ?? weighted[0]?.cond[i].valueChannels ?? 0;
      const k = new Float32Array(batch * tokens * kc);
      const v = new Float32Array(batch * tokens * vc);
      let ko = 0;
      let vo = 0;
      for (const row of order) {
        for (const part of row) {
          k.set(part.k, ko);
          v.set(part.v, vo);
          ko += part.k.length;
          vo += part.v.length;
        }
      }
      feeds[ipKeyInput(layer.index)] = { data: k, dims: [batch, tokens, kc] };
      feeds[ipValueInput(layer.index)] = { data: v, dims: [batch, tokens, vc] };
    }
    cache.set(key, feeds);
    return feeds;
  };
}
