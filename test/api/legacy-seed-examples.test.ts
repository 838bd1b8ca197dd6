/**
 * Every request example of the original Fooocus-API v1/v2 document
 * (shared/seeds/fooocus-api-v1v2-doc.en.txt), issued as written, against the real app with the
 * scripted engine. Synthetic images stand in for examples/imgs/{bear.jpg,s.jpg,m.png}. Upscale/vary
 * and inpaint/outpaint reach the engine as image jobs; image prompts reach it as its image-prompt
 * slots (IP-Adapter types).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyCheckpoint } from '../../engine/models/tiny-checkpoint.ts';
import { writeImagePromptModels } from '../fixtures/ip-adapter-models.ts';
import { after, before, describe, test } from 'node:test';
import { makeJpeg, makePng } from '../fixtures/images.ts';
import {
  DASHED_UUID4,
  HISTORY_INFO_KEYS,
  JOB_KEYS,
  jsonOf,
  LEGACY_FILE_URL,
  pollUntilDone,
  postForm,
  postLegacyJson,
  queryJob,
  requestsForm,
  RESULT_KEYS,
  SMALL,
  type AsyncJobResponse,
  type GeneratedImageResult,
} from '../fixtures/legacy-client.ts';
import { startTestServer, TEST_MODEL, type TestServer } from '../fixtures/test-server.ts';
import type { EngineJob } from '../../engine/protocol.ts';

let server: TestServer;
let root: string;
let bear: Buffer;
let source: Buffer;
let mask: Buffer;
const b64 = (bytes: Buffer) => bytes.toString('base64');
const isPng = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

before(async () => {
  // A tiny checkpoint (its UNet graph is checked for attn2 sites) and the IP-Adapter demo models: image prompts are
  // accepted.
  root = await mkdtemp(join(tmpdir(), 'fooocus-api-seeds-'));
  await writeTinyCheckpoint(join(root, 'models', 'checkpoints', TEST_MODEL));
  await writeImagePromptModels(join(root, 'models'));
  server = await startTestServer({ root, hasTestModel: false });
  server.engine.defaultScript = { steps: 2, stepMs: 1 };
  bear = await makeJpeg(64, 48);
  source = await makeJpeg(48, 64);
  mask = await makePng(48, 64, [255, 255, 255, 255]);
});
after(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

function assertJobShape(job: AsyncJobResponse): void {
  assert.deepEqual(Object.keys(job), JOB_KEYS);
  assert.equal(typeof job.job_id, 'string');
  assert.equal(typeof job.job_progress, 'number');
}

function assertResultShape(result: GeneratedImageResult): void {
  assert.deepEqual(Object.keys(result), RESULT_KEYS);
  assert.equal(typeof result.seed, 'string', 'seeds are strings in the legacy dialect');
  assert.match(result.seed, /^\d+$/);
}

/** Accepted, run to the end, and the engine got these image-prompt slots (type, stop, weight) with stored images. */
async function assertRunsWithImagePrompts(res: Response, slots: [string, number, number][]): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as AsyncJobResponse | GeneratedImageResult[];
  if (!Array.isArray(body)) assert.equal((await pollUntilDone(server, body.job_id)).job_stage, 'SUCCESS');
  else assert.equal(body[0]?.finish_reason, 'SUCCESS');
  const prompts = server.engine.jobs.at(-1)?.imagePrompts ?? [];
  assert.deepEqual(
    prompts.map((p) => [p.type, p.stop, p.weight]),
    slots,
  );
  for (const prompt of prompts) assert.ok(prompt.image.file && prompt.image.width > 0, 'a stored input image');
}

/** Accepted (a job of `jobType`, or a sync result list), run to the end, and the engine got this image job. */
async function assertRunsOnEngine(
  res: Response,
  jobType: string,
  check: (input: NonNullable<EngineJob['imageInput']>) => void,
): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const body = JSON.parse(text) as AsyncJobResponse | GeneratedImageResult[];
  if (!Array.isArray(body)) {
    assert.equal(body.job_type, jobType);
    assert.equal((await pollUntilDone(server, body.job_id)).job_stage, 'SUCCESS');
  } else assert.equal(body[0]?.finish_reason, 'SUCCESS');
  const input = server.engine.jobs.at(-1)?.imageInput;
  assert.ok(input, 'the engine received an image job');
  check(input);
}

