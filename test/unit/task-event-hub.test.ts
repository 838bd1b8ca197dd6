import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FINISHED_PREVIEWS_KEPT, TaskEventHub, type TaskEvent } from '../../src/tasks/task-events.ts';
import type { TaskRecord } from '../../adapters/task-record.ts';

const task = (taskId: string) => ({ taskId }) as TaskRecord;
const png = (byte: number) => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, byte]);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

test('the live state keeps the newest step preview through text-only updates, while each event carries only its own', () => {
  const hub = new TaskEventHub();
  const events: TaskEvent[] = [];
  hub.subscribe('t1', (e) => events.push(e));
  hub.started(task('t1'));
  assert.equal(hub.liveOf('t1')?.preview, null);
  hub.progress('t1', 40, 'Sampling step 1/2', png(1));
  hub.progress('t1', 70, 'Sampling step 2/2', png(2));
  hub.progress('t1', 100, 'Saving image 1/1 to system ...', undefined);
  assert.deepEqual(hub.liveOf('t1'), { percent: 100, message: 'Saving image 1/1 to system ...', preview: b64(png(2)) });
  assert.equal(hub.previewOf('t1'), b64(png(2)));
  const previews = events.flatMap((e) => (e.type === 'progress' ? [e.live.preview] : []));
  assert.deepEqual(
    previews,
    [b64(png(1)), b64(png(2)), null],
    'the stream sees null on the text-only update (FooocusAPI wire)',
  );
});

test('a finished task keeps its newest preview for query-job; only the last FINISHED_PREVIEWS_KEPT are kept', () => {
  const hub = new TaskEventHub();
  for (let i = 0; i <= FINISHED_PREVIEWS_KEPT; i++) {
    hub.started(task(`t${i}`));
    hub.progress(`t${i}`, 50, 'Sampling step 1/1', png(i));
    hub.finished(task(`t${i}`));
  }
  assert.equal(hub.liveOf('t1'), null, 'live progress ends with the task');
  assert.equal(hub.previewOf(`t${FINISHED_PREVIEWS_KEPT}`), b64(png(FINISHED_PREVIEWS_KEPT)));
  assert.equal(hub.previewOf('t1'), b64(png(1)));
  assert.equal(hub.previewOf('t0'), null, 'the oldest is dropped');
  hub.started(task('no-steps'));
  hub.progress('no-steps', 5, 'Loading models ...', undefined);
  hub.finished(task('no-steps'));
  assert.equal(hub.previewOf('no-steps'), null);
});
