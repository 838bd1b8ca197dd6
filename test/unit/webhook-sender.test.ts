import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpWebhookSender, type WebhookLogger } from '../../src/webhooks/webhook-sender.ts';
import { signWebhookBody, verifyWebhookSignature } from '../../src/webhooks/webhook-signature.ts';
import type { LookupFn } from '../../src/net/ssrf-guard.ts';

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

// A receiver on 127.0.0.1 that answers each path with a scripted list of statuses (last repeats).
const received: Received[] = [];
const script: Record<string, number[]> = {};
let server: http.Server;
let base: string;

function memoryLogger(): WebhookLogger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (m) => lines.push(`warn ${m}`), debug: (m) => lines.push(`debug ${m}`) };
}

// The all-in-one default format: a JSON string literal containing the record JSON, non-ASCII escaped.
const RECORD_JSON =
  '{"id": 12, "task_id": "abc", "task_status": "finished", "result": ["http://127.0.0.1:8888/outputs/2024-07-04/é.png"]}';
const BODY = JSON.stringify(RECORD_JSON).replace(
  /[\u0080-\uffff]/g,
  (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
);

describe('HttpWebhookSender', () => {
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        const statuses = script[req.url ?? ''] ?? [200];
        res.writeHead(statuses.length > 1 ? statuses.shift()! : statuses[0]).end('ignored');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    received.length = 0;
  });

  it('POSTs the body byte for byte with JSON content type and our user agent, returning before delivery', async () => {
    const sender = new HttpWebhookSender({ logger: memoryLogger() });
    sender.send({ url: `${base}/hook`, body: BODY, isTrusted: true });
    assert.equal(received.length, 0);
    await sender.drain();
    assert.equal(received.length, 1);
    assert.deepEqual(received[0].body, Buffer.from(BODY, 'utf8'));
    assert.equal(JSON.parse(JSON.parse(received[0].body.toString('utf8'))).task_id, 'abc');
    assert.equal(received[0].headers['content-type'], 'application/json');
    assert.equal(received[0].headers['user-agent'], 'fooocus-gateway');
    assert.equal(received[0].headers['x-fooocus-signature'], undefined);
  });

  it('signs with t and an HMAC over "<t>.<raw body>" that verifies', async () => {
    const sender = new HttpWebhookSender({ logger: memoryLogger(), secret: 's3cret', now: () => 1_720_000_000_999 });
    sender.send({ url: `${base}/hook`, body: '{"ünïcode": true}', isTrusted: true });
    await sender.drain();
    const header = String(received[0].headers['x-fooocus-signature']);
    const expected = createHmac('sha256', 's3cret').update('1720000000.{"ünïcode": true}', 'utf8').digest('hex');
    assert.equal(signWebhookBody('s3cret', 1_720_000_000, '{"ünïcode": true}'), expected);
    assert.equal(header, `t=1720000000,v1=${expected}`);
    assert.equal(verifyWebhookSignature('s3cret', header, received[0].body, { nowSeconds: 1_720_000_100 }), true);
    assert.equal(verifyWebhookSignature('other', header, received[0].body), false);
    assert.equal(verifyWebhookSignature('s3cret', header, Buffer.from('{"ünïcode": false}')), false);
    assert.equal(verifyWebhookSignature('s3cret', header, received[0].body, { nowSeconds: 1_720_001_000 }), false);
  });

  it('retries after a 500 and stops at the first success', async () => {
    script['/flaky'] = [500, 503, 200];
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, baseDelayMs: 5 });
    sender.send({ url: `${base}/flaky`, body: '{}', isTrusted: true });
    await sender.drain();
    assert.equal(received.length, 3);
    assert.deepEqual(logger.lines, [`debug webhook delivered to ${base}/flaky`]);
  });

  it('retries on 429 and gives up after the configured retries', async () => {
    script['/busy'] = [429];
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, baseDelayMs: 1, retries: 2 });
    sender.send({ url: `${base}/busy`, body: '{}', isTrusted: true });
    await sender.drain();
    assert.equal(received.length, 3);
    assert.match(logger.lines[0], /not delivered after 3 attempt\(s\): HTTP status 429/);
  });

  it('does not retry after a 400', async () => {
    script['/bad'] = [400];
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, baseDelayMs: 1 });
    sender.send({ url: `${base}/bad`, body: '{}', isTrusted: true });
    await sender.drain();
    assert.equal(received.length, 1);
    assert.match(logger.lines[0], /not delivered after 1 attempt\(s\): HTTP status 400/);
  });

  it('retries a refused connection', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, baseDelayMs: 1, retries: 1 });
    sender.send({ url: `http://127.0.0.1:${port}/gone`, body: '{}', isTrusted: true });
    await sender.drain();
    assert.match(logger.lines[0], /not delivered after 2 attempt\(s\): connection failed \(ECONNREFUSED\)/);
  });

  it('refuses an untrusted URL on a private address without connecting or retrying', async () => {
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, baseDelayMs: 1 });
    sender.send({ url: `${base}/hook`, body: '{}', isTrusted: false });
    await sender.drain();
    assert.equal(received.length, 0);
    assert.match(logger.lines[0], /not delivered after 1 attempt\(s\): refused: host '127\.0\.0\.1' is a private/);
  });

  it('delivers to an untrusted URL when allowPrivate is set, connecting only to the checked address', async () => {
    // The receiver listens on 127.0.0.2 and the fake lookup says localhost is there: delivery only
    // succeeds if the connection is pinned (the system resolver says 127.0.0.1 or ::1).
    const pinnedReceiver = http.createServer((req, res) => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.alloc(0) });
      req.resume().on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => pinnedReceiver.listen(0, '127.0.0.2', () => resolve()));
    const port = (pinnedReceiver.address() as AddressInfo).port;
    const lookups: string[] = [];
    const lookup: LookupFn = async (hostname) => {
      lookups.push(hostname);
      return [{ address: '127.0.0.2', family: 4 }];
    };
    const logger = memoryLogger();
    const sender = new HttpWebhookSender({ logger, allowPrivate: true, lookup, retries: 0 });
    sender.send({ url: `http://localhost:${port}/hook`, body: '{"a":1}', isTrusted: false });
    await sender.drain();
    await new Promise<void>((resolve) => pinnedReceiver.close(() => resolve()));
    assert.deepEqual(lookups, ['localhost']);
    assert.deepEqual(logger.lines, [`debug webhook delivered to http://localhost:${port}/hook`]);
    assert.equal(received[0].headers.host, `localhost:${port}`);
  });

  it('drain resolves at once when nothing was sent', async () => {
    await new HttpWebhookSender({ logger: memoryLogger() }).drain();
  });
});