describe('text-to-image (JSON, v1)', () => {
  test('the documented async example answers a WAITING job and query-job polling reaches SUCCESS with /files URLs', async () => {
    const submitted = await jsonOf<AsyncJobResponse>(
      await postLegacyJson(server, '/v1/generation/text-to-image', {
        prompt: '1girl sitting on the ground',
        async_process: true,
        ...SMALL,
      }),
    );
    assertJobShape(submitted);
    assert.match(submitted.job_id, DASHED_UUID4);
    assert.deepEqual(
      { ...submitted, job_id: '' },
      {
        job_id: '',
        job_type: 'Text to Image',
        job_stage: 'WAITING',
        job_progress: 0,
        job_status: null,
        job_step_preview: null,
        job_result: null,
      },
    );
    const done = await pollUntilDone(server, submitted.job_id);
    assertJobShape(done);
    assert.equal(done.job_stage, 'SUCCESS');
    assert.equal(done.job_progress, 100);
    assert.equal(done.job_status, 'Finished');
    assert.equal(done.job_result?.length, 1);
    const [result] = done.job_result ?? [];
    assertResultShape(result);
    assert.equal(result.base64, null);
    assert.equal(result.finish_reason, 'SUCCESS');
    const match = LEGACY_FILE_URL.exec(String(result.url));
    assert.ok(match, String(result.url));
    assert.equal(match[1], submitted.job_id);
    assert.equal(match[2], '0');
    const file = await fetch(String(result.url));
    assert.equal(file.status, 200);
    assert.ok(isPng(Buffer.from(await file.arrayBuffer())));
  });

  test('a synchronous request answers a bare array of results, one per image, with consecutive string seeds', async () => {
    const results = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, '/v1/generation/text-to-image', {
        prompt: 'a cat',
        image_number: 2,
        image_seed: 12345,
        ...SMALL,
      }),
    );
    assert.ok(Array.isArray(results));
    assert.equal(results.length, 2);
    results.forEach(assertResultShape);
    assert.deepEqual(
      results.map((r) => r.seed),
      ['12345', '12346'],
    );
    assert.deepEqual(
      results.map((r) => r.finish_reason),
      ['SUCCESS', 'SUCCESS'],
    );
    assert.deepEqual(
      results.map((r) => LEGACY_FILE_URL.exec(String(r.url))?.[2]),
      ['0', '1'],
    );
  });

  test('require_base64 fills base64 with the raw base64 of the PNG (no data: prefix)', async () => {
    const [result] = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, '/v1/generation/text-to-image', { prompt: 'b64', require_base64: true, ...SMALL }),
    );
    assert.ok(result.base64 && !result.base64.startsWith('data:'));
    assert.ok(isPng(Buffer.from(result.base64, 'base64')));
  });

  test('Accept: image/png answers the PNG bytes of one image', async () => {
    const jobs = server.engine.jobs.length;
    const res = await postLegacyJson(
      server,
      '/v1/generation/text-to-image',
      { prompt: 'binary', image_number: 3, ...SMALL },
      { Accept: 'image/png' },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(isPng(Buffer.from(await res.arrayBuffer())));
    assert.equal(server.engine.jobs[jobs].imageNumber, 1);
  });

  test('?accept=image/png overrides a JSON Accept header and answers PNG bytes', async () => {
    const res = await postLegacyJson(
      server,
      '/v1/generation/text-to-image?accept=image/png',
      { prompt: 'a cat', ...SMALL },
      { Accept: 'application/json' },
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.ok(isPng(Buffer.from(await res.arrayBuffer())));
  });

  test('a browser Accept string is not binary mode (only the exact value image/png is)', async () => {
    const res = await postLegacyJson(
      server,
      '/v1/generation/text-to-image',
      { ...SMALL },
      { Accept: 'image/png,*/*;q=0.8' },
    );
    assert.equal(res.status, 200);
    assert.ok(Array.isArray(await res.json()));
  });
});

describe('image-upscale-vary', () => {
  test('v1: the documented multipart example (input_image file, uov_method, async_process True) runs Upscale (2x) on the engine', async () => {
    const form = requestsForm({ uov_method: 'Upscale (2x)', async_process: true }, { input_image: bear });
    await assertRunsOnEngine(
      await postForm(server, '/v1/generation/image-upscale-vary', form),
      'Image Upscale or Variation',
      (input) => {
        assert.equal(input.kind === 'upscale-or-vary' && input.method, 'Upscale (2x)');
        assert.deepEqual([input.image.width, input.image.height], [64, 48]);
      },
    );
  });

  test('v2: the documented JSON example (base64 input_image) runs Upscale (2x) on the engine', async () => {
    const params = { uov_method: 'Upscale (2x)', async_process: true, input_image: b64(bear) };
    await assertRunsOnEngine(
      await postLegacyJson(server, '/v2/generation/image-upscale-vary', params),
      'Image Upscale or Variation',
      (input) => assert.equal(input.kind, 'upscale-or-vary'),
    );
  });
});

