/**
 * An ESRGAN/RRDBNet upscaler state dict (`upscale_models/fooocus_upscaler_s409985e5.bin`, or any
 * RRDBNet .pth/.safetensors in the layouts esrgan-layout.ts knows) → the ONNX model OnnxUpscaler
 * (engine/uov/super-resolution.ts) loads: `input` float32 [1,3,H,W] in 0..1 → `output` [1,3,sH,sW].
 * The network, as RRDBNet computes it (3×3 convolutions with padding 1 and bias, LeakyReLU 0.2):
 *   fea = conv_first(x); fea = fea + trunk(RRDB_nb(…RRDB_1(fea)))
 *   RRDB(x) = x + 0.2·D3(D2(D1(x))), D(x) = x + 0.2·c5([x,x1..x4]), x_k = lrelu(c_k([x,x1..x_{k−1}]))
 *   per ×2 stage: lrelu(up_k(nearest×2(fea))); out = conv_last(lrelu(HRconv(fea)))
 * Features, growth channels, block count and scale (2^stages) are read from the tensors.
 */
import { basename, join } from 'node:path';
import { FloatAttr, GraphBuilder } from '../../models/onnx-graph-builder.ts';
import type { FloatTensor } from '../../lora/safetensors.ts';
import { UPSCALE_MODELS_FOLDER } from '../../uov/upscaler-files.ts';
import { withTensorSource, type TensorSource } from '../tensor-source.ts';
import { ModelConversionError } from './conversion-error.ts';
import { detectEsrganLayout, layoutKeys, type EsrganLayout } from './esrgan-layout.ts';
import { writeGraphStaged } from './staged-files.ts';

export interface EsrganSummary {
  scale: number;
  blocks: number;
  features: number;
  growth: number;
  /** Files written (external data first). */
  files: string[];
}

/** `fooocus_upscaler_s409985e5.bin` → `<modelsDir>/upscale_models/fooocus_upscaler_s409985e5.onnx`. */
export function upscalerTargetPath(modelsDir: string, sourceName: string): string {
  return join(modelsDir, UPSCALE_MODELS_FOLDER, basename(sourceName).replace(/\.[^.]+$/, '') + '.onnx');
}

class ConvReader {
  constructor(
    private readonly source: TensorSource,
    private readonly g: GraphBuilder,
  ) {}

  async conv(x: string, prefix: string, inChannels: number): Promise<{ value: string; out: number }> {
    const weight = await this.tensor(`${prefix}.weight`);
    const bias = await this.tensor(`${prefix}.bias`);
    const [out, inC, kh, kw] = weight.shape;
    if (weight.shape.length !== 4 || inC !== inChannels || kh !== 3 || kw !== 3 || bias.shape[0] !== out)
      throw new ModelConversionError(
        this.source.path,
        `${prefix}.weight is [${weight.shape.join(',')}]; an RRDBNet convolution here is [out,${inChannels},3,3] with a bias [out]`,
      );
    const value = this.g.node(
      'Conv',
      [
        x,
        this.g.weight(`${prefix}.weight`, weight.shape, weight.data),
        this.g.weight(`${prefix}.bias`, [out], bias.data),
      ],
      { pads: [1, 1, 1, 1] },
    );
    return { value, out };
  }

  private async tensor(name: string): Promise<FloatTensor> {
    if (!this.source.tensors.has(name))
      throw new ModelConversionError(this.source.path, `missing ${name} (an RRDBNet convolution)`);
    return this.source.readFloat32(name);
  }
}

function lrelu(g: GraphBuilder, x: string): string {
  return g.node('LeakyRelu', [x], { alpha: new FloatAttr(0.2) });
}

/** x + 0.2·f: the residual scaling of every dense block and RRDB. */
function scaledResidual(g: GraphBuilder, x: string, f: string): string {
  return g.node('Add', [x, g.node('Mul', [f, g.scalar(0.2)])]);
}

