/** `npm run models` against a local server that speaks the hub's file API (test/fixtures/fake-hub.ts). */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runModelsCli } from '../../src/models-cli/main.ts';
import { startFakeHub, type FakeHub, type FakeRepoFile } from '../fixtures/fake-hub.ts';

const lfs = (path: string, size: number): FakeRepoFile => ({ path, content: randomBytes(size), isLfs: true });
const text = (path: string, content: string): FakeRepoFile => ({ path, content: Buffer.from(content), isLfs: false });

const SDXL_FILES = [
  text('model_index.json', '{"_class_name": "ORTStableDiffusionXLPipeline"}'),
  text('scheduler/scheduler_config.json', '{"beta_start": 0.00085}'),
  text('tokenizer/vocab.json', '{"a": 0}'),
  text('tokenizer_2/merges.txt', '#version: 0.2\n'),
  text('unet/config.json', '{}'),
  lfs('unet/model.onnx', 3000),
  lfs('unet/model.onnx_data', 200_000),
  lfs('text_encoder/model.onnx', 5000),
  lfs('text_encoder_2/model.onnx', 5000),
  lfs('vae_decoder/model.onnx', 4000),
  lfs('vae_encoder/model.onnx', 4000),
  // Not the ONNX layout: left on the hub.
  lfs('sd_xl_base_1.0.safetensors', 50_000),
  lfs('vae_decoder/openvino_model.bin', 4000),
  text('README.md', '# SDXL'),
  text('.gitattributes', '*.onnx filter=lfs'),
];
const LORA_FILES = [lfs('loras/detail.safetensors', 20_000), text('loras/README.md', 'x')];

