/**
 * The tool routes on the real app with a scripted tools process: the 503s without any model
 * (`--no-demo-model`), what each dialect's body becomes, the replies' shapes and headers, and how
 * engine-side failures map to HTTP. The real models run in test/e2e/server-tools.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeTinyMaskModel, writeTinyTagger } from '../../engine/index.ts';
import { ToolFailure, type DescribeOutcome, type MaskOutcome, type ToolsClient } from '../../src/tools/tools-client.ts';
import { makePng } from '../fixtures/images.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

class ScriptedTools implements ToolsClient {
  readonly calls: { kind: string; args: unknown[] }[] = [];
  failure: ToolFailure | null = null;
  async describe(png: Uint8Array, imageType: string): Promise<DescribeOutcome> {
    this.calls.push({ kind: 'describe', args: [png.length > 0, imageType] });
    if (this.failure) throw this.failure;
    return { text: `a ${imageType} description`, warnings: ['a demo model answered'] };
  }
  async mask(png: Uint8Array, model: string, clothCategory: string): Promise<MaskOutcome> {
    this.calls.push({ kind: 'mask', args: [png.length > 0, model, clothCategory] });
    if (this.failure) throw this.failure;
    return { png: Uint8Array.from([1, 2, 3]), width: 1, height: 1, warnings: [] };
  }
  async close(): Promise<void> {}
}

const json = (server: TestServer, path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const detailOf = async (res: Response) => ((await res.json()) as { detail: string }).detail;

let png: Buffer;
before(async () => {
  png = await makePng(9, 7);
});

describe('no tool model installed and demo models off', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test('describe Photo and Anime answer 503 naming models/describe and what to put there', async () => {
    const photo = await json(server, '/v1/tools/describe-image', { image: png.toString('base64') });
    assert.equal(photo.status, 503);
    assert.match(await detailOf(photo), /captioner.*models\/describe\//);
    const anime = await json(server, '/v1/tools/describe-image', {
      image: png.toString('base64'),
      image_type: 'Anime',
    });
    assert.equal(anime.status, 503);
    assert.match(await detailOf(anime), /WD14 tagger.*selected_tags\.csv.*models\/describe\//);
  });

  test('generate_mask answers 503 naming the rembg file and models/mask; sam names GroundingDINO and SAM', async () => {
    const res = await json(server, '/v1/tools/generate_mask', { image: png.toString('base64'), mask_model: 'u2net' });
    assert.equal(res.status, 503);
    assert.match(await detailOf(res), /u2net\.onnx.*models\/mask\//);
    const sam = await json(server, '/v1/tools/generate_mask', { image: png.toString('base64'), mask_model: 'sam' });
    assert.equal(sam.status, 503);
    assert.match(await detailOf(sam), /GroundingDINO.*SAM.*models\/mask\//);
  });
});

describe('installed models, scripted tools process', () => {
  let server: TestServer;
  let root: string;
  const tools = new ScriptedTools();
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fooocus-tools-api-'));
    // Folder names other than the demo's count as real models (the scripted process never opens them).
    await writeTinyTagger(join(root, 'models', 'describe', 'my-tagger'));
    await writeTinyMaskModel(join(root, 'models', 'mask', 'u2net_cloth_seg.onnx'), 'cloth');
    server = await startTestServer({ root, overrides: { tools } });
  });
  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  test('describe: JSON {image, image_type} and multipart + image_type; reply {describe}, notices in X-Fooocus-Warnings', async () => {
    const res = await json(server, '/v1/tools/describe-image', {
      image: png.toString('base64'),
      image_type: 'Anime',
      extra: 1,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { describe: 'a Anime description' });
    assert.equal(decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? ''), 'a demo model answered');
    assert.equal(decodeURIComponent(res.headers.get('x-ignored-fields') ?? ''), 'extra');
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'a.png');
    const upload = await fetch(`${server.url}/v1/tools/describe-image?image_type=Anime`, {
      method: 'POST',
      body: form,
    });
    assert.equal(upload.status, 200);
    assert.deepEqual(tools.calls.at(-1), { kind: 'describe', args: [true, 'Anime'] });
  });

  test('generate_mask: the reply is a JSON string of the PNG in base64; mask_model and cloth_category reach the engine', async () => {
    const res = await json(server, '/v1/tools/generate_mask', {
      image: png.toString('base64'),
      mask_model: 'u2net_cloth_seg',
      cloth_category: 'lower',
    });
    assert.equal(res.status, 200);
    assert.equal(await res.json(), Buffer.from([1, 2, 3]).toString('base64'));
    assert.deepEqual(tools.calls.at(-1), { kind: 'mask', args: [true, 'u2net_cloth_seg', 'lower'] });
  });

  test('refusals: no image is a 422 before the engine; an engine invalid-input is a 422 naming its field; a crash is a 500', async () => {
    const calls = tools.calls.length;
    const missing = await json(server, '/v1/tools/generate_mask', { image: 'None', mask_model: 'u2net_cloth_seg' });
    assert.equal(missing.status, 422);
    assert.equal(tools.calls.length, calls);
    tools.failure = new ToolFailure('invalid-input', 'image: cannot be decoded', 'image');
    const invalid = await json(server, '/v1/tools/describe-image', {
      image: png.toString('base64'),
      image_type: 'Anime',
    });
    assert.equal(invalid.status, 422);
    tools.failure = new ToolFailure('crashed', 'the tools process exited');
    const crashed = await json(server, '/v1/tools/describe-image', {
      image: png.toString('base64'),
      image_type: 'Anime',
    });
    assert.equal(crashed.status, 500);
    tools.failure = null;
  });
});
