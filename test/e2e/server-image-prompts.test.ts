/**
 * PyraCanny and CPDS image prompts over HTTP on the real server and engine child, with the demo
 * checkpoint and the demo ControlNet the server writes itself (fooocus-semantics.md §8): the legacy
 * v1 multipart route (cn_img1 + cn_type1), the legacy v2 JSON route (image_prompts) and the
 * all-in-one endpoint (controlnet_image), mixed with Vary through the mixing flag, and
 * `debugging_cn_preprocessor` returning a PyraCanny map whose edges are where the input's are.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Jimp } from 'jimp';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { makePng } from '../fixtures/images.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';

let server: ServerProcess;
let root: string;
const W = 1152;
const H = 896;
/** A red rectangle on blue at the generation size: its outline is the image's only edge. */
const BOX = { x0: 300, y0: 200, x1: 800, y1: 600 };
let boxImage: Buffer;
let photo: Buffer;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-e2e-cn-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const inside = x >= BOX.x0 && x < BOX.x1 && y >= BOX.y0 && y < BOX.y1;
      rgba.set(inside ? [220, 40, 30, 255] : [30, 40, 190, 255], (y * W + x) * 4);
    }
  }
  boxImage = await makePng(W, H, rgba);
  photo = await makePng(101, 77);
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const FAST = { performance_selection: 'Lightning', prompt: 'a harbour' } as const;
const b64 = (png: Buffer) => png.toString('base64');
const DEMO_WARNING = /demo ControlNet tiny-controlnet-demo/;

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

interface Row {
  task_status: string;
  result: string[];
  warnings: string[];
}

async function generate(body: Record<string, unknown>): Promise<Row> {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ ...FAST, ...body }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const row = (await res.json()) as Row;
  assert.equal(row.task_status, 'finished', JSON.stringify(row));
  return row;
}

test('all-in-one: debugging_cn_preprocessor returns the PyraCanny map at 1152×896 with its edges on the rectangle outline', async () => {
  const row = await generate({
    controlnet_image: [{ cn_img: b64(boxImage), cn_type: 'PyraCanny', cn_stop: 0.5, cn_weight: 1 }],
    debugging_cn_preprocessor: true,
  });
  assert.equal(row.result.length, 1);
  const map = await Jimp.read(await download(row.result[0]));
  assert.deepEqual([map.bitmap.width, map.bitmap.height], [W, H]);
  const at = (x: number, y: number) => map.bitmap.data[(y * W + x) * 4];
  const distance = (x: number, y: number) => {
    const inside = x >= BOX.x0 && x < BOX.x1 && y >= BOX.y0 && y < BOX.y1;
    if (inside) return Math.min(x - BOX.x0, BOX.x1 - 1 - x, y - BOX.y0, BOX.y1 - 1 - y);
    return Math.hypot(Math.max(BOX.x0 - x, x - BOX.x1 + 1, 0), Math.max(BOX.y0 - y, y - BOX.y1 + 1, 0));
  };
  let far = 0;
  for (let y = 0; y < H; y += 3) for (let x = 0; x < W; x += 3) if (distance(x, y) > 40) far = Math.max(far, at(x, y));
  assert.equal(far, 0, 'no edge away from the rectangle');
  // Each side, sampled along its length, has a bright edge within 2 px.
  for (let t = 0.1; t < 0.95; t += 0.1) {
    const y = Math.round(BOX.y0 + (BOX.y1 - BOX.y0) * t);
    const x = Math.round(BOX.x0 + (BOX.x1 - BOX.x0) * t);
    const peak = (xs: number[], ys: number[]) => Math.max(...xs.flatMap((px) => ys.map((py) => at(px, py))));
    const near = (c: number) => [c - 2, c - 1, c, c + 1, c + 2];
    assert.ok(peak(near(BOX.x0), [y]) > 128 && peak(near(BOX.x1 - 1), [y]) > 128, `left/right sides at y = ${y}`);
    assert.ok(peak([x], near(BOX.y0)) > 128 && peak([x], near(BOX.y1 - 1)) > 128, `top/bottom sides at x = ${x}`);
  }
});

