/**
 * The real server process with the real engine child on the tiny demo checkpoint it writes itself:
 * one test per response mode, the seed document's own example, and determinism over HTTP.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { startServerProcess, waitFor, type ServerProcess } from '../fixtures/server-process.ts';

let server: ServerProcess;
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-e2e-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

/** As Python's `requests.post(url, data=json.dumps(body))`: no Content-Type header at all. */
function postWithoutContentType(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { Accept: '*/*', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  assert.equal(res.status, 200, url);
  return Buffer.from(await res.arrayBuffer());
}

const small = { aspect_ratios_selection: '256*192', performance_selection: 'Lightning' };

test('the seed example (async, no Content-Type) returns a pending stub whose task finishes with a PNG of the requested size', async () => {
  const res = await postWithoutContentType(`${server.url}/v1/engine/generate/`, {
    prompt: 'a dog playing with a ball',
    negative_prompt: '',
    async_process: true,
    aspect_ratios_selection: '1152*896',
    performance_selection: 'Lightning',
  });
  assert.equal(res.status, 200);
  const stub = JSON.parse(res.body.toString()) as { task_id: string; task_status: string };
  assert.equal(stub.task_status, 'pending');
  assert.match(stub.task_id, /^[0-9a-f]{32}$/);
  const done = await waitFor('task to finish', async () => {
    const task = (await (await fetch(`${server.url}/tasks/${stub.task_id}`)).json()) as {
      task_status: string | null;
      result: string[];
    };
    return task.task_status === 'finished' ? task : undefined;
  });
  assert.equal(done.result.length, 1);
  assert.match(
    done.result[0],
    new RegExp(`^${server.url}/outputs/\\d{4}-\\d{2}-\\d{2}/\\d{4}-\\d{2}-\\d{2}_\\d{2}-\\d{2}-\\d{2}_\\d{4}\\.png$`),
  );
  assert.deepEqual(sniffImage(await download(done.result[0])), { format: 'png', width: 1152, height: 896 });
});

test('sync mode returns the finished row; the same request and seed give byte-identical images, another prompt or seed different pixels', async () => {
  const generate = async (body: Record<string, unknown>) => {
    const res = await fetch(`${server.url}/v1/engine/generate`, {
      method: 'POST',
      body: JSON.stringify({ ...small, ...body }),
    });
    assert.equal(res.status, 200);
    const row = (await res.json()) as { task_status: string; result: string[] };
    assert.equal(row.task_status, 'finished');
    return download(row.result[0]);
  };
  const first = await generate({ prompt: 'a red fox', image_seed: 9007199254740992 });
  const again = await generate({ prompt: 'a red fox', image_seed: 9007199254740992 });
  const nextSeed = await generate({ prompt: 'a red fox', image_seed: '9007199254740993' });
  const otherPrompt = await generate({ prompt: 'a blue whale', image_seed: 9007199254740992 });
  assert.ok(first.equals(again), 'same request and seed must give the same bytes');
  assert.ok(!first.equals(nextSeed), 'seeds 2^53 and 2^53+1 must differ');
  assert.ok(!first.equals(otherPrompt), 'another prompt must change the image');
  assert.deepEqual(sniffImage(first), { format: 'png', width: 256, height: 192 });
});

test('stream mode sends paced SSE events ending with Finished and the image URL', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({
      prompt: 'stream',
      stream_output: 'true',
      aspect_ratios_selection: '512*384',
      overwrite_step: 10,
    }),
  });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const text = await res.text();
  const events = text
    .split('\r\n\r\n')
    .filter((block) => block.startsWith('data: {'))
    .map(
      (block) =>
        JSON.parse(block.split('\r\n')[0].slice(6)) as {
          progress: number;
          message: string;
          images: string[];
          preview: string | null;
        },
    );
  const final = events[events.length - 1];
  assert.equal(final.message, 'Finished');
  assert.equal(final.progress, 100);
  assert.equal(final.images.length, 1);
  assert.ok(events.slice(0, -1).every((e) => e.images.length === 0));
  assert.ok(
    events.some((e) => e.preview?.startsWith('data:image/png;base64,')),
    'a sampling step carries a preview',
  );
  assert.deepEqual(sniffImage(await download(final.images[0])), { format: 'png', width: 512, height: 384 });
});

test('binary mode answers with the image in the Accept format', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    headers: { Accept: 'image/webp' },
    body: JSON.stringify({ ...small, prompt: 'binary', image_number: 3 }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/webp');
  assert.deepEqual(sniffImage(Buffer.from(await res.arrayBuffer())), { format: 'webp', width: 256, height: 192 });
});

test('the demo runs every generation option: the playground preset (edm_playground_v2.5, dpmpp_2m) and FreeU, recorded in the metadata', async () => {
  const res = await fetch(`${server.url}/v1/engine/generate`, {
    method: 'POST',
    body: JSON.stringify({
      prompt: 'a lighthouse',
      aspect_ratios_selection: '256*192',
      preset: 'playground_v2.5',
      overwrite_step: 4,
      freeu_enabled: true,
      save_metadata_to_images: true,
    }),
  });
  assert.equal(res.status, 200);
  const row = (await res.json()) as { task_status: string; result: string[]; error: string | null; warnings: string[] };
  assert.equal(row.task_status, 'finished', JSON.stringify(row));
  assert.equal(row.error, null);
  const png = await download(row.result[0]);
  const { readEmbeddedMetadata } = await import('../../engine/metadata/embed-metadata.ts');
  const record = JSON.parse(readEmbeddedMetadata(png)!.parameters) as Record<string, unknown>;
  assert.deepEqual(
    [record.scheduler, record.sampler, record.freeu],
    ['edm_playground_v2.5', 'dpmpp_2m', '(1.01, 1.02, 0.99, 0.95)'],
  );
});

test('an image that cannot be stored fails its task with a clear error (no server path) and the server goes on', async () => {
  const now = new Date();
  const today = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  const dateFolder = join(root, 'outputs', today);
  await rm(dateFolder, { recursive: true, force: true });
  // A file where the date folder should be: the engine child's image cannot be written.
  await writeFile(dateFolder, 'in the way');
  try {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      body: JSON.stringify({ ...small, prompt: 'nowhere to go', image_number: 2 }),
    });
    assert.equal(res.status, 200);
    const row = (await res.json()) as { task_status: string; result: string[]; error: string | null };
    assert.equal(row.task_status, 'finished');
    assert.deepEqual(row.result, []);
    assert.match(
      String(row.error),
      /could not store the image as \d{4}-\d{2}-\d{2}\/\S+\.png: a file stands where the date folder should be/,
    );
    assert.ok(!String(row.error).includes(root), `no absolute path in the error: ${row.error}`);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
  } finally {
    await rm(dateFolder, { force: true });
  }
  const res = await fetch(`${server.url}/v1/engine/generate/`, {
    method: 'POST',
    body: JSON.stringify({ ...small, prompt: 'stored again' }),
  });
  assert.equal(((await res.json()) as { result: string[] }).result.length, 1);
});
