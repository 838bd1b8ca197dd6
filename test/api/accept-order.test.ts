/**
 * What accepting a generation does, in order: parse → adapt → every cheap check → resolve inputs
 * (decode, fetch) → persist. A bad image is a 422 naming the field as the client sent it (both
 * dialects, every image field), and a refused request leaves no file under inputs/ and fetches
 * nothing.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ControlNetType } from '../../adapters/common-request.ts';
import type { TaskMode } from '../../adapters/task-record.ts';
import { generate, makeGate, taskCount, waitForDone, waitForRunning, generateJson } from '../fixtures/api-client.ts';
import { makePng } from '../fixtures/images.ts';
import { postForm, postLegacyJson, requestsForm } from '../fixtures/legacy-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

const ALL_MODES: TaskMode[] = [
  'Text to Image',
  'Image Upscale or Variation',
  'Image Inpaint or Outpaint',
  'Image Prompt',
];
/** The scripted engine runs every image-prompt type (the real one runs PyraCanny and CPDS only, so far). */
const ALL_TYPES: ControlNetType[] = ['ImagePrompt', 'FaceSwap', 'PyraCanny', 'CPDS'];
const NOT_AN_IMAGE = Buffer.from('plain text, not an image');
const NOT_AN_IMAGE_B64 = NOT_AN_IMAGE.toString('base64');

async function locOf(res: Response): Promise<(string | number)[]> {
  const text = await res.text();
  assert.equal(res.status, 422, text);
  return (JSON.parse(text) as { detail: { loc: (string | number)[] }[] }).detail[0].loc;
}

async function inputFiles(server: TestServer): Promise<string[]> {
  return readdir(join(server.root, 'outputs', 'inputs')).catch(() => []);
}

describe('a bad image is a 422 naming the field the client sent', () => {
  let server: TestServer;
  let png: Buffer;
  let good: string;
  before(async () => {
    // The scripted engine runs every mode, so each image field reaches input resolution.
    server = await startTestServer({ overrides: { supportedModes: ALL_MODES, supportedImagePromptTypes: ALL_TYPES } });
    png = await makePng(16, 16);
    good = png.toString('base64');
  });
  after(async () => server.close());

  test('legacy v1: cn_img2 with slot 1 empty is named cn_img2, not cn_img1', async () => {
    const form = requestsForm({}, { cn_img1: new Uint8Array(0), cn_img2: NOT_AN_IMAGE });
    assert.deepEqual(await locOf(await postForm(server, '/v1/generation/image-prompt', form)), ['body', 'cn_img2']);
  });

  test('legacy v1: every file field (input_image, input_mask, cn_img1..4 after empty slots)', async () => {
    const cases: [string, Record<string, string>, Record<string, Uint8Array>, string][] = [
      [
        '/v1/generation/image-upscale-vary',
        { uov_method: 'Vary (Subtle)' },
        { input_image: NOT_AN_IMAGE },
        'input_image',
      ],
      ['/v1/generation/image-inpaint-outpaint', {}, { input_image: NOT_AN_IMAGE }, 'input_image'],
      ['/v1/generation/image-inpaint-outpaint', {}, { input_image: png, input_mask: NOT_AN_IMAGE }, 'input_mask'],
      ['/v1/generation/image-prompt', {}, { cn_img1: NOT_AN_IMAGE }, 'cn_img1'],
      ['/v1/generation/image-prompt', {}, { cn_img1: png, cn_img3: NOT_AN_IMAGE }, 'cn_img3'],
      ['/v1/generation/image-prompt', {}, { cn_img2: png, cn_img4: NOT_AN_IMAGE }, 'cn_img4'],
    ];
    for (const [path, fields, files, field] of cases) {
      assert.deepEqual(
        await locOf(await postForm(server, path, requestsForm(fields, files))),
        ['body', field],
        `${path} ${field}`,
      );
    }
  });

  test('legacy v2: input_image, input_mask and image_prompts.N.cn_img with empty slots before', async () => {
    const cases: [string, Record<string, unknown>, (string | number)[]][] = [
      ['/v2/generation/image-upscale-vary', { input_image: NOT_AN_IMAGE_B64 }, ['body', 'input_image']],
      [
        '/v2/generation/image-inpaint-outpaint',
        { input_image: good, input_mask: NOT_AN_IMAGE_B64 },
        ['body', 'input_mask'],
      ],
      [
        '/v2/generation/image-prompt',
        { image_prompts: [{ cn_img: 'None' }, { cn_img: NOT_AN_IMAGE_B64 }] },
        ['body', 'image_prompts', 1, 'cn_img'],
      ],
      [
        '/v2/generation/text-to-image-with-ip',
        { image_prompts: [{ cn_img: '' }, { cn_img: good }, { cn_img: NOT_AN_IMAGE_B64 }] },
        ['body', 'image_prompts', 2, 'cn_img'],
      ],
    ];
    for (const [path, body, loc] of cases)
      assert.deepEqual(await locOf(await postLegacyJson(server, path, body)), loc, path);
  });

  test('all-in-one: uov_input_image, inpaint_input_image, inpaint_mask_image_upload, controlnet_image.N.cn_img', async () => {
    const cases: [Record<string, unknown>, (string | number)[]][] = [
      [{ uov_method: 'Vary (Subtle)', uov_input_image: NOT_AN_IMAGE_B64 }, ['body', 'uov_input_image']],
      [{ inpaint_input_image: NOT_AN_IMAGE_B64 }, ['body', 'inpaint_input_image']],
      [
        { inpaint_input_image: good, inpaint_mask_image_upload: NOT_AN_IMAGE_B64 },
        ['body', 'inpaint_mask_image_upload'],
      ],
      [
        { controlnet_image: [{ cn_img: good }, { cn_img: NOT_AN_IMAGE_B64 }] },
        ['body', 'controlnet_image', 1, 'cn_img'],
      ],
    ];
    for (const [body, loc] of cases)
      assert.deepEqual(await locOf(await generate(server, body)), loc, JSON.stringify(loc));
  });
});