test('legacy v1 multipart: image-prompt with cn_img1 and cn_type1=PyraCanny generates a 1152×896 image with the demo ControlNet', async () => {
  const form = new FormData();
  form.append('cn_img1', new Blob([boxImage], { type: 'image/png' }), 'cn_img1');
  form.append('cn_type1', 'PyraCanny');
  form.append('cn_stop1', '0.6');
  form.append('cn_weight1', '1.0');
  form.append('performance_selection', 'Lightning');
  form.append('async_process', 'True');
  const res = await fetch(`${server.url}/v1/generation/image-prompt`, { method: 'POST', body: form });
  assert.equal(res.status, 200, await res.clone().text());
  const job = (await res.json()) as { job_id: string; job_type: string };
  assert.equal(job.job_type, 'Image Prompt');
  let done: { job_stage: string; job_result: { url: string }[] | null; job_error?: string | null } | undefined;
  for (let i = 0; i < 1200 && done?.job_stage !== 'SUCCESS'; i++) {
    done = (await (await fetch(`${server.url}/v1/generation/query-job?job_id=${job.job_id}`)).json()) as typeof done;
    assert.notEqual(done!.job_stage, 'ERROR', JSON.stringify(done));
    if (done!.job_stage !== 'SUCCESS') await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(done!.job_stage, 'SUCCESS');
  assert.deepEqual(sniffImage(await download(done!.job_result![0].url)), { format: 'png', width: W, height: H });
  const task = (await (await fetch(`${server.url}/tasks/${job.job_id}`)).json()) as { warnings: string[] };
  assert.ok(
    task.warnings.some((w) => DEMO_WARNING.test(w)),
    task.warnings.join(' | '),
  );
});

test('legacy v2 JSON: image-prompt with a CPDS image_prompts entry generates a 1152×896 image (binary reply)', async () => {
  const res = await fetch(`${server.url}/v2/generation/image-prompt`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'image/png' },
    body: JSON.stringify({
      ...FAST,
      image_prompts: [{ cn_img: b64(boxImage), cn_stop: 0.5, cn_weight: 1.0, cn_type: 'CPDS' }],
    }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  // X-Fooocus-Warnings carries what is known when the task is accepted; the engine's demo-ControlNet warning is in the
  // task's warnings (the other tests).
  assert.deepEqual(sniffImage(Buffer.from(await res.arrayBuffer())), { format: 'png', width: W, height: H });
});

test('all-in-one: PyraCanny and CPDS together generate, and control changes the picture (same seed without it differs)', async () => {
  const controlled = await generate({
    image_seed: 5,
    controlnet_image: [
      { cn_img: b64(boxImage), cn_type: 'CPDS' },
      { cn_img: b64(boxImage), cn_type: 'PyraCanny', cn_weight: 1.5 },
    ],
  });
  assert.ok(
    controlled.warnings.some((w) => DEMO_WARNING.test(w)),
    controlled.warnings.join(' | '),
  );
  const plain = await generate({ image_seed: 5 });
  const [a, b] = await Promise.all([download(controlled.result[0]), download(plain.result[0])]);
  assert.deepEqual(sniffImage(a), { format: 'png', width: W, height: H });
  assert.ok(!a.equals(b), 'the control maps change the image');
});

test('all-in-one: mixing_image_prompt_and_vary_upscale runs Vary with a PyraCanny slot (size from the vary input)', async () => {
  const row = await generate({
    uov_input_image: b64(photo),
    uov_method: 'Vary (Subtle)',
    mixing_image_prompt_and_vary_upscale: true,
    controlnet_image: [{ cn_img: b64(boxImage), cn_type: 'PyraCanny' }],
  });
  assert.deepEqual(
    sniffImage(await download(row.result[0]))?.width,
    1152,
    'Vary raises a 101×77 input to shape ceil 1024 (1152×896)',
  );
  assert.ok(
    row.warnings.some((w) => DEMO_WARNING.test(w)),
    row.warnings.join(' | '),
  );
});

test('an ImagePrompt slot and a PyraCanny slot run together (IP-Adapter tokens and ControlNet residuals in one UNet)', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      ...FAST,
      controlnet_image: [
        { cn_img: b64(photo), cn_type: 'ImagePrompt' },
        { cn_img: b64(photo), cn_type: 'PyraCanny' },
      ],
    }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const row = JSON.parse(text) as { task_status: string; warnings?: string[] };
  assert.equal(row.task_status, 'finished', text);
});