describe('image-inpaint-outpaint', () => {
  test('v1: the image extension example (outpaint_selections "Left,Right", input_mask None) outpaints left and right without a mask', async () => {
    const form = requestsForm(
      { outpaint_selections: 'Left,Right', async_process: true },
      { input_image: bear, input_mask: null },
    );
    await assertRunsOnEngine(
      await postForm(server, '/v1/generation/image-inpaint-outpaint', form),
      'Image Inpaint or Outpaint',
      (input) => {
        assert.equal(input.kind, 'inpaint');
        if (input.kind !== 'inpaint') return;
        assert.deepEqual(input.outpaint, ['left', 'right']);
        assert.equal(input.mask, undefined);
      },
    );
  });

  test('v1: the inpaint example (prompt, input_image, input_mask) inpaints with the mask', async () => {
    const form = requestsForm({ prompt: 'a cat', async_process: true }, { input_image: source, input_mask: mask });
    await assertRunsOnEngine(
      await postForm(server, '/v1/generation/image-inpaint-outpaint', form),
      'Image Inpaint or Outpaint',
      (input) => {
        assert.ok(
          input.kind === 'inpaint' && input.mask && input.outpaint.length === 0 && input.respectiveField === 1,
          'legacy respective field default 1.0',
        );
      },
    );
  });

  test('v2: the image extension example (input_mask null, outpaint_selections list) outpaints', async () => {
    const params = {
      input_image: b64(bear),
      input_mask: null,
      outpaint_selections: ['Left', 'Right'],
      async_process: true,
    };
    await assertRunsOnEngine(
      await postLegacyJson(server, '/v2/generation/image-inpaint-outpaint', params),
      'Image Inpaint or Outpaint',
      (input) => {
        assert.deepEqual(input.kind === 'inpaint' && input.outpaint, ['left', 'right']);
      },
    );
  });

  test('v2: the inpaint example (base64 image and mask) inpaints with the mask', async () => {
    const params = { prompt: 'a cat', input_image: b64(source), input_mask: b64(mask), async_process: true };
    await assertRunsOnEngine(
      await postLegacyJson(server, '/v2/generation/image-inpaint-outpaint', params),
      'Image Inpaint or Outpaint',
      (input) => assert.ok(input.kind === 'inpaint' && input.mask),
    );
  });
});

