import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate, generateJson, rawRequest, SMALL, taskCount } from '../fixtures/api-client.ts';
import { makeJpeg, makePng } from '../fixtures/images.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
let outputUrl: string;
let outputPath: string;
before(async () => {
  server = await startTestServer();
  const row = await generateJson<{ result: string[] }>(server, {});
  outputUrl = row.result[0];
  outputPath = join(server.root, 'outputs', ...new URL(outputUrl).pathname.split('/').slice(2));
  // Things that live in or next to the data dir and must never be served.
  await writeFile(join(server.root, 'secret.png'), await makePng(2, 2));
  await mkdir(join(server.root, 'outputs', '2024-01-01'), { recursive: true });
  await writeFile(join(server.root, 'outputs', '2024-01-01', 'log.html'), '<html>log</html>');
});
after(async () => server.close());

const isJpeg = (b: Buffer) => b[0] === 0xff && b[1] === 0xd8;
const isWebp = (b: Buffer) =>
  b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP';

async function get(url: string, accept?: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const res = await fetch(url, { headers: accept ? { Accept: accept } : {} });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('GET /outputs/{date}/{file}', () => {
  test('serves the stored PNG byte for byte', async () => {
    const reply = await get(outputUrl);
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'image/png');
    assert.ok(reply.bytes.equals(await readFile(outputPath)));
  });

  test('Accept */* and lists of types return the raw file', async () => {
    for (const accept of ['*/*', 'image/jpeg, */*', 'image/avif']) {
      const reply = await get(outputUrl, accept);
      assert.equal(reply.status, 200, accept);
      assert.equal(reply.type, 'image/png', accept);
      assert.ok(reply.bytes.equals(await readFile(outputPath)), accept);
    }
  });

  test('Accept image/jpeg (and image/jpg) re-encodes to real JPEG bytes', async () => {
    for (const accept of ['image/jpeg', 'image/jpg']) {
      const reply = await get(outputUrl, accept);
      assert.equal(reply.status, 200);
      assert.equal(reply.type, 'image/jpeg');
      assert.ok(isJpeg(reply.bytes), `${accept}: ${reply.bytes.subarray(0, 4).toString('hex')}`);
    }
  });

  test('Accept image/webp re-encodes to RIFF/WEBP', async () => {
    const reply = await get(outputUrl, 'image/webp');
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'image/webp');
    assert.ok(isWebp(reply.bytes));
  });

  test('a missing file → 404', async () => {
    const date = new URL(outputUrl).pathname.split('/')[2];
    assert.equal((await get(`${server.url}/outputs/${date}/${date}_00-00-00_9999.png`)).status, 404);
    assert.equal((await get(`${server.url}/outputs/1999-01-01/nothing.png`)).status, 404);
  });

  test('a file that is not an image (log.html) → 404 even though it exists', async () => {
    assert.equal((await get(`${server.url}/outputs/2024-01-01/log.html`)).status, 404);
  });

  test('path traversal attempts → 404 (the database and files outside the data dir are never served)', async () => {
    const paths = [
      '/outputs/..%2f..%2f/secret.png',
      '/outputs/..%2F/secret.png',
      '/outputs/%2e%2e/secret.png',
      '/outputs/../secret.png',
      '/outputs/2024-01-01/..%2f..%2fsecret.png',
      '/outputs/x/db.sqlite3',
      '/outputs/..%2foutputs/db.sqlite3',
      '/inputs/..%2f..%2fsecret.png',
      '/inputs/%2e%2e%2fdb.sqlite3',
      '/inputs/.%2e/secret.png',
    ];
    for (const path of paths) {
      const reply = await rawRequest(`${server.url}${path}`);
      assert.equal(reply.status, 404, `${path} answered ${reply.status}`);
      assert.ok(!reply.bytes.includes(Buffer.from('SQLite format')), path);
    }
  });
});

describe('only dated output folders and their own files are served', () => {
  test('a folder that is not a date (inputs, custom) is not served under /outputs or /files', async () => {
    await mkdir(join(server.root, 'outputs', 'custom'), { recursive: true });
    await writeFile(join(server.root, 'outputs', 'custom', 'job1-0.png'), await makePng(2, 2));
    for (const path of ['/outputs/custom/job1-0.png', '/files/custom/job1-0.png'])
      assert.equal((await get(`${server.url}${path}`)).status, 404, path);
  });

  test('a symlink that leads out of its served folder is not followed; one that stays inside is', async () => {
    const folder = join(server.root, 'outputs', '2024-02-02');
    await mkdir(folder, { recursive: true });
    await symlink(join(server.root, 'secret.png'), join(folder, 'escape.png'));
    await symlink(outputPath, join(folder, 'sideways.png'));
    await writeFile(join(folder, 'own.png'), await makePng(2, 2));
    await symlink('own.png', join(folder, 'alias.png'));
    await symlink(join(server.root), join(server.root, 'outputs', '2024-03-03'));
    assert.equal((await get(`${server.url}/outputs/2024-02-02/escape.png`)).status, 404);
    assert.equal(
      (await get(`${server.url}/outputs/2024-02-02/sideways.png`)).status,
      404,
      'another folder is not this one',
    );
    assert.equal(
      (await get(`${server.url}/outputs/2024-03-03/secret.png`)).status,
      404,
      'a date folder that is a link out',
    );
    assert.equal((await get(`${server.url}/outputs/2024-02-02/alias.png`)).status, 200);
  });
});

