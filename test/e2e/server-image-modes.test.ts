/**
 * Upscale/vary and inpaint/outpaint over HTTP on the real server and engine child, on the demo
 * checkpoint and demo upscaler the server writes itself: each mode through the all-in-one endpoint
 * and the legacy v1 (multipart) and v2 (JSON) routes, in the four response modes, returning images
 * of the size Fooocus produces for the input (fooocus-semantics §6, §7).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Jimp } from 'jimp';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { makePng } from '../fixtures/images.ts';
import { startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

let server: ServerProcess;
let root: string;
/** An odd-sized photo-like input (each pixel differs) and a mask with a white square in its middle. */
const W = 101;
const H = 77;
let photo: Buffer;
let mask: Buffer;
let bigPhoto: Buffer;
let bigMask: Buffer;

function squareMask(
  width: number,
  height: number,
  box: { x0: number; y0: number; x1: number; y1: number },
): Promise<Buffer> {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1 ? 255 : 0;
      rgba.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return makePng(width, height, rgba);
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-e2e-img-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
  photo = await makePng(W, H);
  mask = await squareMask(W, H, { x0: 40, y0: 30, x1: 60, y1: 50 });
  bigPhoto = await makePng(200, 160);
  bigMask = await squareMask(200, 160, { x0: 90, y0: 70, x1: 110, y1: 90 });
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const FAST = { performance_selection: 'Lightning', prompt: 'a harbour' } as const;
const b64 = (png: Buffer) => png.toString('base64');

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

interface Row {
  task_status: string;
  result: string[];
  error: string | null;
  warnings: string[];
}

async function generate(body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Row> {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...FAST, ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const row = (await res.json()) as Row;
  assert.equal(row.task_status, 'finished', JSON.stringify(row));
  return row;
}

async function sizeOf(url: string): Promise<[number, number]> {
  const info = sniffImage(await download(url));
  return [info!.width, info!.height];
}

test('all-in-one sync: Upscale (Fast 2x) of a 101×77 image returns the super-resolved image raised to shape ceil 1024 (1152×896), said to be the demo upscaler', async () => {
  const row = await generate({ uov_input_image: b64(photo), uov_method: 'Upscale (Fast 2x)' });
  assert.equal(row.result.length, 1);
  assert.deepEqual(await sizeOf(row.result[0]), [1152, 896]);
  assert.ok(
    row.warnings.some((w) => /demo upscaler/.test(w)),
    row.warnings.join(' | '),
  );
  assert.ok(!row.warnings.some((w) => /Fooocus V2|LoRA/.test(w)), 'Fast 2x processes no prompt: no prompt warnings');
});

test('all-in-one async: Vary (Subtle) of a 101×77 image is diffused at shape ceil 1024 (1152×896), two images with their own seeds', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      ...FAST,
      uov_input_image: b64(photo),
      uov_method: 'Vary (Subtle)',
      image_number: 2,
      async_process: true,
    }),
  });
  const stub = (await res.json()) as { task_id: string };
  const done = await waitFor(
    'vary task',
    async () => {
      const task = (await (await fetch(`${server.url}/tasks/${stub.task_id}`)).json()) as {
        task_status: string | null;
        result: string[];
      };
      return task.task_status === 'finished' ? task : undefined;
    },
    120_000,
  );
  assert.equal(done.result.length, 2);
  for (const url of done.result) assert.deepEqual(await sizeOf(url), [1152, 896]);
  const [a, b] = await Promise.all(done.result.map(download));
  assert.ok(!a.equals(b), 'the two images have different seeds');
});

test('all-in-one stream: Upscale (1.5x) of an 800×600 image diffuses at 1200×900 cut to multiples of 8 (1200×896), streamed to the Finished event', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      ...FAST,
      uov_input_image: b64(await makePng(800, 600)),
      uov_method: 'Upscale (1.5x)',
      stream_output: true,
    }),
  });
  const text = await res.text();
  const events = text
    .split('\r\n\r\n')
    .filter((block) => block.startsWith('data: {'))
    .map((block) => JSON.parse(block.split('\r\n')[0].slice(6)) as { message: string; images: string[] });
  const final = events[events.length - 1];
  assert.equal(final.message, 'Finished');
  assert.deepEqual(await sizeOf(final.images[0]), [1200, 896]);
});

