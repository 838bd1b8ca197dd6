import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { Response } from 'express';
import {
  frameEvent,
  keepNewestPreview,
  PacedEventStream,
  pingComment,
} from '../../src/streaming/paced-event-stream.ts';

class FakeResponse extends EventEmitter {
  readonly writes: { at: number; text: string }[] = [];
  readonly headers: Record<string, string> = {};
  ended = false;
  statusCode = 0;
  constructor(private readonly clock: () => number) {
    super();
  }
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name.toLowerCase()] = value;
  }
  flushHeaders() {}
  write(text: string) {
    this.writes.push({ at: this.clock(), text });
    return true;
  }
  end() {
    this.ended = true;
    this.emit('close');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('frames events as FooocusAPI does: data line, empty data line, CRLF', () => {
  assert.equal(frameEvent('{"a": 1}'), 'data: {"a": 1}\r\ndata: \r\n\r\n');
  assert.equal(
    pingComment(new Date(Date.UTC(2024, 6, 26, 8, 29, 10, 123))),
    ': ping - 2024-07-26 08:29:10.123000+00:00\r\n\r\n',
  );
});

test('sends at most one event per interval, the newest pending one wins, and the final event gets its own write', async () => {
  const res = new FakeResponse(() => performance.now());
  const stream = new PacedEventStream(res as unknown as Response, { intervalMs: 60, pingMs: 10_000 });
  assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
  stream.push('1');
  await sleep(5);
  stream.push('2');
  stream.push('3');
  stream.finish('final');
  await sleep(250);
  const texts = res.writes.map((w) => w.text);
  assert.deepEqual(texts, [frameEvent('1'), frameEvent('3'), frameEvent('final')], '2 was superseded by 3');
  for (let i = 1; i < res.writes.length; i++)
    assert.ok(
      res.writes[i].at - res.writes[i - 1].at >= 55,
      `write ${i} came ${res.writes[i].at - res.writes[i - 1].at} ms after the previous`,
    );
  assert.equal(res.ended, true);
  stream.push('late');
  assert.equal(res.writes.length, 3, 'nothing is written after the stream ended');
});

test('sends ping comments while idle and stops them when the client goes away', async () => {
  const res = new FakeResponse(() => performance.now());
  new PacedEventStream(res as unknown as Response, { intervalMs: 10, pingMs: 20 });
  await sleep(70);
  const pings = res.writes.filter((w) => w.text.startsWith(': ping - '));
  assert.ok(pings.length >= 2, `${pings.length} pings`);
  res.emit('close');
  const count = res.writes.length;
  await sleep(60);
  assert.equal(res.writes.length, count);
});

test('a text-only event that replaces an unsent preview event takes over its preview, so a fast job still streams one', async () => {
  const res = new FakeResponse(() => performance.now());
  type Event = { message: string; preview: string | null };
  const stream = new PacedEventStream<Event>(res as unknown as Response, {
    intervalMs: 60,
    pingMs: 10_000,
    render: (e) => JSON.stringify(e),
    coalesce: keepNewestPreview,
  });
  stream.push({ message: 'Initializing ...', preview: null });
  await sleep(5);
  // Four steps and the save all arrive within one interval, as a 4-step Lightning job's do.
  for (let step = 1; step <= 4; step++) stream.push({ message: `Sampling step ${step}/4`, preview: `p${step}` });
  stream.push({ message: 'Saving image 1/1 to system ...', preview: null });
  stream.finish({ message: 'Finished', preview: null });
  await sleep(250);
  assert.deepEqual(
    res.writes.map((w) => w.text),
    [
      frameEvent('{"message":"Initializing ...","preview":null}'),
      frameEvent('{"message":"Saving image 1/1 to system ...","preview":"p4"}'),
      frameEvent('{"message":"Finished","preview":null}'),
    ],
  );
});

test('keepNewestPreview lets a newer preview win and leaves a preview that was already sent alone', () => {
  assert.deepEqual(keepNewestPreview({ n: 1, preview: 'a' }, { n: 2, preview: 'b' }), { n: 2, preview: 'b' });
  assert.deepEqual(keepNewestPreview({ n: 1, preview: 'a' }, { n: 2, preview: null }), { n: 2, preview: 'a' });
  assert.deepEqual(keepNewestPreview({ n: 1, preview: null }, { n: 2, preview: null }), { n: 2, preview: null });
});

test('the first event is written at once, so a step the engine sends in the same tick cannot replace it', async () => {
  const res = new FakeResponse(() => performance.now());
  const stream = new PacedEventStream(res as unknown as Response, { intervalMs: 60, pingMs: 10_000 });
  stream.push('Waiting in queue: position 1');
  stream.push('Sampling step 1/3');
  stream.finish('final');
  await sleep(200);
  assert.deepEqual(
    res.writes.map((w) => w.text),
    [frameEvent('Waiting in queue: position 1'), frameEvent('Sampling step 1/3'), frameEvent('final')],
  );
});