async function buildGraph(
  source: TensorSource,
  layout: EsrganLayout,
): Promise<{ graph: GraphBuilder; features: number; growth: number }> {
  const g = new GraphBuilder(basename(source.path).replace(/\W/g, '_'));
  const convs = new ConvReader(source, g);
  const input = g.input('input', 'float', [1, 3, 'height', 'width']);
  const first = await convs.conv(input, layout.first, 3);
  const nf = first.out;
  let growth = 0;
  let fea = first.value;
  for (const block of layout.blocks) {
    const blockInput = fea;
    for (const dense of block) {
      const denseInput = fea;
      const parts = [denseInput];
      for (let c = 0; c < dense.length; c++) {
        const cat = parts.length === 1 ? parts[0] : g.node('Concat', [...parts], { axis: 1 });
        const conv = await convs.conv(cat, dense[c], nf + growth * c);
        if (c === 0) growth = conv.out;
        if (c < dense.length - 1) parts.push(lrelu(g, conv.value));
        else fea = scaledResidual(g, denseInput, conv.value);
      }
    }
    fea = scaledResidual(g, blockInput, fea);
  }
  fea = g.node('Add', [first.value, (await convs.conv(fea, layout.trunk, nf)).value]);
  const scales = g.weight('upsample.scales', [4], Float32Array.from([1, 1, 2, 2]));
  for (const up of layout.upsamples) {
    // asymmetric + floor is torch's nearest: output pixel i reads input ⌊i/2⌋.
    const resized = g.node('Resize', [fea, '', scales], {
      mode: 'nearest',
      coordinate_transformation_mode: 'asymmetric',
      nearest_mode: 'floor',
    });
    fea = lrelu(g, (await convs.conv(resized, up, nf)).value);
  }
  fea = lrelu(g, (await convs.conv(fea, layout.hr, nf)).value);
  const last = await convs.conv(fea, layout.last, nf);
  if (last.out !== 3)
    throw new ModelConversionError(
      source.path,
      `${layout.last} has ${last.out} output channels; an RGB upscaler has 3`,
    );
  g.output(last.value, 'output', [1, 3, 'out_height', 'out_width']);
  return { graph: g, features: nf, growth };
}

/**
 * The source under Fooocus's reading of it: modules/upscaler.py renames `residual_block_` to `RDB` before
 * building the RRDBNet, so its own file spells the dense blocks `residual_block_<r>`; BasicSR's `rdb<r>` is
 * read the same way, so every layout names a dense block `RDB<r>`.
 */
function withRdbNames(file: TensorSource): TensorSource {
  const canonical = (n: string) => n.replace(/residual_block_/g, 'RDB').replace(/\.rdb(\d)\./g, '.RDB$1.');
  const original = new Map([...file.tensors.keys()].map((n) => [canonical(n), n]));
  const tensors = new Map([...original].map(([name, from]) => [name, { ...file.tensors.get(from)!, name }]));
  return {
    path: file.path,
    metadata: file.metadata,
    tensors,
    readFloat32: (name) => file.readFloat32(original.get(name) ?? name),
    close: () => file.close(),
  };
}

/** Converts an RRDBNet state dict at `source` into the ONNX model at `outPath` (+ `<outPath>_data`). */
export async function convertEsrganUpscaler(source: string, outPath: string): Promise<EsrganSummary> {
  return withTensorSource(source, async (opened) => {
    const file = withRdbNames(opened);
    const names = [...file.tensors.keys()];
    const layout = detectEsrganLayout(names, source);
    const used = new Set(layoutKeys(layout));
    const missing = [...used].filter((k) => !file.tensors.has(k));
    if (missing.length > 0)
      throw new ModelConversionError(
        source,
        `the RRDBNet layout is incomplete: missing ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`,
      );
    const unknown = names.filter((n) => !used.has(n) && file.tensors.get(n)!.shape.length > 0);
    if (unknown.length > 0)
      throw new ModelConversionError(
        source,
        `keys this RRDBNet conversion does not know: ${unknown.slice(0, 6).join(', ')} (${unknown.length} in all)`,
      );
    if (file.tensors.get(`${layout.first}.weight`)!.shape[1] !== 3)
      throw new ModelConversionError(
        source,
        `${layout.first}.weight takes ${file.tensors.get(`${layout.first}.weight`)!.shape[1]} input channels; only RGB-input RRDBNets (no pixel-unshuffle variants) are supported`,
      );
    const { graph, features, growth } = await buildGraph(file, layout);
    const files = await writeGraphStaged(graph, outPath);
    return { scale: 2 ** layout.upsamples.length, blocks: layout.blocks.length, features, growth, files };
  });
}