test('all-in-one binary: inpaint keeps the size and every pixel farther than 32 px from the mask', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { Accept: 'image/png' },
    body: JSON.stringify({
      ...FAST,
      inpaint_input_image: b64(bigPhoto),
      inpaint_mask_image_upload: b64(bigMask),
      inpaint_additional_prompt: 'a boat',
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const out = await Jimp.read(Buffer.from(await res.arrayBuffer()));
  const input = await Jimp.read(bigPhoto);
  assert.deepEqual([out.bitmap.width, out.bitmap.height], [200, 160]);
  let changedNear = 0;
  for (let y = 0; y < 160; y++) {
    for (let x = 0; x < 200; x++) {
      const distance = Math.max(Math.max(90 - x, x - 109, 0), Math.max(70 - y, y - 89, 0));
      const i = (y * 200 + x) * 4;
      const same = out.bitmap.data.readUInt32BE(i) === input.bitmap.data.readUInt32BE(i);
      if (distance > 32) assert.ok(same, `pixel (${x}, ${y}) at distance ${distance} changed`);
      else if (!same) changedNear++;
    }
  }
  assert.ok(changedNear > 100, 'the masked area was repainted');
});

test('all-in-one: outpaint Top and Bottom grows the canvas by the sent distance (top) and int(0.3·H) rows (bottom)', async () => {
  const topBottom = await generate({
    inpaint_input_image: b64(photo),
    outpaint_selections: ['Top', 'Bottom'],
    outpaint_distance: [0, 10, 0, 0],
  });
  assert.deepEqual(await sizeOf(topBottom.result[0]), [W, H + 10 + 23]);
});

test('all-in-one: debugging_inpaint_preprocessor returns [fill, mask, crop] at the working resolution', async () => {
  const row = await generate({
    inpaint_input_image: b64(photo),
    inpaint_mask_image_upload: b64(mask),
    debugging_inpaint_preprocessor: true,
  });
  assert.equal(row.result.length, 3);
  const sizes = await Promise.all(row.result.map(sizeOf));
  assert.ok(
    sizes.every(([w, h]) => w === sizes[0][0] && h === sizes[0][1] && w % 64 === 0 && h % 64 === 0),
    JSON.stringify(sizes),
  );
});

test('legacy v1 multipart: image-upscale-vary Upscale (2x) answers the sync result list with a 1152×896 image', async () => {
  const form = new FormData();
  form.append('input_image', new Blob([photo], { type: 'image/png' }), 'input_image');
  form.append('uov_method', 'Upscale (2x)');
  form.append('performance_selection', 'Lightning');
  const res = await fetch(`${server.url}/v1/generation/image-upscale-vary`, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.clone().text());
  const results = (await res.json()) as { url: string; finish_reason: string }[];
  assert.equal(results[0].finish_reason, 'SUCCESS');
  assert.deepEqual(await sizeOf(results[0].url), [1152, 896]);
});

test('legacy v1 multipart: image-inpaint-outpaint with outpaint_selections "Left,Right" and distances, polled through query-job', async () => {
  const form = new FormData();
  form.append('input_image', new Blob([photo], { type: 'image/png' }), 'input_image');
  form.append('outpaint_selections', 'Left,Right');
  form.append('outpaint_distance_right', '16');
  form.append('performance_selection', 'Lightning');
  form.append('async_process', 'True');
  const res = await fetch(`${server.url}/v1/generation/image-inpaint-outpaint`, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.clone().text());
  const job = (await res.json()) as { job_id: string; job_type: string };
  assert.equal(job.job_type, 'Image Inpaint or Outpaint');
  const done = await waitFor(
    'outpaint job',
    async () => {
      const q = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${job.job_id}`)).json()) as {
        job_stage: string;
        job_result: { url: string }[] | null;
      };
      return q.job_stage === 'SUCCESS' ? q : undefined;
    },
    120_000,
  );
  assert.deepEqual(await sizeOf(done.job_result![0].url), [W + 30 + 16, H]);
});

test('legacy v2 JSON: image-inpaint-outpaint with a mask of another size (resized to the image) inpaints at the input size; binary reply', async () => {
  const res = await fetch(`${server.url}/v2/generation/image-inpaint-outpaint`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'image/png' },
    body: JSON.stringify({
      input_image: b64(photo),
      input_mask: b64(await squareMask(50, 40, { x0: 20, y0: 15, x1: 30, y1: 25 })),
      performance_selection: 'Lightning',
      prompt: 'a boat',
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.deepEqual(sniffImage(Buffer.from(await res.arrayBuffer())), { format: 'png', width: W, height: H });
});

test('legacy v2 JSON: image-upscale-vary Vary (Strong) is a job of type Image Upscale or Variation with a 1152×896 result', async () => {
  const res = await fetch(`${server.url}/v2/generation/image-upscale-vary`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      input_image: `data:image/png;base64,${b64(photo)}`,
      uov_method: 'Vary (Strong)',
      performance_selection: 'Lightning',
      async_process: true,
    }),
  });
  const job = (await res.json()) as { job_id: string; job_type: string };
  assert.equal(job.job_type, 'Image Upscale or Variation');
  const done = await waitFor(
    'vary job',
    async () => {
      const q = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${job.job_id}`)).json()) as {
        job_stage: string;
        job_result: { url: string }[] | null;
      };
      return q.job_stage === 'SUCCESS' ? q : undefined;
    },
    120_000,
  );
  assert.deepEqual(await sizeOf(done.job_result![0].url), [1152, 896]);
});

test('bad image input is a 422 naming the field: not an image, truncated', async () => {
  const notImage = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      uov_input_image: Buffer.from('hello world').toString('base64'),
      uov_method: 'Vary (Subtle)',
    }),
  });
  assert.equal(notImage.status, 422);
  assert.match(await notImage.text(), /uov_input_image/);
  const truncated = await fetch(`${server.url}/v2/generation/image-upscale-vary`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ input_image: b64(photo.subarray(0, photo.length / 2)), uov_method: 'Vary (Subtle)' }),
  });
  assert.equal(truncated.status, 422);
  assert.match(await truncated.text(), /input_image/);
});
