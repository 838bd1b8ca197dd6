/**
 * Image prompts are checked before queueing (DECISIONS §3): with a model of the family missing
 * (and no demo), 503 naming what to install; a UNet export without attn2 K/V projections, 422 on
 * controlnet_image; a ControlNet type the engine cannot run yet, 503 naming it. Nothing is queued.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { generate, SMALL, taskCount } from '../fixtures/api-client.ts';
import { makePng } from '../fixtures/images.ts';
import { writeImagePromptModels } from '../fixtures/ip-adapter-models.ts';
import { startTestServer, TEST_MODEL, type TestServer } from '../fixtures/test-server.ts';

let png: string;
const slot = (cn_type: string) => ({
  controlnet_image: [{ cn_img: png, cn_stop: 0.5, cn_weight: 0.6, cn_type }],
  ...SMALL,
});

before(async () => {
  png = (await makePng(32, 32)).toString('base64');
});

async function refused(server: TestServer, body: Record<string, unknown>, status: number): Promise<string> {
  const rows = await taskCount(server);
  const res = await generate(server, body);
  const text = await res.text();
  assert.equal(res.status, status, text);
  assert.equal(await taskCount(server), rows, 'nothing queued');
  return text;
}

test('no CLIP vision, adapter or face detector installed (demo off): 503 naming each folder', async () => {
  const server = await startTestServer();
  try {
    const text = await refused(server, slot('FaceSwap'), 503);
    assert.match(text, /clip_vision/);
    assert.match(text, /no FaceSwap IP-Adapter under [^;]*ip_adapter/);
    assert.match(text, /face detector under [^;]*faces/);
    assert.match(await refused(server, slot('ImagePrompt'), 503), /no ImagePrompt IP-Adapter/);
  } finally {
    await server.close();
  }
});

test('a UNet export without attn2 K/V projections: 422 on controlnet_image; a ControlNet type without its model: 503 naming the folder', async () => {
  const server = await startTestServer();
  try {
    await writeImagePromptModels(join(server.root, 'models'));
    const text = await refused(server, slot('ImagePrompt'), 422);
    assert.match(text, /"loc":\["body","controlnet_image"\]/);
    assert.match(text, /attn2/);
    assert.match(await refused(server, slot('PyraCanny'), 503), /models\/controlnet/);
  } finally {
    await server.close();
  }
});

test('with the models and an SDXL-named UNet, ImagePrompt and FaceSwap are accepted; FaceSwap with skipping_cn_preprocessor needs no face detector', async () => {
  const root = await mkdtemp(join(tmpdir(), 'fooocus-api-ip-'));
  await writeTinyCheckpoint(join(root, 'models', 'checkpoints', TEST_MODEL));
  await writeImagePromptModels(join(root, 'models'));
  await rm(join(root, 'models', 'faces'), { recursive: true });
  const server = await startTestServer({ root, hasTestModel: false });
  try {
    for (const body of [slot('ImagePrompt'), { ...slot('FaceSwap'), skipping_cn_preprocessor: true }]) {
      const res = await generate(server, body);
      assert.equal(res.status, 200, await res.text());
    }
    assert.equal(server.engine.jobs.at(-1)?.imagePrompts?.[0].type, 'FaceSwap');
    assert.match(await refused(server, slot('FaceSwap'), 503), /face detector/);
  } finally {
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
});
