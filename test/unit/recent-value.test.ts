import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecentValue } from '../../src/caching/recent-value.ts';

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

test('RecentValue loads once per max age, shares a load in flight, and reloads when older', async () => {
  let now = 0;
  let loads = 0;
  const value = new RecentValue(
    250,
    async () => {
      loads += 1;
      return loads;
    },
    () => now,
  );
  assert.deepEqual(await Promise.all([value.get(), value.get(), value.get()]), [1, 1, 1]);
  now = 249;
  assert.equal(await value.get(), 1);
  now = 250;
  assert.equal(await value.get(), 2, 'a value as old as the max age is loaded again');
  assert.equal(loads, 2);
});

test('RecentValue.invalidate: the next read loads anew, and a load begun before it is answered but not kept', async () => {
  const now = 0;
  const pending = [deferred<string>(), deferred<string>(), deferred<string>()];
  let loads = 0;
  const value = new RecentValue(
    1000,
    () => pending[loads++].promise,
    () => now,
  );
  const before = value.get();
  value.invalidate();
  const after = value.get();
  assert.equal(loads, 2, 'a read after invalidate does not join the older load');
  pending[0].resolve('old');
  pending[1].resolve('new');
  assert.equal(await before, 'old');
  assert.equal(await after, 'new');
  assert.equal(await value.get(), 'new', 'the newer load is kept');
  assert.equal(loads, 2);
  value.invalidate();
  const third = value.get();
  pending[2].resolve('third');
  assert.equal(await third, 'third');
});

test('RecentValue: a failed load is not kept; the next read tries again', async () => {
  let fail = true;
  const value = new RecentValue(1000, async () => {
    if (fail) throw new Error('store down');
    return 'ok';
  });
  await assert.rejects(value.get(), /store down/);
  fail = false;
  assert.equal(await value.get(), 'ok');
});
