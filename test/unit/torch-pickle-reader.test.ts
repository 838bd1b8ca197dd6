/**
 * The PyTorch file reader (engine/import/torch) on files the test writes in torch.save's format
 * (test/fixtures/torch-save.ts): tensors come back bit-exact in every dtype, nested dicts flatten to
 * dotted names, views of shared storages read their own slice; a pickle that names a constructor
 * outside the allow-list is refused by name before anything runs; truncated and corrupt files are
 * TorchFileErrors naming the file, never crashes or hangs.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openTensorSource, withTensorSource } from '../../engine/import/tensor-source.ts';
import '../../engine/import/torch/torch-opener.ts';
import { TorchFileError } from '../../engine/import/torch/torch-file-error.ts';
import { TorchTensorSource } from '../../engine/import/torch/torch-tensor-source.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../engine/onnx/float16.ts';
import {
  PickleWriter,
  PyDict,
  PyFloat,
  storage,
  tensor,
  torchSave,
  torchSaveBytes,
  TorchTensor,
  TorchTensorV3,
  Tuple,
} from '../fixtures/torch-save.ts';

const dir = await mkdtemp(join(tmpdir(), 'torch-reader-'));

function roundF16(values: number[]): number[] {
  return values.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v)));
}

const F32 = [1.5, -2.25, 3.1415927, 0, -0, 1e-30, 65504, 7];
const F16 = [0.5, -1.25, 3.14, 0.1, 1000, -0.0001];
const I64 = [0n, 1n, -1n, 9007199254740993n, -(2n ** 63n), 2n ** 63n - 1n];

function sharedStorageDict(): PyDict {
  const shared = storage('FloatStorage', [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
  return new PyDict([
    ['head', new TorchTensor(shared, [2, 2], 0)],
    ['tail', new TorchTensor(shared, [3], 7)],
    ['middle', new TorchTensor(shared, [2, 1, 2], 3, [2, 99, 1])],
  ]);
}

async function expectFileError(promise: Promise<unknown>, path: string, pattern: RegExp): Promise<TorchFileError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TorchFileError, `a TorchFileError, got ${String(error)}`);
    assert.equal(error.path, path);
    assert.match(error.message, pattern);
    return error;
  }
  throw new assert.AssertionError({ message: `expected a TorchFileError matching ${pattern}` });
}

test('reads fp32, fp16, bf16, int64 and bool tensors (v2 and v3 rebuilds) bit-exact, flattening nested dicts, tuples and parameters to dotted names', async () => {
  const path = join(dir, 'mixed.pth');
  await torchSave(
    new PyDict(
      [
        [
          'image_proj',
          new PyDict([
            ['latents', tensor('FloatStorage', [2, 4], F32)],
            ['proj.weight', tensor('HalfStorage', [6], F16)],
          ]),
        ],
        ['ip_adapter', new PyDict([['1.to_k_ip.weight', tensor('BFloat16Storage', [2], [1.5, -3])]])],
        ['steps', new PyDict([['ids', tensor('LongStorage', [6], I64)]])],
        ['mask', tensor('BoolStorage', [3], [1, 0, 1])],
        ['quantised', new Tuple([tensor('ByteStorage', [3], [0, 128, 255]), tensor('FloatStorage', [1], [-1])])],
        ['param', new TorchTensor(storage('FloatStorage', [4, 5]), [2], 0, [1], true)],
        ['v3', new TorchTensorV3(storage('HalfStorage', [0.25, -8, 3]), [3], 'float16')],
        ['epoch', 12],
        ['lr', new PyFloat(0.5)],
        ['note', 'not a tensor'],
        ['nothing', null],
      ],
      false,
      // module.state_dict() carries `_metadata` as an attribute (BUILD), not as items: no tensors from it.
      new PyDict(
        [
          ['_metadata', new PyDict([['', new PyDict([['version', 1]], true)]])],
          ['stray', tensor('FloatStorage', [1], [9])],
        ],
        true,
      ),
    ),
    path,
  );
  await withTensorSource(path, async (source) => {
    assert.ok(source instanceof TorchTensorSource);
    assert.deepEqual(
      [...source.tensors.values()].map((t) => `${t.name} ${t.dtype}[${t.shape.join(',')}]`),
      [
        'image_proj.latents F32[2,4]',
        'image_proj.proj.weight F16[6]',
        'ip_adapter.1.to_k_ip.weight BF16[2]',
        'steps.ids I64[6]',
        'mask BOOL[3]',
        'quantised.0 U8[3]',
        'quantised.1 F32[1]',
        'param F32[2]',
        'v3 F16[3]',
      ],
    );
    assert.deepEqual([...(await source.readFloat32('image_proj.latents')).data], [...Float32Array.from(F32)]);
    assert.deepEqual([...(await source.readFloat32('image_proj.proj.weight')).data], roundF16(F16));
    assert.deepEqual([...(await source.readFloat32('ip_adapter.1.to_k_ip.weight')).data], [1.5, -3]);
    assert.deepEqual([...(await source.readFloat32('quantised.0')).data], [0, 128, 255]);
    assert.deepEqual([...(await source.readFloat32('param')).data], [4, 5]);
    assert.deepEqual([...(await source.readFloat32('v3')).data], [0.25, -8, 3]);
    const ids = await (source as TorchTensorSource).readRaw('steps.ids');
    assert.deepEqual(
      Array.from({ length: 6 }, (_, i) => ids.bytes.readBigInt64LE(i * 8)),
      I64,
    );
    await assert.rejects(source.readFloat32('steps.ids'), /I64, which float32 cannot hold exactly/);
  });
});

test('views of one shared storage read their own offset; a non-contiguous view is refused naming its strides', async () => {
  const path = join(dir, 'shared.bin');
  const bytes = torchSaveBytes(sharedStorageDict());
  await writeFile(path, bytes);
  // One storage entry for three tensors: the storage is written once.
  assert.equal(bytes.toString('latin1').split('archive/data/').length - 1, 2);
  const source = await openTensorSource(path);
  try {
    assert.deepEqual([...(await source.readFloat32('head')).data], [10, 11, 12, 13]);
    assert.deepEqual([...(await source.readFloat32('tail')).data], [17, 18, 19]);
    assert.deepEqual([...(await source.readFloat32('middle')).data], [13, 14, 15, 16]);
  } finally {
    await source.close();
  }
  const transposed = join(dir, 'transposed.bin');
  await torchSave(
    new PyDict([['w', new TorchTensor(storage('FloatStorage', [1, 2, 3, 4, 5, 6]), [3, 2], 0, [1, 3])]]),
    transposed,
  );
  const t = await openTensorSource(transposed);
  try {
    await expectFileError(
      t.readFloat32('w'),
      transposed,
      /tensor w is a non-contiguous view \(size \[3,2\], stride \[1,3\]\)/,
    );
  } finally {
    await t.close();
  }
});

test('reads archives without zip64 records, with deflated entries, and under another archive folder name', async () => {
  for (const [name, options] of [
    ['plain-zip.pt', { hasZip64: false }],
    ['deflated.pt', { isDeflated: true }],
    ['named.pt', { archive: 'pytorch_model' }],
  ] as const) {
    const path = join(dir, name);
    await torchSave(sharedStorageDict(), path, options);
    await withTensorSource(path, async (source) => {
      assert.deepEqual([...(await source.readFloat32('tail')).data], [17, 18, 19], name);
    });
  }
});

for (const [label, build, constructor] of [
  [
    'GLOBAL os.system + REDUCE',
    (marker: string) => new PickleWriter().proto(2).global('os', 'system').unicode(`touch ${marker}`).op(0x85, 0x52),
    'os.system',
  ],
  [
    'GLOBAL builtins.eval + REDUCE',
    (marker: string) =>
      new PickleWriter()
        .proto(2)
        .global('builtins', 'eval')
        .unicode(`open(${JSON.stringify(marker)}, 'w')`)
        .op(0x85, 0x52),
    'builtins.eval',
  ],
  [
    'STACK_GLOBAL subprocess.Popen inside a state dict',
    (marker: string) =>
      new PickleWriter()
        .proto(4)
        .global('collections', 'OrderedDict')
        .op(0x29, 0x52)
        .unicode('weight')
        .unicode('subprocess')
        .unicode('Popen')
        .op(0x93)
        .unicode(`touch ${marker}`)
        .op(0x85, 0x52, 0x73),
    'subprocess.Popen',
  ],
] as const) {
  test(`refuses a pickle with ${label}, naming ${constructor} and the file, and runs nothing`, async () => {
    const marker = join(dir, `pwned-${constructor}`);
    const path = join(dir, `evil-${constructor}.pth`);
    const pickle = build(marker).op(0x2e).bytes();
    await writeFile(path, torchSaveBytes(new PyDict([]), { pickle }));
    const error = await expectFileError(
      openTensorSource(path),
      path,
      new RegExp(`asks for ${constructor.replace('.', '\\.')}, which is not an allowed constructor`),
    );
    assert.match(error.message, new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    await assert.rejects(stat(marker), { code: 'ENOENT' });
  });
}

test('refuses the legacy pre-1.6 format and bare pickles with what to do, and zips that are not torch.save files', async () => {
  const legacy = join(dir, 'legacy.pth');
  await writeFile(
    legacy,
    Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e]),
  );
  await expectFileError(openTensorSource(legacy), legacy, /legacy \(pre-1\.6\) format.*re-save/);
  const bare = join(dir, 'bare.pkl');
  await writeFile(bare, new PickleWriter().proto(2).op(0x7d, 0x2e).bytes());
  await expectFileError(openTensorSource(bare), bare, /a bare pickle/);
  const other = join(dir, 'other.zip');
  const bytes = torchSaveBytes(sharedStorageDict());
  await writeFile(other, Buffer.from(bytes.toString('latin1').replaceAll('data.pkl', 'data.txt'), 'latin1'));
  await expectFileError(openTensorSource(other), other, /without <archive>\/data\.pkl/);
});

test('every truncation of a file is a TorchFileError naming the file', async () => {
  const whole = torchSaveBytes(sharedStorageDict());
  const path = join(dir, 'truncated.bin');
  for (let length = 4; length < whole.length; length += 7) {
    await writeFile(path, whole.subarray(0, length));
    try {
      const source = await openTensorSource(path);
      // An end record may survive a cut inside the data only if the directory still fits; reading must then fail.
      try {
        for (const name of source.tensors.keys()) await source.readFloat32(name);
      } finally {
        await source.close();
      }
      assert.fail(`a file cut at ${length} of ${whole.length} bytes was read`);
    } catch (error) {
      assert.ok(error instanceof TorchFileError, `cut at ${length}: ${String(error)}`);
      assert.equal(error.path, path);
    }
  }
});

test('corrupt bytes are TorchFileErrors: a changed data.pkl fails its CRC, and any mutated pickle fails cleanly', async () => {
  const whole = torchSaveBytes(sharedStorageDict());
  const original = await readFileEntry(whole, 'archive/data.pkl');
  const crcPath = join(dir, 'crc.bin');
  const flipped = Buffer.from(whole);
  flipped[original.offset + 5] ^= 0xff;
  await writeFile(crcPath, flipped);
  await expectFileError(openTensorSource(crcPath), crcPath, /entry archive\/data\.pkl is corrupt \(its CRC-32/);

  // Mutations with a matching CRC reach the pickle machine: each must end in a TorchFileError or a
  // consistent read, whatever the bytes say.
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  const path = join(dir, 'mutated.bin');
  for (let round = 0; round < 300; round++) {
    const pickle = Buffer.from(original.data);
    for (let k = 0; k <= round % 3; k++) pickle[random() % pickle.length] = random() & 0xff;
    await writeFile(path, torchSaveBytes(sharedStorageDict(), { pickle }));
    try {
      const source = await openTensorSource(path);
      await source.close();
    } catch (error) {
      assert.ok(error instanceof TorchFileError, `round ${round}: ${String(error)}`);
    }
  }
  // Mutations anywhere after the zip magic (directory, headers, storages): an error or a read, never a crash.
  const anywhere = join(dir, 'mutated-zip.bin');
  for (let round = 0; round < 300; round++) {
    const bytes = Buffer.from(whole);
    for (let k = 0; k <= round % 4; k++) bytes[4 + (random() % (bytes.length - 4))] = random() & 0xff;
    await writeFile(anywhere, bytes);
    try {
      const source = await openTensorSource(anywhere);
      try {
        for (const name of source.tensors.keys()) await source.readFloat32(name);
      } finally {
        await source.close();
      }
    } catch (error) {
      assert.ok(error instanceof TorchFileError, `zip round ${round}: ${String(error)}`);
    }
  }
});

/** The stored bytes of `name` in a fixture archive (local header parsed as a reader would). */
async function readFileEntry(zip: Buffer, name: string): Promise<{ offset: number; data: Buffer }> {
  const at = zip.indexOf(Buffer.from(name));
  const header = at - 30;
  const offset = header + 30 + zip.readUInt16LE(header + 26) + zip.readUInt16LE(header + 28);
  return { offset, data: zip.subarray(offset, offset + zip.readUInt32LE(header + 18)) };
}

test('the test-written file is what the reader sees on disk (fixture sanity)', async () => {
  const path = join(dir, 'sanity.pth');
  await torchSave(new PyDict([['w', tensor('FloatStorage', [2], [1, 2])]]), path);
  const bytes = await readFile(path);
  assert.equal(bytes.readUInt32LE(0), 0x04034b50);
  const pkl = await readFileEntry(bytes, 'archive/data.pkl');
  assert.equal(pkl.offset % 64, 0, 'torch aligns entry data to 64 bytes');
  assert.equal(pkl.data[0], 0x80);
  assert.equal(pkl.data[1], 2);
});
