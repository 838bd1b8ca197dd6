/**
 * Which ESRGAN/RRDBNet key layout a state dict uses and its shape, from the keys alone:
 *  - the original ESRGAN ("old arch", Fooocus's `fooocus_upscaler_s409985e5.bin`; its `residual_block_<r>`
 *    spelling is read as `RDB<r>` by the caller, as Fooocus does): `model.0` conv_first,
 *    `model.1.sub.<i>.RDB<r>.conv<c>.0` the blocks, `model.1.sub.<nb>` the trunk conv, then per ×2 stage
 *    an Upsample, a conv and a LeakyReLU (`model.3`, `model.6`, …), `model.<3n+2>` HRconv, `model.<3n+4>` conv_last;
 *  - the later ESRGAN names: `conv_first`, `RRDB_trunk.<i>.RDB<r>.conv<c>`, `trunk_conv`, `upconv<k>`,
 *    `HRconv`, `conv_last`;
 *  - BasicSR's: `conv_first`, `body.<i>.rdb<r>.conv<c>` (read as `RDB<r>`), `conv_body`, `conv_up<k>`, `conv_hr`,
 *    `conv_last`.
 * Each maps to one canonical list of convolutions, so the graph is built once.
 */
import { ModelConversionError } from './conversion-error.ts';

export interface EsrganLayout {
  /** Source key prefix of each convolution (append `.weight` / `.bias`). */
  first: string;
  /** blocks[i][r][c]: RRDB i, dense block r (0..2), conv c (0..4). */
  blocks: string[][][];
  trunk: string;
  upsamples: string[];
  hr: string;
  last: string;
}

const DENSE_CONVS = 5;

function blockNames(count: number, name: (i: number, r: number, c: number) => string): string[][][] {
  return Array.from({ length: count }, (_, i) =>
    Array.from({ length: 3 }, (_, r) => Array.from({ length: DENSE_CONVS }, (_, c) => name(i, r, c + 1))),
  );
}

function countMatching(keys: readonly string[], pattern: RegExp): number {
  let max = -1;
  for (const key of keys) {
    const match = pattern.exec(key);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}

/** `params_ema.` / `params.` / `state_dict.` wrappers (BasicSR and training checkpoints) → the inner prefix. */
export function wrapperPrefix(keys: readonly string[]): string {
  for (const prefix of ['params_ema.', 'params.', 'state_dict.', 'model_state_dict.']) {
    if (keys.some((k) => k.startsWith(`${prefix}`) && k.endsWith('.weight'))) return prefix;
  }
  return '';
}

export function detectEsrganLayout(allKeys: readonly string[], path: string): EsrganLayout {
  const prefix = wrapperPrefix(allKeys);
  const keys = allKeys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const p = (name: string) => `${prefix}${name}`;
  if (keys.includes('model.0.weight') && keys.some((k) => k.startsWith('model.1.sub.'))) {
    const subs = countMatching(keys, /^model\.1\.sub\.(\d+)\.weight$/);
    const nb = subs - 1;
    const top = countMatching(keys, /^model\.(\d+)\.weight$/) - 1;
    const stages = (top - 4) / 3;
    if (nb < 1 || !Number.isInteger(stages) || stages < 0)
      throw new ModelConversionError(
        path,
        `ESRGAN keys model.1.sub.* and model.${top}.weight do not form an RRDBNet (expected the last conv at model.<3n+4>)`,
      );
    return {
      first: p('model.0'),
      blocks: blockNames(nb, (i, r, c) => p(`model.1.sub.${i}.RDB${r + 1}.conv${c}.0`)),
      trunk: p(`model.1.sub.${nb}`),
      upsamples: Array.from({ length: stages }, (_, k) => p(`model.${3 * (k + 1)}`)),
      hr: p(`model.${3 * stages + 2}`),
      last: p(`model.${3 * stages + 4}`),
    };
  }
  if (keys.includes('conv_first.weight') && keys.some((k) => k.startsWith('RRDB_trunk.'))) {
    return {
      first: p('conv_first'),
      blocks: blockNames(countMatching(keys, /^RRDB_trunk\.(\d+)\./), (i, r, c) =>
        p(`RRDB_trunk.${i}.RDB${r + 1}.conv${c}`),
      ),
      trunk: p('trunk_conv'),
      upsamples: Array.from({ length: countMatching(keys, /^upconv(\d+)\.weight$/) - 1 }, (_, k) =>
        p(`upconv${k + 1}`),
      ),
      hr: p('HRconv'),
      last: p('conv_last'),
    };
  }
  if (keys.includes('conv_first.weight') && keys.some((k) => k.startsWith('body.'))) {
    return {
      first: p('conv_first'),
      blocks: blockNames(countMatching(keys, /^body\.(\d+)\./), (i, r, c) => p(`body.${i}.RDB${r + 1}.conv${c}`)),
      trunk: p('conv_body'),
      upsamples: Array.from({ length: countMatching(keys, /^conv_up(\d+)\.weight$/) - 1 }, (_, k) =>
        p(`conv_up${k + 1}`),
      ),
      hr: p('conv_hr'),
      last: p('conv_last'),
    };
  }
  throw new ModelConversionError(
    path,
    `not an ESRGAN/RRDBNet state dict (no model.0 + model.1.sub.*, conv_first + RRDB_trunk.*, or conv_first + body.* keys; found ${allKeys.slice(0, 4).join(', ')}…)`,
  );
}

/** Every key the layout reads (to report missing and unused ones). */
export function layoutKeys(layout: EsrganLayout): string[] {
  const convs = [layout.first, ...layout.blocks.flat(2), layout.trunk, ...layout.upsamples, layout.hr, layout.last];
  return convs.flatMap((c) => [`${c}.weight`, `${c}.bias`]);
}
