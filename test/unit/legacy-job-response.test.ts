import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMON_REQUEST_DEFAULTS } from '../../adapters/common-request.ts';
import {
  JOB_NOT_FOUND,
  toAsyncJobResponse,
  toGeneratedImageResults,
  toJobHistoryInfo,
  toJobQueueInfo,
  toQueueFullJobResponse,
  toQueueFullResults,
  type LegacyReplyOptions,
} from '../../adapters/legacy/job-response.ts';
import type { LiveProgress, TaskRecord } from '../../adapters/task-record.ts';

const BASE = 'http://127.0.0.1:8888';
const JOB_ID = 'cac3914a-926d-4b6f-a46a-83794a0ce1d4';
const options: LegacyReplyOptions = { baseUrl: BASE, base64Form: 'raw', base64Of: (file) => `B64(${file})` };
const query = (requireStepPreview = false) => ({ ...options, requireStepPreview });

function task(overrides: Partial<TaskRecord> = {}, requireBase64 = false): TaskRecord {
  return {
    id: 3,
    taskId: JOB_ID,
    dialect: 'legacy',
    mode: 'Text to Image',
    responseMode: 'async',
    request: {
      ...COMMON_REQUEST_DEFAULTS,
      base_model_name: 'tiny-sdxl-demo',
      image_seed: 9223372036854775807n,
      require_base64: requireBase64,
    },
    webhookUrl: '',
    status: 'finished',
    inQueueMills: 1000,
    startMills: 1100,
    finishMills: 1200,
    progress: 100,
    result: [
      { file: `2026-01-02/${JOB_ID}-0.png`, seed: 9223372036854775807n },
      { file: `2026-01-02/${JOB_ID}-1.png`, seed: 9007199254740993n },
    ],
    error: null,
    warnings: [],
    attempts: 1,
    ...overrides,
  };
}

/** JSON text, so key order counts as well as values (contract §5 field order). */
const wire = (value: unknown) => JSON.stringify(value);

test('a finished job: sync results carry /files URLs and exact decimal seeds, in the original key order', () => {
  assert.equal(
    wire(toGeneratedImageResults(task(), options)),
    wire([
      {
        base64: null,
        url: `${BASE}/files/2026-01-02/${JOB_ID}-0.png`,
        seed: '9223372036854775807',
        finish_reason: 'SUCCESS',
      },
      {
        base64: null,
        url: `${BASE}/files/2026-01-02/${JOB_ID}-1.png`,
        seed: '9007199254740993',
        finish_reason: 'SUCCESS',
      },
    ]),
  );
});

test('base64 only when the job asked for it: raw by default, a data URI naming the saved format with data-uri', () => {
  const files = [
    { file: '2026-01-02/a-0.png', seed: 1n },
    { file: '2026-01-02/a-1.jpg', seed: 2n },
  ];
  const raw = toGeneratedImageResults(task({ result: files }, true), options);
  assert.deepEqual(
    raw.map((r) => r.base64),
    ['B64(2026-01-02/a-0.png)', 'B64(2026-01-02/a-1.jpg)'],
  );
  const uri = toGeneratedImageResults(task({ result: files }, true), { ...options, base64Form: 'data-uri' });
  assert.deepEqual(
    uri.map((r) => r.base64),
    ['data:image/png;base64,B64(2026-01-02/a-0.png)', 'data:image/jpeg;base64,B64(2026-01-02/a-1.jpg)'],
  );
  assert.deepEqual(
    toGeneratedImageResults(task({ result: files }, false), options).map((r) => r.base64),
    [null, null],
  );
  assert.deepEqual(
    toGeneratedImageResults(task({ result: files }, true), { ...options, base64Of: undefined }).map((r) => r.base64),
    [null, null],
  );
});

test('a finished job polled: SUCCESS, progress 100, status Finished, results', () => {
  assert.equal(
    wire(toAsyncJobResponse(task(), null, query())),
    wire({
      job_id: JOB_ID,
      job_type: 'Text to Image',
      job_stage: 'SUCCESS',
      job_progress: 100,
      job_status: 'Finished',
      job_step_preview: null,
      job_result: toGeneratedImageResults(task(), options),
    }),
  );
});

test('a failed job: sync [] and, polled, stage ERROR with the error text in job_status and no result', () => {
  const failed = task({ status: 'failed', result: [], error: 'engine crashed', progress: 37 });
  assert.deepEqual(toGeneratedImageResults(failed, options), []);
  assert.equal(
    wire(toAsyncJobResponse(failed, null, query())),
    wire({
      job_id: JOB_ID,
      job_type: 'Text to Image',
      job_stage: 'ERROR',
      job_progress: 37,
      job_status: 'engine crashed',
      job_step_preview: null,
      job_result: null,
    }),
  );
});