describe('image-prompt', () => {
  // requests sends list values as repeated fields and a dict item as its Python repr; the v1 form has no image_prompts
  // field.
  const ipRepr = "{'cn_stop': 0.6, 'cn_weight': 0.6, 'cn_type': 'ImagePrompt'}";

  test('v1: the image extend example (repeated outpaint_selections, input_image, no image prompt) outpaints, as Fooocus-API', async () => {
    const form = requestsForm({ outpaint_selections: ['Left', 'Right'], image_prompts: [] }, { input_image: bear });
    await assertRunsOnEngine(await postForm(server, '/v1/generation/image-prompt', form), 'Image Prompt', (input) =>
      assert.deepEqual(input.kind === 'inpaint' && input.outpaint, ['left', 'right']),
    );
  });

  test('v1: the inpaint example (input_image and input_mask, async, no image prompt) inpaints, as Fooocus-API', async () => {
    const form = requestsForm(
      { prompt: '1girl sitting on the chair', image_prompts: [], async_process: true },
      { input_image: source, input_mask: mask },
    );
    await assertRunsOnEngine(
      await postForm(server, '/v1/generation/image-prompt', form),
      'Image Inpaint or Outpaint',
      (input) => assert.ok(input.kind === 'inpaint' && input.mask),
    );
  });

  test('v1: the image prompt example (cn_img1, cn_img2; image_prompts as Python reprs) runs both slots', async () => {
    const form = requestsForm(
      { prompt: '1girl sitting on the chair', image_prompts: [ipRepr, ipRepr] },
      { cn_img1: bear, cn_img2: source },
    );
    // v1 has no image_prompts field: the cn slots take ImagePrompt's own defaults (stop 0.5, weight 0.6).
    await assertRunsWithImagePrompts(await postForm(server, '/v1/generation/image-prompt', form), [
      ['ImagePrompt', 0.5, 0.6],
      ['ImagePrompt', 0.5, 0.6],
    ]);
  });

  test('v2: the image extend and inpaint examples (no image prompt) run as outpaint and inpaint; the image prompt example runs both slots', async () => {
    await assertRunsOnEngine(
      await postLegacyJson(server, '/v2/generation/image-prompt', {
        input_image: b64(bear),
        outpaint_selections: ['Left', 'Right'],
        image_prompts: [],
      }),
      'Image Prompt',
      (input) => assert.deepEqual(input.kind === 'inpaint' && input.outpaint, ['left', 'right']),
    );
    await assertRunsOnEngine(
      await postLegacyJson(server, '/v2/generation/image-prompt', {
        prompt: '1girl sitting on the chair',
        input_image: b64(source),
        input_mask: b64(mask),
        image_prompts: [],
        async_process: true,
      }),
      'Image Inpaint or Outpaint',
      (input) => assert.ok(input.kind === 'inpaint' && input.mask),
    );
    const imagePrompts = {
      prompt: '1girl sitting on the chair',
      image_prompts: [
        { cn_img: b64(source), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
        { cn_img: b64(bear), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
      ],
    };
    await assertRunsWithImagePrompts(await postLegacyJson(server, '/v2/generation/image-prompt', imagePrompts), [
      ['ImagePrompt', 0.6, 0.6],
      ['ImagePrompt', 0.6, 0.6],
    ]);
  });

  test('v2 text-to-image-with-ip: the documented example (two image prompts) runs both slots', async () => {
    const params = {
      prompt: 'A bear',
      image_prompts: [
        { cn_img: b64(source), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
        { cn_img: b64(bear), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' },
      ],
    };
    await assertRunsWithImagePrompts(await postLegacyJson(server, '/v2/generation/text-to-image-with-ip', params), [
      ['ImagePrompt', 0.6, 0.6],
      ['ImagePrompt', 0.6, 0.6],
    ]);
  });

  test('v2 text-to-image-with-ip without image prompts runs as text to image', async () => {
    const results = await jsonOf<GeneratedImageResult[]>(
      await postLegacyJson(server, '/v2/generation/text-to-image-with-ip', {
        prompt: 'A bear',
        image_prompts: [],
        ...SMALL,
      }),
    );
    assert.equal(results.length, 1);
    assert.equal(results[0].finish_reason, 'SUCCESS');
  });
});

describe('image-enhance', () => {
  test('both enhance routes answer 501 saying enhance is not supported', async () => {
    const v1 = await postForm(
      server,
      '/v1/generation/image-enhance',
      requestsForm({ prompt: 'x' }, { enhance_input_image: bear }),
    );
    assert.equal(v1.status, 501);
    assert.match(((await v1.json()) as { detail: string }).detail, /enhance is not supported/);
    const v2 = await postLegacyJson(server, '/v2/generation/image-enhance', {
      enhance_input_image: b64(bear),
      enhance_ctrlnets: [],
    });
    assert.equal(v2.status, 501);
    assert.match(((await v2.json()) as { detail: string }).detail, /enhance is not supported/);
  });
});

describe('tools and engines', () => {
  test('describe-image: the documented call (file "image", params type=Photo) is parsed and answers 503 naming models/describe', async () => {
    const res = await postForm(server, '/v1/tools/describe-image?type=Photo', requestsForm({}, { image: bear }));
    assert.equal(res.status, 503);
    assert.match(((await res.json()) as { detail: string }).detail, /models\/describe/);
  });

  test('all-models lists checkpoints and LoRAs', async () => {
    const body = await jsonOf<{ model_filenames: string[]; lora_filenames: string[] }>(
      await fetch(`${server.url}/v1/engines/all-models`),
    );
    // The original's two keys first, in order; ours (demo_model_filenames) after them.
    assert.deepEqual(Object.keys(body), ['model_filenames', 'lora_filenames', 'demo_model_filenames']);
    assert.deepEqual(body.model_filenames, [TEST_MODEL]);
    assert.ok(Array.isArray(body.lora_filenames));
  });

  test('refresh-models (POST, removed in v0.4 but documented) answers the all-models body', async () => {
    const refreshed = await jsonOf<unknown>(await fetch(`${server.url}/v1/engines/refresh-models`, { method: 'POST' }));
    const all = await jsonOf<unknown>(await fetch(`${server.url}/v1/engines/all-models`));
    assert.deepEqual(refreshed, all);
  });

  test('styles answers an array of names starting with Fooocus V2', async () => {
    const styles = await jsonOf<string[]>(await fetch(`${server.url}/v1/engines/styles`));
    assert.ok(Array.isArray(styles));
    assert.ok(styles.includes('Fooocus V2'));
    assert.ok(styles.includes('Fooocus Enhance'));
  });
});

describe('task routes', () => {
  test('job-queue answers running_size, finished_size and the last accepted job id', async () => {
    const submitted = await jsonOf<AsyncJobResponse>(
      await postLegacyJson(server, '/v1/generation/text-to-image', { async_process: true, ...SMALL }),
    );
    await pollUntilDone(server, submitted.job_id);
    const body = await jsonOf<{ running_size: number; finished_size: number; last_job_id: string }>(
      await fetch(`${server.url}/v1/generation/job-queue`),
    );
    assert.deepEqual(Object.keys(body), ['running_size', 'finished_size', 'last_job_id']);
    assert.equal(body.running_size, 0);
    assert.equal(
      body.finished_size,
      await server.composed.service.count({ statuses: ['finished', 'stopped', 'skipped', 'failed', 'cancelled'] }),
    );
    assert.equal(body.last_job_id, submitted.job_id);
    const engines = await jsonOf<unknown>(await fetch(`${server.url}/v1/engines/job-queue`));
    assert.deepEqual(engines, body);
  });

  test('query-job: the documented call (require_step_preview False) answers the job; the pre-0.3.30 spelling is accepted', async () => {
    const submitted = await jsonOf<AsyncJobResponse>(
      await postLegacyJson(server, '/v1/generation/text-to-image', { async_process: true, ...SMALL }),
    );
    await pollUntilDone(server, submitted.job_id);
    const documented = await queryJob(server, submitted.job_id, 'require_step_preview=False');
    assert.equal(documented.status, 200);
    assertJobShape(documented.body);
    assert.equal(documented.body.job_stage, 'SUCCESS');
    const old = await queryJob(server, submitted.job_id, 'require_step_preivew=false');
    assert.equal(old.status, 200);
    assert.deepEqual(old.body, documented.body);
  });

  test('query-job without job_id is a 422 naming query.job_id', async () => {
    const res = await fetch(`${server.url}/v1/generation/query-job`);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { detail: { loc: unknown[] }[] };
    assert.deepEqual(body.detail[0].loc, ['query', 'job_id']);
  });

  test('query-job for an unknown job answers the original 404 job-shaped body', async () => {
    const { status, body } = await queryJob(server, 'cac3914a-926d-4b6f-a46a-83794a0ce1d4');
    assert.equal(status, 404);
    assert.deepEqual(body, {
      job_id: '',
      job_type: 'Not Found',
      job_stage: 'ERROR',
      job_progress: 0,
      job_status: 'Job not found',
      job_step_preview: null,
      job_result: null,
    });
  });

  test('job-history: the documented call answers {queue, history} of JobHistoryInfo, oldest first', async () => {
    const body = await jsonOf<{ queue: Record<string, unknown>[]; history: Record<string, unknown>[] }>(
      await fetch(`${server.url}/v1/generation/job-history`),
    );
    assert.deepEqual(Object.keys(body), ['queue', 'history']);
    assert.deepEqual(body.queue, []);
    assert.ok(body.history.length > 0);
    for (const info of body.history) {
      assert.deepEqual(Object.keys(info), HISTORY_INFO_KEYS);
      assert.equal(info.is_finished, true);
      assert.equal(typeof info.in_queue_mills, 'number');
    }
    const mills = body.history.map((h) => h.in_queue_mills as number);
    assert.deepEqual(
      mills,
      [...mills].sort((a, b) => a - b),
    );
  });

  test('stop: the documented call answers {"msg": "success"} even when nothing runs', async () => {
    const res = await fetch(`${server.url}/v1/generation/stop`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { msg: 'success' });
  });

  test('ping answers the JSON string "pong"', async () => {
    const res = await fetch(`${server.url}/ping`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^application\/json/);
    assert.equal(await res.text(), '"pong"');
  });

  test('the documented webhook payload {job_id, job_result:[{url, seed}]} is sent for a legacy job', async () => {
    const hooked = await startTestServer({ config: { webhookUrl: 'http://127.0.0.1:9/status' } });
    try {
      const [result] = await jsonOf<GeneratedImageResult[]>(
        await postLegacyJson(hooked, '/v1/generation/text-to-image', {
          image_seed: 3283449865282320931n.toString(),
          ...SMALL,
        }),
      );
      const delivery = hooked.webhooks.deliveries.at(-1);
      assert.ok(delivery);
      const payload = JSON.parse(delivery.body) as { job_id: string; job_result: { url: string; seed: string }[] };
      assert.deepEqual(Object.keys(payload), ['job_id', 'job_result']);
      assert.deepEqual(payload.job_result, [{ url: result.url, seed: '3283449865282320931' }]);
    } finally {
      await hooked.close();
    }
  });
});
