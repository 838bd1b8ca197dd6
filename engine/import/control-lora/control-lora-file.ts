/**
 * A Control-LoRA's tensors sorted by role. The file (Stability's `control-lora-*-rank128`,
 * Fooocus's `fooocus_xl_cpds_128`) is an SGM-named ControlNet state dict marked by a
 * `lora_controlnet` tensor:
 *  - the encoder copied from the base UNet (`input_blocks.*`, `middle_block.*`, `time_embed.*`,
 *    `label_emb.*`), where a Linear/Conv weight may come as a low-rank pair `<module>.up`
 *    [out,R(,1,1)] / `<module>.down` [R,in(,kh,kw)] meaning base + up@down, and anything else
 *    (biases, norms, sometimes whole weights) as a full tensor replacing the base's;
 *  - the ControlNet's own parts, always full: `input_hint_block.{0,2,…,14}` (eight 3×3 convs with
 *    SiLU between them), `zero_convs.N.0` (one 1×1 conv per encoder skip) and `middle_block_out.0`.
 * Keys outside this layout are refused by name rather than ignored: a file we half understand
 * would silently give wrong control.
 */
import { openTensorSource, type TensorInfo, type TensorSource } from '../tensor-source.ts';
import { ControlLoraError, listSome } from './control-lora-error.ts';

export const CONTROL_LORA_MARKER = 'lora_controlnet';
/** The hint block's conv indices in its nn.Sequential (SiLUs sit at the odd indices). */
export const HINT_CONV_INDICES = [0, 2, 4, 6, 8, 10, 12, 14] as const;
/** Convs that halve the resolution: three of them take the image (8× the latent) to latent size. */
export const HINT_STRIDE_TWO = new Set([4, 8, 12]);

const ENCODER = /^(input_blocks|middle_block|time_embed|label_emb)\.(.+)\.(up|down|weight|bias)$/;
const HINT = /^input_hint_block\.(\d+)\.(weight|bias)$/;
const ZERO_CONV = /^zero_convs\.(\d+)\.0\.(weight|bias)$/;
const MIDDLE_OUT = /^middle_block_out\.0\.(weight|bias)$/;

export interface ConvTensors {
  weight: TensorInfo;
  bias: TensorInfo;
}

export interface LowRankPair {
  /** SGM module path, e.g. `input_blocks.4.1.transformer_blocks.0.attn1.to_q`. */
  module: string;
  up: TensorInfo;
  down: TensorInfo;
}

export interface FullTensor {
  /** SGM module path and parameter (`weight` or `bias`). */
  module: string;
  param: 'weight' | 'bias';
  tensor: TensorInfo;
}

export interface ControlLoraFile {
  source: TensorSource;
  pairs: LowRankPair[];
  full: FullTensor[];
  /** The eight hint convs in order, with their strides. */
  hint: (ConvTensors & { stride: number })[];
  /** zero_convs.0 … zero_convs.N−1: residual k is zero_convs.k applied to the k-th skip. */
  zeroConvs: ConvTensors[];
  middleOut: ConvTensors;
}

function isTruncation(error: unknown): boolean {
  return /outside the file|end of file|exceeds the file/.test(error instanceof Error ? error.message : '');
}

