/**
 * IP-Adapter image prompts (ImagePrompt, FaceSwap) over HTTP on the real server and engine child,
 * with the demo checkpoint and the demo CLIP vision, adapters and face detector the server writes
 * itself: each type through the all-in-one endpoint (`controlnet_image`), the legacy v2 JSON routes
 * (`image_prompts`, text-to-image-with-ip and image-prompt) and the v1 multipart route
 * (`cn_img1..4` with `cn_type/cn_stop/cn_weight`), mixed with vary by the mixing flag, and the
 * preprocessor's debug output. Every reply says the demo models were used.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateFinished, imageSizeAt } from '../fixtures/generated-results.ts';
import { makePng } from '../fixtures/images.ts';
import { startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

let server: ServerProcess;
let root: string;
let photo: Buffer;
let face: Buffer;

const FAST = { performance_selection: 'Lightning', prompt: 'a portrait', aspect_ratios_selection: '704*1408' } as const;
const b64 = (png: Buffer) => png.toString('base64');

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-e2e-ip-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
  photo = await makePng(90, 70);
  // A bright square on black: the demo face detector's face.
  const rgba = new Uint8Array(120 * 100 * 4);
  for (let y = 0; y < 100; y++)
    for (let x = 0; x < 120; x++)
      rgba.set(x >= 40 && x < 88 && y >= 20 && y < 68 ? [240, 220, 200, 255] : [0, 0, 0, 255], (y * 120 + x) * 4);
  face = await makePng(120, 100, rgba);
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const sizeOf = imageSizeAt;
const generate = (body: Record<string, unknown>) => generateFinished(server.url, { ...FAST, ...body });

async function legacyResult(res: Response): Promise<{ url: string; finish_reason: string }> {
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { url: string; finish_reason: string }[];
  assert.equal(body[0]?.finish_reason, 'SUCCESS', JSON.stringify(body));
  return body[0];
}

const postJson = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

test('all-in-one: ImagePrompt and FaceSwap slots generate with the demo IP-Adapter models and say so', async () => {
  const row = await generate({
    controlnet_image: [
      { cn_img: b64(photo), cn_stop: 0.5, cn_weight: 0.6, cn_type: 'ImagePrompt' },
      { cn_img: b64(face), cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' },
    ],
  });
  assert.equal(row.result.length, 1);
  assert.deepEqual(await sizeOf(row.result[0]), [704, 1408]);
  for (const pattern of [
    /demo IP-Adapter tiny-ip-adapter-demo/,
    /demo IP-Adapter tiny-ip-adapter-face-demo/,
    /demo CLIP vision/,
    /demo face detector/,
  ]) {
    assert.ok(
      row.warnings.some((w) => pattern.test(w)),
      `${pattern}: ${row.warnings.join(' | ')}`,
    );
  }
});

test('all-in-one: mixing_image_prompt_and_vary_upscale runs Vary on the uov image with the image prompt', async () => {
  const row = await generate({
    uov_input_image: b64(photo),
    uov_method: 'Vary (Subtle)',
    mixing_image_prompt_and_vary_upscale: true,
    controlnet_image: [{ cn_img: b64(face), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' }],
  });
  // Vary of 90×70 (shape ceil 128) → raised to shape ceil 1024: 1152×896.
  assert.deepEqual(await sizeOf(row.result[0]), [1152, 896]);
  assert.ok(
    row.warnings.some((w) => /demo IP-Adapter/.test(w)),
    row.warnings.join(' | '),
  );
});

test('all-in-one: debugging_cn_preprocessor returns the 224×224 image the CLIP encoder sees (FaceSwap: the aligned face)', async () => {
  const row = await generate({
    debugging_cn_preprocessor: true,
    controlnet_image: [{ cn_img: b64(face), cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' }],
  });
  assert.deepEqual(await sizeOf(row.result[0]), [224, 224]);
});

test('legacy v2 JSON: text-to-image-with-ip and image-prompt run ImagePrompt and FaceSwap slots', async () => {
  const withIp = await legacyResult(
    await postJson('/v2/generation/text-to-image-with-ip', {
      ...FAST,
      image_prompts: [{ cn_img: b64(photo), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' }],
    }),
  );
  assert.deepEqual(await sizeOf(withIp.url), [704, 1408]);
  const res = await postJson('/v2/generation/image-prompt', {
    ...FAST,
    image_prompts: [{ cn_img: b64(face), cn_stop: 0.9, cn_weight: 0.75, cn_type: 'FaceSwap' }],
    async_process: true,
  });
  const job = (await res.json()) as { job_id: string; job_type: string };
  assert.equal(job.job_type, 'Image Prompt');
  const done = await waitFor(
    'image-prompt job',
    async () => {
      const q = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${job.job_id}`)).json()) as {
        job_stage: string;
        job_result: { url: string }[] | null;
      };
      return q.job_stage === 'SUCCESS' || q.job_stage === 'ERROR' ? q : undefined;
    },
    120_000,
  );
  assert.equal(done.job_stage, 'SUCCESS', JSON.stringify(done));
  assert.deepEqual(await sizeOf(done.job_result![0].url), [704, 1408]);
});

test('legacy v1 multipart: image-prompt with cn_img1 (FaceSwap) and cn_img2 (ImagePrompt, per-type defaults)', async () => {
  const form = new FormData();
  form.append('cn_img1', new Blob([face], { type: 'image/png' }), 'cn_img1');
  form.append('cn_type1', 'FaceSwap');
  form.append('cn_img2', new Blob([photo], { type: 'image/png' }), 'cn_img2');
  for (const [k, v] of Object.entries(FAST)) form.append(k, v);
  const result = await legacyResult(
    await fetch(`${server.url}/v1/generation/image-prompt`, { method: 'POST', body: form }),
  );
  assert.deepEqual(await sizeOf(result.url), [704, 1408]);
});

test('legacy v2 JSON: image-inpaint-outpaint with image_prompts sets the inpaint mixing flag itself: outpaints with the image prompt', async () => {
  const res = await postJson('/v2/generation/image-inpaint-outpaint', {
    ...FAST,
    input_image: b64(photo),
    outpaint_selections: ['Left'],
    image_prompts: [{ cn_img: b64(face), cn_stop: 0.6, cn_weight: 0.6, cn_type: 'ImagePrompt' }],
    async_process: true,
  });
  const job = (await res.json()) as { job_id: string };
  const done = await waitFor(
    'outpaint job',
    async () => {
      const q = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${job.job_id}`)).json()) as {
        job_stage: string;
        job_result: { url: string }[] | null;
      };
      return q.job_stage === 'SUCCESS' || q.job_stage === 'ERROR' ? q : undefined;
    },
    120_000,
  );
  assert.equal(done.job_stage, 'SUCCESS', JSON.stringify(done));
  const [width, height] = await sizeOf(done.job_result![0].url);
  assert.ok(width > 90 && height === 70, `outpainted to the left: ${width}×${height}`);
  // The same task through the all-in-one dialect: its warnings say the image prompt ran.
  const task = (await (await fetch(`${server.url}/tasks/${job.job_id}`)).json()) as { warnings?: string[] };
  assert.ok(
    (task.warnings ?? []).some((w) => /demo IP-Adapter/.test(w)),
    JSON.stringify(task),
  );
});
