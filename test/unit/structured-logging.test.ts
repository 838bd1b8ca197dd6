import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeProviderChoice,
  lineSplitter,
  logEngineLine,
  shortenReason,
} from '../../src/engine-client/engine-log-lines.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { createPinoLogger, formatTextLine } from '../../src/logging/pino-logger.ts';
import { correlationOf, rememberTaskRequest, runWithRequestId } from '../../src/logging/request-context.ts';

function collector(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

describe('pino logger', () => {
  it('writes one JSON object per line with level, time and message, honouring the level', () => {
    const out = collector();
    const logger = createPinoLogger({ level: 'info', format: 'json', destination: out });
    logger.debug('hidden');
    logger.info('shown');
    assert.equal(out.lines.length, 1);
    const entry = JSON.parse(out.lines[0]) as Record<string, unknown>;
    assert.equal(entry.msg, 'shown');
    assert.equal(entry.level, 30);
    assert.equal(typeof entry.time, 'number');
  });

  it('carries the request id into lines about a task the request created, even outside the request', () => {
    const out = collector();
    const logger = createPinoLogger({ level: 'debug', format: 'json', destination: out });
    const taskId = '0123456789abcdef0123456789abcdef';
    runWithRequestId('req-7', () => rememberTaskRequest(taskId));
    logger.info(`task ${taskId}: engine 12 ms for 1 image(s)`);
    const entry = JSON.parse(out.lines[0]) as Record<string, unknown>;
    assert.equal(entry.request_id, 'req-7');
    assert.equal(entry.task_id, taskId);
    // The dashed form of the same id (legacy routes) finds the same request.
    assert.equal(correlationOf('job 01234567-89ab-cdef-0123-456789abcdef done').request_id, 'req-7');
  });

  it('serialises an error with its stack and prints readable text lines in text format', () => {
    const out = collector();
    const logger = createPinoLogger({ level: 'info', format: 'text', destination: out });
    runWithRequestId('r1', () => logger.error('boom', new Error('bad thing')));
    assert.match(out.lines[0], /^\d{4}-\d{2}-\d{2}T[\d:.]+Z ERROR boom {2}request_id=r1\n {4}Error: bad thing\n/);
    assert.equal(formatTextLine('{"level":40,"time":0,"msg":"m","k":1}'), '1970-01-01T00:00:00.000Z WARN  m  k=1\n');
  });
});

describe('engine stderr and the provider line', () => {
  it('says in one line which providers were tried, why they failed (shortened at a word), and which was chosen', () => {
    const reason =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize() ' +
      'adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters ' +
      'found for the requested options with several more words after them to go past the limit';
    const line = describeProviderChoice({ provider: 'cpu', threads: 3, tried: [{ provider: 'webgpu', reason }] });
    assert.match(
      line,
      /^engine ready: execution provider: tried webgpu \(Failed to get a WebGPU adapter: No supported adapters .* …\); chose cpu; 3 threads$/,
    );
    assert.ok(!line.includes('webgpu_context.cc'));
    assert.equal(
      describeProviderChoice({ provider: 'cpu', threads: 1 }),
      'engine ready: execution provider cpu; 1 thread',
    );
    assert.equal(shortenReason('short reason'), 'short reason');
    assert.equal(shortenReason('alpha beta gamma', 12), 'alpha beta …');
  });

  it('keeps native onnxruntime output at debug and engine failures at warn, splitting chunks into whole lines', () => {
    const logger = createMemoryLogger();
    const feed = lineSplitter((line) => logEngineLine(logger, line));
    feed("Warning: Couldn't load Vulkan: libvulkan.so.1\n[engine] ready: provider cpu");
    feed(', 1 threads\n[engine] job abc failed: x\n[engine] fatal: y\n');
    assert.deepEqual(logger.lines, [
      "debug engine (native): Warning: Couldn't load Vulkan: libvulkan.so.1",
      'debug engine: ready: provider cpu, 1 threads',
      'warn engine: job abc failed: x',
      'error engine: fatal: y',
    ]);
  });
});
