import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { InvalidFieldError } from '../../src/errors.ts';
import { ImageCodecError } from '../../src/images/image-codec.ts';
import { decodeImage } from '../../src/images/jimp-codec.ts';
import { sniffImage } from '../../src/images/sniff-image.ts';
import { DEFAULT_MAX_PIXELS, WorkerImageCodec } from '../../src/images/worker-image-codec.ts';
import { makeBmp, makeGif, makeJpeg, makePng, makeWebp } from '../fixtures/images.ts';

// 2×2 with distinct colours and alphas, including fully transparent.
const PIXELS_2X2 = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40];

async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected a ${type.name}`);
}

describe('sniffImage', () => {
  it('reads format and size of PNG, JPEG, WebP, GIF and BMP from the header', async () => {
    assert.deepEqual(sniffImage(await makePng(5, 3)), { format: 'png', width: 5, height: 3 });
    assert.deepEqual(sniffImage(await makeJpeg(5, 3)), { format: 'jpeg', width: 5, height: 3 });
    assert.deepEqual(sniffImage(await makeWebp(5, 3)), { format: 'webp', width: 5, height: 3 });
    assert.deepEqual(sniffImage(await makeWebp(5, 3, [1, 2, 3, 100])), { format: 'webp', width: 5, height: 3 });
    assert.deepEqual(sniffImage(await makeGif(5, 3)), { format: 'gif', width: 5, height: 3 });
    assert.deepEqual(sniffImage(await makeBmp(5, 3)), { format: 'bmp', width: 5, height: 3 });
  });

  it('reads lossless (VP8L) and extended (VP8X) WebP headers', () => {
    // VP8L: signature 0x2f, then 14-bit (width-1) | 14-bit (height-1) << 14, little-endian.
    const bits = (300 - 1) | ((200 - 1) << 14);
    const vp8l = Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WEBPVP8L\0\0\0\0', 'latin1'),
      Buffer.from([0x2f]),
      Buffer.from(new Uint32Array([bits]).buffer),
    ]);
    assert.deepEqual(sniffImage(vp8l), { format: 'webp', width: 300, height: 200 });
    const vp8x = Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WEBPVP8X\0\0\0\0', 'latin1'),
      Buffer.from([0x10, 0, 0, 0, 0xff, 0x0f, 0, 0x7f, 0x03, 0]),
    ]);
    assert.deepEqual(sniffImage(vp8x), { format: 'webp', width: 4096, height: 896 });
  });

  it('returns null for garbage, empty and truncated input', async () => {
    assert.equal(sniffImage(Buffer.from('definitely not an image')), null);
    assert.equal(sniffImage(new Uint8Array(0)), null);
    assert.equal(sniffImage((await makePng(4, 4)).subarray(0, 20)), null);
    assert.equal(sniffImage((await makeJpeg(4, 4)).subarray(0, 6)), null);
  });

  it('reads a Uint8Array view that does not start at its buffer offset 0', async () => {
    const png = await makePng(7, 2);
    const padded = new Uint8Array(png.length + 3);
    padded.set(png, 3);
    assert.deepEqual(sniffImage(padded.subarray(3)), { format: 'png', width: 7, height: 2 });
  });
});

describe('WorkerImageCodec', () => {
  let codec: WorkerImageCodec;
  before(() => {
    codec = new WorkerImageCodec();
  });
  after(() => codec.close());

  it('keeps every pixel of a 2×2 RGBA image through toPng, alpha included', async () => {
    const result = await codec.toPng(await makePng(2, 2, PIXELS_2X2), 'input_image');
    assert.deepEqual({ width: result.width, height: result.height }, { width: 2, height: 2 });
    assert.equal(sniffImage(result.png)?.format, 'png');
    assert.deepEqual([...(await decodeImage(result.png)).data], PIXELS_2X2);
  });

  it('re-encodes JPEG, WebP, GIF and BMP inputs as PNG of the same size', async () => {
    for (const make of [makeJpeg, makeWebp, makeGif, makeBmp]) {
      const result = await codec.toPng(await make(6, 4), 'uov_input_image');
      assert.deepEqual(sniffImage(result.png), { format: 'png', width: 6, height: 4 }, make.name);
      assert.deepEqual({ width: result.width, height: result.height }, { width: 6, height: 4 }, make.name);
    }
  });

  it('converts to JPEG and WebP keeping the dimensions', async () => {
    const png = await makePng(9, 5);
    for (const format of ['jpeg', 'webp', 'png'] as const) {
      const out = await codec.convert(png, format);
      assert.deepEqual(sniffImage(out), { format, width: 9, height: 5 });
      const decoded = await decodeImage(out);
      assert.deepEqual([decoded.width, decoded.height], [9, 5]);
    }
  });

  it('flattens transparent pixels on white when converting to JPEG', async () => {
    const jpeg = await codec.convert(await makePng(8, 8, [0, 0, 0, 0]), 'jpeg');
    const { data } = await decodeImage(jpeg);
    assert.ok(
      data.every((value) => value >= 250),
      'every channel should be near white',
    );
  });

  it('rejects garbage bytes with an InvalidFieldError naming the field', async () => {
    const error = await rejection(
      codec.toPng(Buffer.from('this is not an image at all'), 'image_prompts.1.cn_img'),
      InvalidFieldError,
    );
    assert.equal(error.field, 'image_prompts.1.cn_img');
    assert.match(error.message, /^image_prompts\.1\.cn_img: not a decodable image \(.+\)$/);
  });

  it('rejects a truncated PNG as not decodable', async () => {
    const png = await makePng(16, 16);
    const error = await rejection(codec.toPng(png.subarray(0, png.length - 20), 'input_image'), InvalidFieldError);
    assert.match(error.message, /^input_image: not a decodable image/);
  });

  it('refuses an image whose header claims more pixels than maxPixels, before decoding', async () => {
    const small = new WorkerImageCodec({ maxPixels: 100, createWorker: () => assert.fail('no worker should start') });
    const error = await rejection(small.toPng(await makePng(20, 10), 'mask'), InvalidFieldError);
    assert.match(error.message, /^mask: the image is 20×10, more than the 100-pixel limit$/);
    await rejection(small.convert(await makePng(20, 10), 'jpeg'), ImageCodecError);
    await small.close();
  });

  it('convert of undecodable bytes fails with an ImageCodecError', async () => {
    const error = await rejection(codec.convert(Buffer.from('nope'), 'png'), ImageCodecError);
    assert.equal(error.kind, 'undecodable');
  });

  it('settles jobs in FIFO order on a single worker', async () => {
    const order: number[] = [];
    const inputs = await Promise.all([makePng(64, 64), makePng(2, 2), makePng(8, 8)]);
    await Promise.all(inputs.map((png, i) => codec.convert(png, 'jpeg').then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2]);
  });

  it("does not detach or change the caller's buffer", async () => {
    const png = await makePng(3, 3);
    const copy = Buffer.from(png);
    await codec.toPng(png, 'input_image');
    assert.deepEqual(png, copy);
  });

  it('keeps the event loop responsive while a 1152×896 JPEG encode runs', async () => {
    const png = await makePng(1152, 896);
    await codec.toPng(await makePng(1, 1), 'warm_up'); // worker start-up is not what we measure
    let maxLag = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxLag = Math.max(maxLag, now - last - 10);
      last = now;
    }, 10);
    const started = performance.now();
    const loopBefore = performance.eventLoopUtilization();
    let elapsed = 0;
    let loopBusy = 0;
    try {
      const jpeg = await codec.convert(png, 'jpeg');
      elapsed = performance.now() - started;
      loopBusy = performance.eventLoopUtilization(loopBefore).utilization;
      assert.deepEqual(sniffImage(jpeg), { format: 'jpeg', width: 1152, height: 896 });
      // Let the timer tick once more, so a block right before the reply is measured too.
      await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      clearInterval(timer);
    }
    assert.ok(
      elapsed > 50,
      `the encode should take a while (took ${elapsed.toFixed(0)} ms), or the test proves nothing`,
    );
    // The loop's own busy share is what the worker keeps low; wall-clock lag also grows when other
    // processes hold the cores (the suite runs two files at a time), so it only bounds a block
    // as long as an on-loop encode (about 1 s).
    assert.ok(loopBusy < 0.25, `the loop was busy ${(loopBusy * 100).toFixed(0)}% of the encode`);
    assert.ok(maxLag < 300, `the loop lagged ${maxLag.toFixed(1)} ms`);
  });
});

describe('WorkerImageCodec worker lifecycle', () => {
  // CommonJS eval workers speaking the codec protocol: one that dies on its first job, one that answers.
  const crashing = () =>
    new Worker(`require('node:worker_threads').parentPort.on('message', () => process.exit(3));`, { eval: true });
  const answering = () =>
    new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.on('message', (m) => parentPort.postMessage({ id: m.id, ok: true, bytes: new Uint8Array([1, 2, 3]), width: 7, height: 9 }));`,
      { eval: true },
    );

  it('fails the job of a worker that dies and runs the next job on a replacement', async () => {
    const factories = [crashing, answering];
    let started = 0;
    const codec = new WorkerImageCodec({ createWorker: () => factories[started++]() });
    const [first, second] = await Promise.allSettled([
      codec.toPng(Buffer.from('a'), 'f'),
      codec.toPng(Buffer.from('b'), 'f'),
    ]);
    assert.equal(first.status, 'rejected');
    assert.ok(
      first.status === 'rejected' && first.reason instanceof ImageCodecError && first.reason.kind === 'worker-crashed',
    );
    assert.deepEqual(second.status === 'fulfilled' && { ...second.value, png: [...second.value.png] }, {
      png: [1, 2, 3],
      width: 7,
      height: 9,
    });
    assert.equal(started, 2);
    await codec.close();
  });

  it('close() rejects waiting and running jobs and refuses new ones', async () => {
    const silent = () =>
      new Worker(`require('node:worker_threads').parentPort.on('message', () => {});`, { eval: true });
    const codec = new WorkerImageCodec({ createWorker: silent });
    const running = rejection(codec.convert(Buffer.from('a'), 'png'), ImageCodecError);
    const waiting = rejection(codec.convert(Buffer.from('b'), 'png'), ImageCodecError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await codec.close();
    assert.equal((await running).kind, 'closed');
    assert.equal((await waiting).kind, 'closed');
    assert.equal((await rejection(codec.convert(Buffer.from('c'), 'png'), ImageCodecError)).kind, 'closed');
  });
});

describe('the default decode budget', () => {
  it('refuses an 8192² PNG by its header (not decoded), and keeps 6000×4000 within budget', async () => {
    const codec = new WorkerImageCodec({
      createWorker: () => assert.fail('no worker should start for an image over the budget'),
    });
    // A PNG signature and IHDR claiming 8192×8192; nothing after it is read.
    const header = Buffer.alloc(33);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.writeUInt32BE(13, 8);
    header.write('IHDR', 12, 'latin1');
    header.writeUInt32BE(8192, 16);
    header.writeUInt32BE(8192, 20);
    header[24] = 8;
    header[25] = 6;
    const error = await codec.toPng(header, 'uov_input_image').then(
      () => assert.fail('accepted'),
      (e: unknown) => e as Error,
    );
    assert.match(error.message, /^uov_input_image: the image is 8192×8192, more than the 40000000-pixel limit$/);
    assert.ok(6000 * 4000 <= DEFAULT_MAX_PIXELS);
    await codec.close();
  });
});