describe('inputs', () => {
  test('a base64 uov_input_image with uov_method Disabled is accepted, stored under /inputs/<sha256>.png and served', async () => {
    const png = await makePng(16, 16);
    const row = await generateJson<{ req_params: Record<string, unknown>; task_status: string }>(server, {
      uov_input_image: png.toString('base64'),
      uov_method: 'Disabled',
    });
    assert.equal(row.task_status, 'finished');
    const url = row.req_params.uov_input_image as string;
    assert.match(url, new RegExp(`^${server.url}/inputs/[0-9a-f]{64}\\.png$`));
    assert.equal(row.req_params.current_tab, 'uov');
    const reply = await get(url);
    assert.equal(reply.status, 200);
    assert.equal(reply.type, 'image/png');
    const asJpeg = await get(url, 'image/jpeg');
    assert.equal(asJpeg.status, 200);
    assert.ok(isJpeg(asJpeg.bytes));
  });

  test('a data-URI JPEG input is stored as PNG the same way', async () => {
    const jpeg = await makeJpeg(16, 16);
    const row = await generateJson<{ req_params: Record<string, unknown> }>(server, {
      uov_input_image: `data:image/jpeg;base64,${jpeg.toString('base64')}`,
    });
    const url = row.req_params.uov_input_image as string;
    assert.match(url, /\/inputs\/[0-9a-f]{64}\.png$/);
    const reply = await get(url);
    assert.equal(reply.bytes.subarray(1, 4).toString('latin1'), 'PNG');
  });

  test('the same image sent twice is stored once (same URL)', async () => {
    const png = (await makePng(12, 12)).toString('base64');
    const a = await generateJson<{ req_params: Record<string, unknown> }>(server, { uov_input_image: png });
    const b = await generateJson<{ req_params: Record<string, unknown> }>(server, { uov_input_image: png });
    assert.equal(a.req_params.uov_input_image, b.req_params.uov_input_image);
  });

  test('our own /outputs URL sent back as an input is read from disk, not fetched (loopback fetches are refused)', async () => {
    const row = await generateJson<{ req_params: Record<string, unknown>; task_status: string }>(server, {
      uov_input_image: outputUrl,
    });
    assert.equal(row.task_status, 'finished');
    assert.match(row.req_params.uov_input_image as string, /\/inputs\/[0-9a-f]{64}\.png$/);
  });

  test('our own /inputs URL sent back is read from disk too', async () => {
    const first = await generateJson<{ req_params: Record<string, unknown> }>(server, {
      uov_input_image: (await makePng(10, 10)).toString('base64'),
    });
    const url = first.req_params.uov_input_image as string;
    const again = await generateJson<{ req_params: Record<string, unknown> }>(server, { uov_input_image: url });
    assert.equal(again.req_params.uov_input_image, url);
  });

  test('an own URL naming a file that does not exist → 422 naming the field', async () => {
    const res = await fetch(`${server.url}/v1/engine/generate/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...SMALL, uov_input_image: `${server.url}/outputs/1999-01-01/missing.png` }),
    });
    assert.equal(res.status, 422);
    const body = (await res.json()) as { detail: { loc: unknown[] }[] };
    assert.deepEqual(body.detail[0].loc, ['body', 'uov_input_image']);
  });
});

describe('save_name', () => {
  test('renames outputs to {save_name}-{i}.png; a reused name gets a counter instead of overwriting', async () => {
    const first = await generateJson<{ result: string[] }>(server, { save_name: 'portrait', image_number: 2 });
    assert.deepEqual(
      first.result.map((u) => u.split('/').pop()),
      ['portrait-0.png', 'portrait-1.png'],
    );
    const second = await generateJson<{ result: string[] }>(server, { save_name: 'portrait' });
    assert.deepEqual(
      second.result.map((u) => u.split('/').pop()),
      ['portrait-0-1.png'],
    );
    for (const url of [...first.result, ...second.result]) assert.equal((await get(url)).status, 200, url);
  });

  test('a save_name with path parts ("../custom/job1") or too long for a file name is a 422 naming save_name, with no task', async () => {
    const rows = await taskCount(server);
    for (const name of ['../custom/job1', '../models/x', '猫'.repeat(90)]) {
      const res = await generate(server, { save_name: name });
      assert.equal(res.status, 422, name);
      assert.deepEqual(((await res.json()) as { detail: { loc: unknown[] }[] }).detail[0].loc, ['body', 'save_name']);
    }
    assert.equal(await taskCount(server), rows);
  });
});
