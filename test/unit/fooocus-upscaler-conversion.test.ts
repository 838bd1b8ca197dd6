/**
 * ESRGAN/RRDBNet upscaler state dicts (Fooocus's `fooocus_upscaler_s409985e5.bin` key layout, and the
 * later ESRGAN and BasicSR names), written here in torch.save's format at a tiny size, converted by
 * engine/import/fooocus/esrgan-upscaler.ts: the ONNX model computes what a plain JS RRDBNet computes,
 * findUpscaler lists it, and OnnxUpscaler (engine/uov/super-resolution.ts) reads its scale and upscales.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelConversionError } from '../../engine/import/fooocus/conversion-error.ts';
import { convertEsrganUpscaler, upscalerTargetPath } from '../../engine/import/fooocus/esrgan-upscaler.ts';
import { ProviderSelector } from '../../engine/onnx/providers.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';
import { OnnxUpscaler } from '../../engine/uov/super-resolution.ts';
import { findUpscaler } from '../../engine/uov/upscaler-files.ts';
import {
  BLOCKS,
  GC,
  NF,
  newKeys,
  oldKeys,
  rrdbConvs,
  stateDict,
  type Conv,
  type Convs,
} from '../fixtures/esrgan-state-dict.ts';
import { torchSave } from '../fixtures/torch-save.ts';

const root = await mkdtemp(join(tmpdir(), 'fooocus-upscaler-'));
interface Planes {
  c: number;
  h: number;
  w: number;
  data: Float64Array;
}

function conv2d(x: Planes, k: Conv): Planes {
  const out = new Float64Array(k.out * x.h * x.w);
  for (let o = 0; o < k.out; o++)
    for (let y = 0; y < x.h; y++)
      for (let xx = 0; xx < x.w; xx++) {
        let acc = k.bias[o];
        for (let i = 0; i < x.c; i++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const sy = y + dy;
              const sx = xx + dx;
              if (sy < 0 || sy >= x.h || sx < 0 || sx >= x.w) continue;
              acc += k.weight[((o * x.c + i) * 3 + dy + 1) * 3 + dx + 1] * x.data[(i * x.h + sy) * x.w + sx];
            }
        out[(o * x.h + y) * x.w + xx] = acc;
      }
  return { c: k.out, h: x.h, w: x.w, data: out };
}
const map = (x: Planes, f: (v: number, i: number) => number): Planes => ({ ...x, data: x.data.map(f) });
const lrelu = (x: Planes) => map(x, (v) => (v >= 0 ? v : 0.2 * v));
const cat = (parts: Planes[]): Planes => ({
  c: parts.reduce((a, p) => a + p.c, 0),
  h: parts[0].h,
  w: parts[0].w,
  data: Float64Array.from(parts.flatMap((p) => [...p.data])),
});
const nearest2 = (x: Planes): Planes => {
  const out = new Float64Array(x.c * x.h * 2 * x.w * 2);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < x.h * 2; y++)
      for (let xx = 0; xx < x.w * 2; xx++)
        out[(c * x.h * 2 + y) * x.w * 2 + xx] = x.data[(c * x.h + (y >> 1)) * x.w + (xx >> 1)];
  return { c: x.c, h: x.h * 2, w: x.w * 2, data: out };
};

/** ESRGAN's RRDBNet forward, written out plainly. */
function rrdbNet(c: Convs, x: Planes): Planes {
  const fea0 = conv2d(x, c.first);
  let fea = fea0;
  for (const block of c.blocks) {
    const blockIn = fea;
    for (const dense of block) {
      const parts = [fea];
      for (let k = 0; k < 4; k++) parts.push(lrelu(conv2d(cat(parts), dense[k])));
      const x5 = conv2d(cat(parts), dense[4]);
      const denseIn = fea;
      fea = map(denseIn, (v, i) => v + 0.2 * x5.data[i]);
    }
    const f = fea;
    fea = map(blockIn, (v, i) => v + 0.2 * f.data[i]);
  }
  const trunk = conv2d(fea, c.trunk);
  fea = map(fea0, (v, i) => v + trunk.data[i]);
  for (const up of c.ups) fea = lrelu(conv2d(nearest2(fea), up));
  return conv2d(lrelu(conv2d(fea, c.hr)), c.last);
}

const input: Planes = {
  c: 3,
  h: 5,
  w: 6,
  data: Float64Array.from({ length: 90 }, (_, i) => (Math.sin(i * 1.3) + 1) / 2),
};

async function runModel(path: string): Promise<Float32Array> {
  const session = await OnnxSession.create(path, { provider: 'cpu', threads: 1 });
  try {
    const out = await session.run({ input: { data: Float32Array.from(input.data), dims: [1, 3, input.h, input.w] } });
    return out.output.data;
  } finally {
    await session.release();
  }
}

function assertClose(actual: Float32Array, expected: Planes, label: string): void {
  assert.equal(actual.length, expected.data.length, label);
  const worst = Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected.data[i])));
  assert.ok(worst < 1e-4, `${label}: max |Δ| ${worst}`);
}

