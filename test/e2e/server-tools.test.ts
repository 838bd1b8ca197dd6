/**
 * The tool routes over HTTP on the real server and its tools child, on the demo models the server
 * writes on first start: describe-image (Photo, Anime) as FooocusAPI sends it (JSON) and as
 * Fooocus-API sends it (multipart with `image_type`, or `type` from v0.3 clients), and
 * generate_mask for every rembg name, answering a PNG of the input's size; each reply says demo.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Jimp } from 'jimp';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { makePng } from '../fixtures/images.ts';
import { startServerProcess, type ServerProcess } from '../fixtures/server-process.ts';

const REMBG = ['u2net', 'u2netp', 'u2net_human_seg', 'u2net_cloth_seg', 'silueta', 'isnet-general-use', 'isnet-anime'];
let server: ServerProcess;
let root: string;
/** 61×43: grey with a red square in the middle (the subject). */
let photo: Buffer;

function subjectPixels(width: number, height: number): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const isInside = x >= 20 && x < 40 && y >= 12 && y < 30;
      rgba.set(isInside ? [230, 20, 20, 255] : [120, 120, 120, 255], (y * width + x) * 4);
    }
  }
  return rgba;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'fooocus-e2e-tools-'));
  server = await startServerProcess(['--data-dir', join(root, 'outputs'), '--models-dir', join(root, 'models')]);
  photo = await makePng(61, 43, subjectPixels(61, 43));
});
after(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

const warningsOf = (res: Response) => decodeURIComponent(res.headers.get('x-fooocus-warnings') ?? '');

function postJson(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

function postUpload(query: string, png: Buffer): Promise<Response> {
  const form = new FormData();
  form.append('image', new Blob([png], { type: 'image/png' }), 'photo.png');
  return fetch(`${server.url}/v1/tools/describe-image${query}`, { method: 'POST', body: form });
}

describe('describe-image', () => {
  test('FooocusAPI JSON, Photo: 200 {describe} with the demo caption, and X-Fooocus-Warnings says demo', async () => {
    const res = await postJson('/v1/tools/describe-image', { image: photo.toString('base64'), image_type: 'Photo' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { describe: 'a tiny demo caption of an image that is mostly red.' });
    assert.match(warningsOf(res), /demo captioner/);
  });

  test('FooocusAPI JSON, Anime (data URI): comma-separated tags, characters first, escaped', async () => {
    const res = await postJson('/v1/tools/describe-image', {
      image: `data:image/png;base64,${photo.toString('base64')}`,
      image_type: 'Anime',
    });
    assert.equal(res.status, 200, await res.clone().text());
    const { describe: text } = (await res.json()) as { describe: string };
    assert.match(text, /^demo character \\\(tiny\\\), no humans, simple background, /);
    assert.match(warningsOf(res), /demo tagger/);
  });

  test('Fooocus-API multipart: image_type=Anime gives tags, v0.3 type=Photo and no type give the caption', async () => {
    const anime = await postUpload('?image_type=Anime', photo);
    assert.equal(anime.status, 200, await anime.clone().text());
    assert.match(((await anime.json()) as { describe: string }).describe, /^demo character/);
    for (const query of ['?type=Photo', '']) {
      const res = await postUpload(query, photo);
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { describe: 'a tiny demo caption of an image that is mostly red.' }, query);
    }
  });

  test('an image that is not one is a 422 naming the field; an unknown type is a 422', async () => {
    const bad = await postJson('/v1/tools/describe-image', {
      image: Buffer.from('not an image at all').toString('base64'),
    });
    assert.equal(bad.status, 422);
    assert.deepEqual(((await bad.json()) as { detail: { loc: string[] }[] }).detail[0].loc, ['body', 'image']);
    const badType = await postUpload('?image_type=Cartoon', photo);
    assert.equal(badType.status, 422);
  });
});

describe('generate_mask', () => {
  test('every rembg model name answers a JSON string of base64 PNG of the input size, white on the subject, said to be demo', async () => {
    for (const mask_model of REMBG) {
      const res = await postJson('/v1/tools/generate_mask', {
        image: photo.toString('base64'),
        mask_model,
        cloth_category: 'upper',
      });
      assert.equal(res.status, 200, `${mask_model}: ${await res.clone().text()}`);
      const body = (await res.json()) as string;
      assert.equal(typeof body, 'string');
      const png = Buffer.from(body, 'base64');
      assert.deepEqual(sniffImage(png), { format: 'png', width: 61, height: 43 }, mask_model);
      const mask = await Jimp.read(png);
      const at = (x: number, y: number) => mask.bitmap.data[(y * 61 + x) * 4];
      assert.ok(at(30, 21) > 127, `${mask_model}: subject ${at(30, 21)}`);
      assert.ok(at(3, 3) < 128, `${mask_model}: background ${at(3, 3)}`);
      assert.match(warningsOf(res), new RegExp(`'${mask_model}' is not installed.*demo`), mask_model);
    }
  });

  test('the default model (isnet-general-use) on a data URI; unknown fields are listed in X-Ignored-Fields', async () => {
    const res = await postJson('/v1/tools/generate_mask', {
      image: `data:image/png;base64,${photo.toString('base64')}`,
      colour: 'red',
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(warningsOf(res), /'isnet-general-use'/);
    assert.equal(decodeURIComponent(res.headers.get('x-ignored-fields') ?? ''), 'colour');
  });

  test('sam answers 503 naming what it needs; an unknown cloth category is a 422', async () => {
    const sam = await postJson('/v1/tools/generate_mask', {
      image: photo.toString('base64'),
      mask_model: 'sam',
      dino_prompt_text: 'face',
    });
    assert.equal(sam.status, 503);
    assert.match(((await sam.json()) as { detail: string }).detail, /GroundingDINO.*SAM/);
    const cloth = await postJson('/v1/tools/generate_mask', {
      image: photo.toString('base64'),
      mask_model: 'u2net_cloth_seg',
      cloth_category: 'hat',
    });
    assert.equal(cloth.status, 422);
  });
});
