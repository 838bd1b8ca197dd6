/**
 * The v1 multipart routes through parsing and validation: malformed forms are 422s naming the
 * field (the original answered 500 for several of them), file fields must carry files, uploads
 * are bounded, and a well-formed image-mode form is accepted as an image job.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeJpeg } from '../fixtures/images.ts';
import { postForm, requestsForm } from '../fixtures/legacy-client.ts';
import { startTestServer, type TestServer } from '../fixtures/test-server.ts';

let server: TestServer;
let image: Buffer;
before(async () => {
  server = await startTestServer();
  image = await makeJpeg(32, 32);
});
after(async () => server.close());

interface ErrorItem {
  type: string;
  loc: (string | number)[];
  msg: string;
}

async function detailOf(res: Response, status = 422): Promise<ErrorItem[]> {
  const text = await res.text();
  assert.equal(res.status, status, text);
  const body = JSON.parse(text) as { detail: ErrorItem[] };
  assert.ok(Array.isArray(body.detail), text);
  return body.detail;
}

const UPSCALE = '/v1/generation/image-upscale-vary';
const INPAINT = '/v1/generation/image-inpaint-outpaint';

describe('v1 form validation', () => {
  test('loras that are not a JSON array is a 422 naming loras', async () => {
    const form = requestsForm(
      { uov_method: 'Vary (Subtle)', loras: '[{"model_name": "x.safetensors", "weight": 0.5' },
      { input_image: image },
    );
    const detail = await detailOf(await postForm(server, UPSCALE, form));
    assert.equal(detail[0].loc[0], 'body');
    assert.equal(detail[0].loc[1], 'loras');
  });

  test('an outpaint_selections item outside Left/Right/Top/Bottom is a 422 naming outpaint_selections', async () => {
    const form = requestsForm({ outpaint_selections: 'Left,Up' }, { input_image: image });
    const detail = await detailOf(await postForm(server, INPAINT, form));
    assert.equal(detail[0].loc[1], 'outpaint_selections');
    assert.match(detail[0].msg, /Up/);
  });

  test('a boolean field that is not a boolean is a 422 naming it', async () => {
    const form = requestsForm({ uov_method: 'Vary (Subtle)', async_process: 'maybe' }, { input_image: image });
    const detail = await detailOf(await postForm(server, UPSCALE, form));
    assert.equal(detail[0].loc[1], 'async_process');
  });

  test('a missing required input_image is a 422 naming input_image', async () => {
    const detail = await detailOf(await postForm(server, UPSCALE, requestsForm({ uov_method: 'Vary (Subtle)' })));
    assert.ok(
      detail.some((d) => d.loc[1] === 'input_image'),
      JSON.stringify(detail),
    );
  });

  test('an unknown uov_method is a 422 naming uov_method', async () => {
    const detail = await detailOf(
      await postForm(server, UPSCALE, requestsForm({ uov_method: 'Upscale (3x)' }, { input_image: image })),
    );
    assert.ok(
      detail.some((d) => d.loc[1] === 'uov_method'),
      JSON.stringify(detail),
    );
  });

  test('a text value sent for a file field is a 422 naming the field (the validator placeholder would accept it)', async () => {
    const detail = await detailOf(
      await postForm(server, UPSCALE, requestsForm({ uov_method: 'Vary (Subtle)', input_image: 'not a file' })),
    );
    assert.deepEqual(detail[0].loc, ['body', 'input_image']);
    assert.match(detail[0].msg, /expected a file/);
  });

  test('a file that is not an image is a 422 naming the field, before anything is queued', async () => {
    // Decoding comes after the engine-capability check: a scripted engine that runs upscale/vary.
    const upscaling = await startTestServer({
      overrides: { supportedModes: ['Text to Image', 'Image Upscale or Variation'] },
    });
    try {
      const before = await upscaling.composed.service.count({});
      const form = requestsForm(
        { uov_method: 'Vary (Subtle)' },
        { input_image: Buffer.from('plain text, not an image') },
      );
      const detail = await detailOf(await postForm(upscaling, UPSCALE, form));
      assert.equal(detail[0].loc[1], 'input_image');
      assert.equal(await upscaling.composed.service.count({}), before);
    } finally {
      await upscaling.close();
    }
  });

  test('a file over 20 MiB is refused with 413 naming the field', async () => {
    const form = requestsForm({ uov_method: 'Vary (Subtle)' }, { input_image: Buffer.alloc(20 * 1024 * 1024 + 1) });
    const res = await postForm(server, UPSCALE, form);
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as { detail: string }).detail, /input_image/);
  });

  test('a malformed multipart body is a 422, not a 500', async () => {
    const res = await fetch(`${server.url}${UPSCALE}`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="uov_method"\r\n\r\nVary',
    });
    assert.equal(res.status, 422);
    await res.arrayBuffer();
  });

  test('a well-formed form with Python-style booleans (True) and empty scalars is accepted as an upscale-or-vary job', async () => {
    const form = requestsForm(
      { uov_method: 'Vary (Subtle)', async_process: true, require_base64: 'False', image_number: '', loras: '' },
      { input_image: image },
    );
    const res = await postForm(server, UPSCALE, form);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as { job_type: string }).job_type, 'Image Upscale or Variation');
  });
});