test("Fooocus's upscaler .bin (old ESRGAN keys, ×4) converts to an ONNX RRDBNet that matches a JS forward and OnnxUpscaler runs", async () => {
  const convs = rrdbConvs(2, 409985);
  const source = join(root, 'fooocus_upscaler_s409985e5.bin');
  await torchSave(stateDict(oldKeys(convs, 'residual_block_')), source);
  const models = join(root, 'models');
  const target = upscalerTargetPath(models, source);
  assert.equal(target, join(models, 'upscale_models', 'fooocus_upscaler_s409985e5.onnx'));
  const summary = await convertEsrganUpscaler(source, target);
  assert.deepEqual(
    { scale: summary.scale, blocks: summary.blocks, features: summary.features, growth: summary.growth },
    { scale: 4, blocks: BLOCKS, features: NF, growth: GC },
  );
  // Tiny weights stay inside the .onnx (external data starts at 1024 values).
  assert.deepEqual(await readdir(join(models, 'upscale_models')), ['fooocus_upscaler_s409985e5.onnx']);
  assertClose(await runModel(target), rrdbNet(convs, input), 'old layout ×4');

  const found = await findUpscaler(models);
  assert.deepEqual(found, { path: target, name: 'fooocus_upscaler_s409985e5.onnx', isDemo: false });
  const upscaler = await OnnxUpscaler.load(found.path, new ProviderSelector('cpu', 1, () => {}), 'upscaler');
  try {
    assert.equal(upscaler.scale, 4);
    const pixels = Uint8Array.from({ length: 90 }, (_, i) =>
      Math.round(input.data[(i % 3) * 30 + Math.floor(i / 3)] * 255),
    );
    const result = await upscaler.upscale({ width: 6, height: 5, channels: 3, data: pixels });
    assert.deepEqual([result.width, result.height, result.channels], [24, 20, 3]);
    const reference = rrdbNet(convs, {
      ...input,
      data: Float64Array.from(input.data, (_, i) => pixels[(i % 30) * 3 + Math.floor(i / 30)] / 255),
    });
    const plane = 24 * 20;
    let worst = 0;
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) {
        const v = reference.data[c * plane + p];
        const expected = v <= 0 ? 0 : v >= 1 ? 255 : Math.trunc(v * 255);
        worst = Math.max(worst, Math.abs(result.data[p * 3 + c] - expected));
      }
    assert.ok(worst <= 1, `upscaled bytes within truncation: ${worst}`);
  } finally {
    await upscaler.release();
  }
});

test('the later ESRGAN names (×2), a BasicSR params_ema wrapper and the original RDB spelling convert to the same network', async () => {
  const convs = rrdbConvs(1, 7);
  const later = join(root, 'RealESRGAN_later.pth');
  await torchSave(stateDict(newKeys(convs)), later);
  const summary = await convertEsrganUpscaler(later, join(root, 'later.onnx'));
  assert.equal(summary.scale, 2);
  const expected = rrdbNet(convs, input);
  assertClose(await runModel(join(root, 'later.onnx')), expected, 'later layout ×2');
  const basic = join(root, 'basicsr.pth');
  const basicKeys = new Map(
    [...newKeys(convs)].map(([k, v]) => [
      k
        .replace('RRDB_trunk', 'body')
        .replace(/RDB(\d)/, 'rdb$1')
        .replace('trunk_conv', 'conv_body')
        .replace('upconv', 'conv_up')
        .replace('HRconv', 'conv_hr'),
      v,
    ]),
  );
  await torchSave(stateDict(basicKeys, 'params_ema'), basic);
  await convertEsrganUpscaler(basic, join(root, 'basic.onnx'));
  assertClose(await runModel(join(root, 'basic.onnx')), expected, 'BasicSR layout');
  const esrgan = join(root, 'RRDB_ESRGAN_x2.pth');
  await torchSave(stateDict(oldKeys(convs)), esrgan);
  await convertEsrganUpscaler(esrgan, join(root, 'esrgan.onnx'));
  assertClose(await runModel(join(root, 'esrgan.onnx')), expected, 'ESRGAN RDB spelling');
});

test('incomplete, unknown and non-RRDBNet state dicts are refused naming the file and the keys; nothing is written', async () => {
  const convs = rrdbConvs(1, 3);
  const keys = oldKeys(convs);
  const cases: [string, Map<string, Conv>, RegExp][] = [
    [
      'missing.pth',
      new Map([...keys].filter(([k]) => k !== 'model.1.sub.1.RDB2.conv3.0')),
      /missing model\.1\.sub\.1\.RDB2\.conv3\.0\.weight/,
    ],
    [
      'extra.pth',
      new Map([...keys, ['model.1.sub.0.RDB1.conv6.0', convs.hr]]),
      /does not know: model\.1\.sub\.0\.RDB1\.conv6\.0\.weight/,
    ],
    ['other.pth', new Map([['encoder.conv', convs.hr]]), /not an ESRGAN\/RRDBNet state dict/],
  ];
  for (const [name, dict, pattern] of cases) {
    const path = join(root, name);
    await torchSave(stateDict(dict), path);
    const out = join(root, 'refused', `${name}.onnx`);
    await assert.rejects(convertEsrganUpscaler(path, out), (error: unknown) => {
      assert.ok(error instanceof ModelConversionError, String(error));
      assert.equal(error.path, path);
      assert.match(error.problem, pattern);
      return true;
    });
    await assert.rejects(readdir(join(root, 'refused')), { code: 'ENOENT' });
  }
});