/** Opens `path` and sorts its keys; closes the source again when the layout is refused. */
export async function openControlLora(path: string): Promise<ControlLoraFile> {
  let source: TensorSource;
  try {
    source = await openTensorSource(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ControlLoraError('unreadable', path, 'the Control-LoRA file does not exist', { cause: error });
    if (isTruncation(error))
      throw new ControlLoraError('truncated', path, `the file is cut short (${reason}); copy it again`, {
        cause: error,
      });
    throw new ControlLoraError('unreadable', path, `not a readable state dict (${reason})`, { cause: error });
  }
  try {
    return classify(source);
  } catch (error) {
    await source.close();
    throw error;
  }
}

function classify(source: TensorSource): ControlLoraFile {
  const { path, tensors } = source;
  if (!tensors.has(CONTROL_LORA_MARKER)) {
    const what = [...tensors.keys()].some((k) => HINT.test(k))
      ? 'a full ControlNet, not a Control-LoRA'
      : 'not a Control-LoRA';
    throw new ControlLoraError(
      'not-control-lora',
      path,
      `${what}: it has no ${CONTROL_LORA_MARKER} tensor (${tensors.size} tensors, e.g. ${listSome([...tensors.keys()], 3)})`,
    );
  }
  const halves = new Map<string, { up?: TensorInfo; down?: TensorInfo }>();
  const full: FullTensor[] = [];
  const hint = new Map<number, Partial<ConvTensors>>();
  const zero = new Map<number, Partial<ConvTensors>>();
  const middle: Partial<ConvTensors> = {};
  const unknown: string[] = [];
  for (const [name, info] of tensors) {
    if (name === CONTROL_LORA_MARKER) continue;
    let m = ENCODER.exec(name);
    if (m) {
      const module = `${m[1]}.${m[2]}`;
      const part = m[3];
      if (part === 'up' || part === 'down') {
        const pair = halves.get(module) ?? {};
        pair[part] = info;
        halves.set(module, pair);
      } else full.push({ module, param: part as 'weight' | 'bias', tensor: info });
      continue;
    }
    if ((m = HINT.exec(name))) {
      const index = Number(m[1]);
      if (!(HINT_CONV_INDICES as readonly number[]).includes(index)) unknown.push(name);
      else setPart(hint, index, m[2], info);
      continue;
    }
    if ((m = ZERO_CONV.exec(name))) {
      setPart(zero, Number(m[1]), m[2], info);
      continue;
    }
    if ((m = MIDDLE_OUT.exec(name))) {
      middle[m[1] as keyof ConvTensors] = info;
      continue;
    }
    unknown.push(name);
  }
  if (unknown.length > 0)
    throw new ControlLoraError(
      'unknown-keys',
      path,
      `${unknown.length} keys are not part of a Control-LoRA's layout: ${listSome(unknown)}`,
    );

  const missing: string[] = [];
  const pairs: LowRankPair[] = [];
  for (const [module, { up, down }] of halves) {
    if (!up) missing.push(`${module}.up`);
    if (!down) missing.push(`${module}.down`);
    if (up && down) pairs.push({ module, up, down });
  }
  const conv = (parts: Partial<ConvTensors> | undefined, prefix: string): ConvTensors | undefined => {
    if (!parts?.weight) missing.push(`${prefix}.weight`);
    if (!parts?.bias) missing.push(`${prefix}.bias`);
    return parts?.weight && parts.bias ? { weight: parts.weight, bias: parts.bias } : undefined;
  };
  const hintConvs = HINT_CONV_INDICES.map((i) => {
    const tensors = conv(hint.get(i), `input_hint_block.${i}`);
    return tensors && { ...tensors, stride: HINT_STRIDE_TWO.has(i) ? 2 : 1 };
  });
  const zeroCount = zero.size === 0 ? 0 : Math.max(...zero.keys()) + 1;
  if (zeroCount === 0) missing.push('zero_convs.0.0.weight');
  const zeroConvs = Array.from({ length: zeroCount }, (_, k) => conv(zero.get(k), `zero_convs.${k}.0`));
  const middleOut = conv(middle, 'middle_block_out.0');
  if (missing.length > 0)
    throw new ControlLoraError(
      'missing-keys',
      path,
      `${missing.length} tensors a Control-LoRA needs are absent: ${listSome(missing)}`,
    );
  return {
    source,
    pairs,
    full,
    hint: hintConvs.filter((c) => c !== undefined),
    zeroConvs: zeroConvs.filter((c) => c !== undefined),
    middleOut: middleOut!,
  };
}

function setPart(map: Map<number, Partial<ConvTensors>>, index: number, part: string, info: TensorInfo): void {
  const parts = map.get(index) ?? {};
  parts[part as keyof ConvTensors] = info;
  map.set(index, parts);
}