describe('a refused request leaves no input file and fetches nothing', () => {
  let imageHost: Server;
  let hits = 0;
  let imageUrl: string;
  let png: Buffer;
  before(async () => {
    png = await makePng(16, 16);
    imageHost = createServer((_req, res) => {
      hits += 1;
      res.writeHead(200, { 'Content-Type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => imageHost.listen(0, '127.0.0.1', () => resolve()));
    const address = imageHost.address();
    imageUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/input.png`;
  });
  after(() => new Promise<void>((resolve) => imageHost.close(() => resolve())));

  async function expectNothingDone(server: TestServer, res: Response, status: number): Promise<void> {
    const text = await res.text();
    assert.equal(res.status, status, text);
    assert.equal(hits, 0, 'the URL input was fetched');
    assert.deepEqual(await inputFiles(server), [], 'an input file was written');
  }

  test('a mode the engine cannot run (503): nothing decoded, fetched or written', async () => {
    // An engine without the image-prompt mode.
    const server = await startTestServer({
      config: { allowPrivateUrls: true },
      overrides: { supportedModes: ['Text to Image', 'Image Upscale or Variation', 'Image Inpaint or Outpaint'] },
    });
    try {
      const rows = await taskCount(server);
      await expectNothingDone(server, await generate(server, { controlnet_image: [{ cn_img: imageUrl }] }), 503);
      const form = requestsForm({}, { cn_img1: png });
      await expectNothingDone(server, await postForm(server, '/v1/generation/image-prompt', form), 503);
      assert.equal(await taskCount(server), rows);
    } finally {
      await server.close();
    }
  });

  test('FreeU refused for the UNet export (422): nothing fetched or written', async () => {
    const server = await startTestServer({
      config: { allowPrivateUrls: true },
      overrides: { supportedModes: ALL_MODES, supportedImagePromptTypes: ALL_TYPES },
    });
    try {
      const res = await generate(server, {
        freeu_enabled: true,
        uov_method: 'Vary (Subtle)',
        uov_input_image: imageUrl,
      });
      await expectNothingDone(server, res, 422);
    } finally {
      await server.close();
    }
  });

  test('a later image that is bad (422): the good one before it is not written', async () => {
    const server = await startTestServer({
      overrides: { supportedModes: ALL_MODES, supportedImagePromptTypes: ALL_TYPES },
    });
    try {
      const body = { controlnet_image: [{ cn_img: png.toString('base64') }, { cn_img: NOT_AN_IMAGE_B64 }] };
      await expectNothingDone(server, await generate(server, body), 422);
    } finally {
      await server.close();
    }
  });

  test('a full queue (all-in-one 503, legacy QUEUE_IS_FULL): nothing fetched or written; an accepted one is stored', async () => {
    const server = await startTestServer({
      config: { queueSize: 1, allowPrivateUrls: true },
      overrides: { supportedModes: ALL_MODES, supportedImagePromptTypes: ALL_TYPES },
    });
    const gate = makeGate();
    try {
      server.engine.script({ steps: 3, gate: gate.promise });
      const held = await generateJson<{ task_id: string }>(server, { async_process: true });
      await waitForRunning(server, held.task_id);
      await expectNothingDone(
        server,
        await generate(server, { uov_method: 'Vary (Subtle)', uov_input_image: imageUrl }),
        503,
      );
      const res = await postLegacyJson(server, '/v2/generation/image-upscale-vary', {
        input_image: imageUrl,
        async_process: true,
      });
      const text = await res.text();
      assert.match(text, /QUEUE_IS_FULL/);
      await expectNothingDone(server, new Response(text, { status: res.status }), 200);
      gate.open();
      await waitForDone(server, held.task_id);
      const accepted = await generateJson<{ task_id: string }>(server, {
        async_process: true,
        uov_method: 'Vary (Subtle)',
        uov_input_image: imageUrl,
      });
      assert.equal(hits, 1);
      assert.equal((await inputFiles(server)).length, 1);
      await waitForDone(server, accepted.task_id);
    } finally {
      gate.open();
      await server.close();
    }
  });
});