test('a pending job: WAITING, progress 0, nothing else (also the async submit reply)', () => {
  const pending = task({ status: 'pending', startMills: null, finishMills: null, progress: 0, result: [] });
  assert.equal(
    wire(toAsyncJobResponse(pending, null, query(true))),
    wire({
      job_id: JOB_ID,
      job_type: 'Text to Image',
      job_stage: 'WAITING',
      job_progress: 0,
      job_status: null,
      job_step_preview: null,
      job_result: null,
    }),
  );
});

test('a running job: RUNNING with the live percent and message; the step preview only when asked, as raw base64', () => {
  const running = task({
    status: 'running',
    finishMills: null,
    progress: 0,
    result: [],
    mode: 'Image Upscale or Variation',
  });
  const live: LiveProgress = { percent: 42, message: 'Step 3/30 in the 1-th Sampling', preview: 'iVBORw0KGgo=' };
  assert.equal(
    wire(toAsyncJobResponse(running, live, query(true))),
    wire({
      job_id: JOB_ID,
      job_type: 'Image Upscale or Variation',
      job_stage: 'RUNNING',
      job_progress: 42,
      job_status: 'Step 3/30 in the 1-th Sampling',
      job_step_preview: 'iVBORw0KGgo=',
      job_result: null,
    }),
  );
  assert.equal(toAsyncJobResponse(running, live, query(false)).job_step_preview, null);
  assert.deepEqual(
    [
      toAsyncJobResponse(running, null, query(true)).job_progress,
      toAsyncJobResponse(running, null, query(true)).job_status,
    ],
    [0, null],
  );
});

test('a stopped or cancelled job ends SUCCESS with the images made before the stop', () => {
  const stopped = task({ status: 'stopped', result: [{ file: `2026-01-02/${JOB_ID}-0.png`, seed: 5n }] });
  const reply = toAsyncJobResponse(stopped, null, query());
  assert.deepEqual([reply.job_stage, reply.job_progress, reply.job_status], ['SUCCESS', 100, 'Finished']);
  assert.deepEqual(reply.job_result, [
    { base64: null, url: `${BASE}/files/2026-01-02/${JOB_ID}-0.png`, seed: '5', finish_reason: 'SUCCESS' },
  ]);
  const cancelled = toAsyncJobResponse(task({ status: 'cancelled', result: [], startMills: null }), null, query());
  assert.deepEqual([cancelled.job_stage, cancelled.job_result], ['SUCCESS', []]);
});

test('an all-in-one task seen here keeps its 32-hex id, shows its mode as job_type and its per-image seeds', () => {
  const aio = task({
    dialect: 'all-in-one',
    taskId: '0123456789abcdef0123456789abcdef',
    mode: 'Image Prompt',
    result: [{ file: '2026-01-02/2026-01-02_03-04-05_0000.png', seed: 77n }],
  });
  const reply = toAsyncJobResponse(aio, null, query());
  assert.deepEqual([reply.job_id, reply.job_type], ['0123456789abcdef0123456789abcdef', 'Image Prompt']);
  assert.deepEqual(reply.job_result, [
    {
      base64: null,
      url: `${BASE}/files/2026-01-02/2026-01-02_03-04-05_0000.png`,
      seed: '77',
      finish_reason: 'SUCCESS',
    },
  ]);
});

test('queue full: the exact sync and async bodies of the original', () => {
  assert.equal(wire(toQueueFullResults()), '[{"base64":null,"url":null,"seed":"","finish_reason":"QUEUE_IS_FULL"}]');
  assert.equal(
    wire(toQueueFullJobResponse('Image Prompt')),
    '{"job_id":"","job_type":"Image Prompt","job_stage":"ERROR","job_progress":0,"job_status":null,"job_step_preview":null,"job_result":[{"base64":null,"url":null,"seed":"","finish_reason":"QUEUE_IS_FULL"}]}',
  );
});

test('unknown job: the exact legacy 404 body', () => {
  assert.equal(
    wire(JOB_NOT_FOUND),
    '{"job_id":"","job_type":"Not Found","job_stage":"ERROR","job_progress":0,"job_status":"Job not found","job_step_preview":null,"job_result":null}',
  );
  assert.ok(Object.isFrozen(JOB_NOT_FOUND));
});

test('job-queue and job-history shapes', () => {
  assert.equal(wire(toJobQueueInfo(2, 5, JOB_ID)), `{"running_size":2,"finished_size":5,"last_job_id":"${JOB_ID}"}`);
  assert.equal(wire(toJobQueueInfo(0, 0, null)), '{"running_size":0,"finished_size":0,"last_job_id":null}');
  assert.equal(
    wire(toJobHistoryInfo(task())),
    `{"job_id":"${JOB_ID}","in_queue_mills":1000,"start_mills":1100,"finish_mills":1200,"is_finished":true}`,
  );
  const pending = toJobHistoryInfo(task({ status: 'pending', startMills: null, finishMills: null }));
  assert.deepEqual([pending.start_mills, pending.finish_mills, pending.is_finished], [0, 0, false]);
  assert.equal(toJobHistoryInfo(task({ status: 'running', finishMills: null })).is_finished, false);
  assert.equal(toJobHistoryInfo(task({ status: 'failed' })).is_finished, true);
});
