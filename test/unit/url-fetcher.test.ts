import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InvalidFieldError } from '../../src/errors.ts';
import { GuardedUrlFetcher } from '../../src/net/url-fetcher.ts';
import type { LookupFn } from '../../src/net/ssrf-guard.ts';

const BODY = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x10, 0x20]);

// Routes of the local test server; `hits` counts requests per path.
const hits: Record<string, number> = {};
const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
  '/img': (_req, res) => res.writeHead(200, { 'Content-Type': 'image/png' }).end(BODY),
  '/redirect': (_req, res) => res.writeHead(302, { Location: '/img' }).end(),
  '/loop': (_req, res) => res.writeHead(301, { Location: '/loop' }).end(),
  '/to-ftp': (_req, res) => res.writeHead(302, { Location: 'ftp://files.example/a.png' }).end(),
  '/to-elsewhere': (_req, res) => res.writeHead(307, { Location: 'http://elsewhere.example/a.png' }).end(),
  '/missing': (_req, res) => res.writeHead(404).end('not here'),
  '/big-chunked': (_req, res) => {
    res.writeHead(200);
    for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, i));
    res.end();
  },
  '/big-declared': (_req, res) => res.writeHead(200, { 'Content-Length': '5000' }).end(Buffer.alloc(5000)),
  '/hang': () => undefined,
};

function startServer(host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    hits[path] = (hits[path] ?? 0) + 1;
    (routes[path] ?? ((_q, s) => s.writeHead(500).end()))(req, res);
  });
  return new Promise((resolve) => server.listen(0, host, () => resolve(server)));
}

const lookupTo = (address: string): LookupFn & { calls: string[] } => {
  const calls: string[] = [];
  const fn: LookupFn = async (hostname) => {
    calls.push(hostname);
    if (hostname !== 'localhost') throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
    return [{ address, family: 4 }];
  };
  return Object.assign(fn, { calls });
};

async function fetchError(promise: Promise<unknown>): Promise<InvalidFieldError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof InvalidFieldError, `expected InvalidFieldError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the fetch to fail');
}

describe('GuardedUrlFetcher', () => {
  // Listens on 127.0.0.2 (loopback on Linux), so a fetch of http://localhost only succeeds when
  // the connection goes to the address our fake lookup returned, never to the system's answer.
  let server: http.Server;
  let base: string;
  before(async () => {
    server = await startServer('127.0.0.2');
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetcher = (lookup: LookupFn, extra: Partial<ConstructorParameters<typeof GuardedUrlFetcher>[0]> = {}) =>
    new GuardedUrlFetcher({ allowPrivate: true, lookup, ...extra });

  it('returns the exact body bytes, connecting only to the address the guard checked', async () => {
    const bytes = await fetcher(lookupTo('127.0.0.2')).fetchBytes(`${base}/img`, 'uov_input_image');
    assert.deepEqual(bytes, BODY);
  });

  it('follows a redirect and checks the new hop with the guard', async () => {
    const lookup = lookupTo('127.0.0.2');
    const bytes = await fetcher(lookup).fetchBytes(`${base}/redirect`, 'uov_input_image');
    assert.deepEqual(bytes, BODY);
    assert.deepEqual(lookup.calls, ['localhost', 'localhost']);
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const error = await fetchError(fetcher(lookupTo('127.0.0.2')).fetchBytes(`${base}/to-ftp`, 'input_image'));
    assert.equal(error.field, 'input_image');
    assert.match(
      error.message,
      /^input_image: could not fetch http:\/\/localhost:\d+\/to-ftp: scheme 'ftp' is not allowed/,
    );
  });

  it('resolves a redirect target host through the guard before connecting', async () => {
    const lookup = lookupTo('127.0.0.2');
    const error = await fetchError(fetcher(lookup).fetchBytes(`${base}/to-elsewhere`, 'input_image'));
    assert.deepEqual(lookup.calls, ['localhost', 'elsewhere.example']);
    assert.match(error.message, /could not resolve host 'elsewhere\.example'/);
  });

  it('stops after maxRedirects redirects', async () => {
    hits['/loop'] = 0;
    const error = await fetchError(fetcher(lookupTo('127.0.0.2'), { maxRedirects: 2 }).fetchBytes(`${base}/loop`, 'f'));
    assert.match(error.message, /more than 2 redirects/);
    assert.equal(hits['/loop'], 3);
  });

  it('fails on a non-2xx status, naming the status', async () => {
    const error = await fetchError(
      fetcher(lookupTo('127.0.0.2')).fetchBytes(`${base}/missing`, 'image_prompts.0.cn_img'),
    );
    assert.equal(error.field, 'image_prompts.0.cn_img');
    assert.match(error.message, /HTTP status 404$/);
  });

  it('aborts a streamed body that grows past maxBytes', async () => {
    const error = await fetchError(
      fetcher(lookupTo('127.0.0.2'), { maxBytes: 4096 }).fetchBytes(`${base}/big-chunked`, 'f'),
    );
    assert.match(error.message, /larger than the 4096-byte limit/);
  });

  it('refuses a declared Content-Length above maxBytes', async () => {
    const error = await fetchError(
      fetcher(lookupTo('127.0.0.2'), { maxBytes: 4096 }).fetchBytes(`${base}/big-declared`, 'f'),
    );
    assert.match(error.message, /larger than the 4096-byte limit/);
  });

  it('gives up after timeoutMs when the server never answers', async () => {
    const started = Date.now();
    const error = await fetchError(fetcher(lookupTo('127.0.0.2'), { timeoutMs: 150 }).fetchBytes(`${base}/hang`, 'f'));
    assert.match(error.message, /timed out after 150 ms/);
    assert.ok(Date.now() - started < 2000);
  });

  it('refuses a private address without connecting when allowPrivate is off', async () => {
    hits['/img'] = 0;
    const lookup = lookupTo('127.0.0.2');
    const error = await fetchError(
      new GuardedUrlFetcher({ allowPrivate: false, lookup }).fetchBytes(`${base}/img`, 'uov_input_image'),
    );
    assert.match(error.message, /private, loopback or reserved address/);
    assert.equal(hits['/img'], 0);
  });
});