let hub: FakeHub;
let root: string;
before(async () => {
  hub = await startFakeHub({
    'stabilityai/sdxl-onnx': { files: SDXL_FILES },
    'someone/loras': { files: LORA_FILES },
    'gated/secret': { files: [lfs('unet/model.onnx', 100), text('model_index.json', '{}')], token: 'hf_test_token' },
    'broken/mirror': {
      files: [text('model_index.json', '{}'), { ...lfs('unet/model.onnx', 1000), servedContent: randomBytes(1000) }],
    },
  });
  root = await mkdtemp(join(tmpdir(), 'fooocus-models-'));
});
after(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

async function models(args: string[], env: Record<string, string> = {}): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runModelsCli(
    [...args, '--models-dir', join(root, 'models')],
    { HF_ENDPOINT: hub.url, ...env },
    (l) => lines.push(l),
    fetch,
  );
  return { code, lines };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('models pull', () => {
  it('downloads only the diffusers-ONNX layout of a checkpoint repo, each file verified, from HF_ENDPOINT', async () => {
    const { code, lines } = await models(['pull', 'stabilityai/sdxl-onnx', '--name', 'sdxl-base']);
    assert.equal(code, 0);
    const dir = join(root, 'models', 'checkpoints', 'sdxl-base');
    const wanted = SDXL_FILES.filter((f) => !/safetensors|openvino|README|gitattributes/.test(f.path));
    for (const file of wanted)
      assert.equal(sha256(await readFile(join(dir, file.path))), sha256(file.content), file.path);
    await assert.rejects(stat(join(dir, 'sd_xl_base_1.0.safetensors')));
    await assert.rejects(stat(join(dir, 'vae_decoder', 'openvino_model.bin')));
    assert.equal(lines.filter((l) => l.startsWith('verified: checkpoints/sdxl-base/')).length, wanted.length);
    assert.ok(hub.requests.some((r) => r.url === '/api/models/stabilityai/sdxl-onnx/tree/main?recursive=true'));
    // A second pull finds everything in place and downloads nothing.
    const before = hub.requests.length;
    assert.equal((await models(['pull', 'stabilityai/sdxl-onnx', '--name', 'sdxl-base'])).code, 0);
    assert.equal(hub.requests.length, before + 1, 'only the listing');
  });

  it('resumes a partial file with a Range request after the connection drops', async () => {
    hub.cutAfter('unet/model.onnx_data', 80_000);
    const name = 'sdxl-resumed';
    await assert.rejects(
      models(['pull', 'stabilityai/sdxl-onnx', '--name', name]),
      /unet\/model\.onnx_data: the connection ended at 80000 of 200000 bytes; run the pull again to resume/,
    );
    const part = join(root, 'models', 'checkpoints', name, 'unet', 'model.onnx_data.part');
    assert.equal((await stat(part)).size, 80_000);
    const listed = await models(['list']);
    assert.ok(
      listed.lines.some((l) => l.includes(name)),
      'the partial checkpoint is listed',
    );
    const mark = hub.requests.length;
    assert.equal((await models(['pull', 'stabilityai/sdxl-onnx', '--name', name])).code, 0);
    // The Range header goes to resolve and follows its redirect to storage, which answers 206.
    const ranged = hub.requests.slice(mark).filter((r) => r.range && r.url.startsWith('/storage/'));
    assert.deepEqual(
      ranged.map((r) => r.range),
      ['bytes=80000-'],
    );
    const data = SDXL_FILES.find((f) => f.path === 'unet/model.onnx_data')!.content;
    assert.ok((await readFile(join(root, 'models', 'checkpoints', name, 'unet', 'model.onnx_data'))).equals(data));
    await assert.rejects(stat(part));
  });

  it("fails on a checksum mismatch with the hub's sha256, keeping neither the file nor the partial download", async () => {
    await assert.rejects(models(['pull', 'broken/mirror']), (error: Error) => {
      assert.match(
        error.message,
        /^unet\/model\.onnx: sha256 mismatch \(hub says [0-9a-f]{64}, downloaded [0-9a-f]{64}\)/,
      );
      return true;
    });
    const dir = join(root, 'models', 'checkpoints', 'mirror', 'unet');
    assert.deepEqual(await readdir(dir), []);
  });

  it('sends HF_TOKEN for a gated repo and says to set it when it is missing; --hub-endpoint wins over HF_ENDPOINT', async () => {
    await assert.rejects(
      models(['pull', 'gated/secret']),
      /gated\/secret needs access \(gated or private\): accept its terms on the hub and set HF_TOKEN/,
    );
    const lines: string[] = [];
    const code = await runModelsCli(
      ['pull', 'gated/secret', '--models-dir', join(root, 'models'), '--hub-endpoint', hub.url],
      { HF_ENDPOINT: 'http://127.0.0.1:9/unreachable', HF_TOKEN: 'hf_test_token' },
      (l) => lines.push(l),
      fetch,
    );
    assert.equal(code, 0);
    assert.ok(
      hub.requests
        .filter((r) => r.url.startsWith('/api/models/gated/secret'))
        .some((r) => r.authorization === 'Bearer hf_test_token'),
    );
  });

  it('puts LoRAs from a subfolder straight into models/loras/, pinned to a revision', async () => {
    assert.equal((await models(['pull', 'someone/loras@v1.0', '--kind', 'lora', '--subfolder', 'loras'])).code, 0);
    assert.deepEqual(await readdir(join(root, 'models', 'loras')), ['detail.safetensors']);
    assert.ok(hub.requests.some((r) => r.url === '/api/models/someone/loras/tree/v1.0/loras?recursive=true'));
    assert.ok(hub.requests.some((r) => r.url === '/someone/loras/resolve/v1.0/loras/detail.safetensors'));
  });
});

describe('models list and remove', () => {
  it('lists installed models by kind with sizes, and removes one by name', async () => {
    const { lines } = await models(['list']);
    assert.ok(
      lines.some((l) => /^checkpoint\s+sdxl-base\s+0\.2 MiB$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) => /^lora\s+detail\.safetensors\s+0\.0 MiB$/.test(l)),
      lines.join('\n'),
    );
    const removed = await models(['remove', 'detail.safetensors']);
    assert.deepEqual(removed.lines, [`removed ${join(root, 'models', 'loras', 'detail.safetensors')}`]);
    await assert.rejects(models(['remove', 'nothing-here']), /no model named 'nothing-here'/);
    await assert.rejects(models(['remove', '../outputs']), /is not a model name/);
    await assert.rejects(
      models(['pull', 'x/y', '--kind', 'vae']),
      /--kind 'vae' is unknown; available: checkpoint, lora/,
    );
  });
});
