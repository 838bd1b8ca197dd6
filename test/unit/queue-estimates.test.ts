import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { describe, it } from 'node:test';
import { queueMessage, toOriginalStreamEvent } from '../../adapters/all-in-one/queue-fields.ts';
import { estimateQueue, parseSamplingStep, remainingSteps } from '../../adapters/sampling-progress.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { GatewayMetrics } from '../../src/metrics/gateway-metrics.ts';
import { StepTimings } from '../../src/queue/step-timings.ts';
import { TaskEventHub } from '../../src/tasks/task-events.ts';
import { HttpWebhookSender } from '../../src/webhooks/webhook-sender.ts';

describe('queue estimates', () => {
  it("reads Fooocus's sampling message and counts the steps left over the remaining images", () => {
    const at = parseSamplingStep('Sampling step 3/30, image 1/2 ...');
    assert.deepEqual(at, { step: 3, steps: 30, image: 1, images: 2 });
    assert.equal(remainingSteps(at!), 57);
    assert.equal(parseSamplingStep('Loading models ...'), null);
  });

  it('puts each pending task after the running one and everything ahead of it; no rate, no made-up ETA', () => {
    assert.deepEqual(estimateQueue(10, [30, 8], 0.5), [
      { position: 1, etaSeconds: 20 },
      { position: 2, etaSeconds: 24 },
    ]);
    assert.deepEqual(estimateQueue(null, [4], null), [{ position: 1, etaSeconds: null }]);
    assert.equal(queueMessage({ position: 2, etaSeconds: 0.2 }), 'Waiting in queue: position 2, about 1 s');
    assert.equal(queueMessage({ position: 1, etaSeconds: null }), 'Waiting in queue: position 1');
  });

  it("keeps FooocusAPI's four stream keys, folding the demo note into a waiting event's message", () => {
    const event = {
      progress: 0,
      preview: null,
      message: 'Waiting in queue: position 1',
      images: [],
      queue_position: 1,
      eta_seconds: null,
      demo_model: 'tiny',
    };
    assert.deepEqual(toOriginalStreamEvent(event), {
      progress: 0,
      preview: null,
      message: "Waiting in queue: position 1 (demo checkpoint 'tiny': its images are noise)",
      images: [],
    });
    assert.deepEqual(
      Object.keys(toOriginalStreamEvent({ progress: 5, preview: null, message: 'm', images: [], demo_model: 'tiny' })),
      ['progress', 'preview', 'message', 'images'],
    );
  });

  it('times consecutive sampling steps of one image only (model loading and decoding do not count)', () => {
    const hub = new TaskEventHub();
    let now = 0;
    const timings = new StepTimings(hub, () => now);
    const at = (t: number, message: string) => {
      now = t;
      hub.progress('t1', 50, message, undefined);
    };
    at(0, 'Loading models ...');
    at(1000, 'Sampling step 1/4, image 1/2 ...');
    at(1200, 'Sampling step 3/4, image 1/2 ...');
    at(5000, 'Sampling step 1/4, image 2/2 ...');
    assert.equal(timings.secondsPerStep(), 0.1);
    assert.deepEqual(timings.positionOf('t1'), { step: 1, steps: 4, image: 2, images: 2 });
  });
});

describe('metrics hooks', () => {
  it('counts engine restarts and webhook failures, final ones apart', async () => {
    const hub = new TaskEventHub();
    const metrics = new GatewayMetrics({
      hub,
      steps: new StepTimings(hub, Date.now),
      queueDepth: async () => ({ running: 0, pending: 0 }),
      countByStatus: async () => 0,
    });
    metrics.engineRestarted();
    const target = createServer((_req, res) => res.writeHead(500).end());
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as { port: number }).port}/hook`;
    const sender = new HttpWebhookSender({
      logger: createMemoryLogger(),
      retries: 1,
      baseDelayMs: 1,
      allowPrivate: true,
      onFailure: (isFinal) => metrics.webhookFailed(isFinal),
    });
    sender.send({ url, body: '{}', isTrusted: true });
    await sender.drain();
    target.close();
    const text = await metrics.render();
    assert.match(text, /^fooocus_engine_restarts_total 1$/m);
    assert.match(text, /^fooocus_webhook_failures_total\{final="false"\} 1$/m);
    assert.match(text, /^fooocus_webhook_failures_total\{final="true"\} 1$/m);
  });
});
