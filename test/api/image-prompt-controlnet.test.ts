/**
 * PyraCanny/CPDS image prompts at acceptance, both dialects, against the scripted engine: without a
 * ControlNet for the type (and no demo: `--no-demo-model`) the request is a 503 naming the folder
 * and what to install, nothing stored; with one installed it is accepted and the engine job carries
 * the slots (canny thresholds, softness, debug/skip flags) in the client's order.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generate } from '../fixtures/api-client.ts';
import { makePng } from '../fixtures/images.ts';
import { postForm, postLegacyJson, requestsForm } from '../fixtures/legacy-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
let png: Buffer;
before(async () => {
  server = await startTestServer();
  png = await makePng(32, 24);
});
after(async () => server.close());

const inputFiles = () => readdir(join(server.root, 'outputs', 'inputs')).catch(() => [] as string[]);

test('no ControlNet for the type: 503 naming models/controlnet and the file to install; nothing stored or queued', async () => {
  const res = await generate(server, { controlnet_image: [{ cn_img: png.toString('base64'), cn_type: 'PyraCanny' }] });
  const text = await res.text();
  assert.equal(res.status, 503, text);
  assert.match(
    text,
    /no ControlNet for PyraCanny is installed: install an SDXL ControlNet ONNX export for PyraCanny as [^"]*models\/controlnet\/control-lora-canny-rank128\/model\.onnx/,
  );
  const legacy = await postLegacyJson(server, '/v2/generation/image-prompt', {
    image_prompts: [{ cn_img: png.toString('base64'), cn_type: 'CPDS', cn_stop: 0.5, cn_weight: 1 }],
  });
  assert.equal(legacy.status, 503);
  assert.match(await legacy.text(), /no ControlNet for CPDS is installed[^"]*fooocus_xl_cpds_128/);
  assert.deepEqual(await inputFiles(), []);
  assert.equal(server.engine.jobs.length, 0);
});

test('only the demo ControlNet and a real checkpoint: 503, the demo fits only the demo checkpoint', async () => {
  await mkdir(join(server.root, 'models', 'controlnet', 'tiny-controlnet-demo'), { recursive: true });
  await writeFile(join(server.root, 'models', 'controlnet', 'tiny-controlnet-demo', 'model.onnx'), '');
  const res = await generate(server, { controlnet_image: [{ cn_img: png.toString('base64'), cn_type: 'PyraCanny' }] });
  const text = await res.text();
  assert.equal(res.status, 503, text);
  assert.match(
    text,
    /only the demo ControlNet tiny-controlnet-demo is installed for PyraCanny, and it fits only the demo checkpoint 'tiny-sdxl-demo'/,
  );
});

test('with ControlNets installed, both dialects reach the engine with the slots and their settings', async () => {
  for (const name of ['control-lora-canny-rank128', 'fooocus_xl_cpds_128']) {
    await mkdir(join(server.root, 'models', 'controlnet', name), { recursive: true });
    await writeFile(join(server.root, 'models', 'controlnet', name, 'model.onnx'), '');
  }
  const res = await generate(server, {
    controlnet_image: [
      { cn_img: png.toString('base64'), cn_type: 'CPDS', cn_stop: 0.4, cn_weight: 1.5 },
      { cn_img: png.toString('base64'), cn_type: 'PyraCanny' },
    ],
    canny_low_threshold: 30,
    canny_high_threshold: 90,
    controlnet_softness: 0.5,
    debugging_cn_preprocessor: true,
  });
  assert.equal(res.status, 200, await res.clone().text());
  const job = server.engine.jobs.at(-1)!;
  assert.deepEqual(
    job.controlNet && {
      ...job.controlNet,
      slots: job.controlNet.slots.map((s) => [s.type, s.stop, s.weight, s.image.width, s.image.height]),
    },
    {
      slots: [
        ['CPDS', 0.4, 1.5, 32, 24],
        ['PyraCanny', 0.6, 0.6, 32, 24],
      ],
      softness: 0.5,
      cannyLow: 30,
      cannyHigh: 90,
      isPreprocessorSkipped: false,
      isPreprocessorDebug: true,
    },
  );

  const form = requestsForm(
    {
      cn_type1: 'PyraCanny',
      cn_stop1: '0.7',
      cn_weight1: '1.2',
      advanced_params: JSON.stringify({ skipping_cn_preprocessor: true }),
    },
    { cn_img1: png },
  );
  const legacy = await postForm(server, '/v1/generation/image-prompt', form);
  assert.equal(legacy.status, 200, await legacy.clone().text());
  const legacyJob = server.engine.jobs.at(-1)!;
  assert.deepEqual(
    legacyJob.controlNet?.slots.map((s) => [s.type, s.stop, s.weight]),
    [['PyraCanny', 0.7, 1.2]],
  );
  assert.equal(legacyJob.controlNet?.isPreprocessorSkipped, true);
});
