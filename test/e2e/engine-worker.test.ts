/**
 * The engine child over real IPC (fork + tsx + advanced serialization), as the gateway runs it:
 * ready → run → progress/image/done, stop honoured, failures as messages, and no orphan after
 * the parent dies.
 */
import assert from 'node:assert/strict';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { EngineToGateway, GatewayToEngine } from '../../engine/protocol.ts';
import { engineJob } from '../fixtures/engine-job.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';
import { isAlive as isProcessAlive } from '../fixtures/process-state.ts';

const WORKER = fileURLToPath(new URL('../../engine/worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcess[] = [];

after(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

interface Engine {
  child: ChildProcess;
  messages: EngineToGateway[];
  next(predicate: (m: EngineToGateway) => boolean, timeoutMs?: number): Promise<EngineToGateway>;
  send(message: GatewayToEngine): void;
}

async function startEngine(): Promise<Engine> {
  const { modelsDir } = await tinyCheckpoint({}, 'tiny');
  const child = fork(WORKER, [], {
    execArgv: ['--import', 'tsx'],
    serialization: 'advanced',
    cwd: ROOT,
    env: { ...process.env, FOOOCUS_MODELS_DIR: modelsDir, FOOOCUS_DEVICE: 'cpu', FOOOCUS_THREADS: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  child.stderr?.resume();
  const messages: EngineToGateway[] = [];
  const waiters: { predicate: (m: EngineToGateway) => boolean; resolve: (m: EngineToGateway) => void }[] = [];
  child.on('message', (m: EngineToGateway) => {
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.predicate(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const next = (predicate: (m: EngineToGateway) => boolean, timeoutMs = 20_000) =>
    new Promise<EngineToGateway>((resolve, reject) => {
      const seen = messages.find(predicate);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`timed out; messages: ${messages.map((m) => m.type).join(',')}`)),
        timeoutMs,
      );
      waiters.push({ predicate, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  return { child, messages, next, send: (m) => child.send(m) };
}

test('sends ready, then progress, the image and done for a job; failures come back as messages', async () => {
  const engine = await startEngine();
  const ready = await engine.next((m) => m.type === 'ready');
  assert.deepEqual(ready, { type: 'ready', info: { provider: 'cpu', threads: 1 } });

  engine.send({ type: 'run', job: engineJob({ jobId: 'w1', model: 'tiny.safetensors', seed: 2n ** 60n, steps: 3 }) });
  const done = await engine.next((m) => m.type === 'done' || m.type === 'failed');
  assert.equal(done.type, 'done');
  if (done.type !== 'done') return;
  assert.equal(done.outcome, 'finished');
  assert.ok(done.engineMs > 0);
  const image = engine.messages.find((m) => m.type === 'image');
  assert.ok(image && image.type === 'image');
  assert.equal(image.seed, 2n ** 60n, 'bigint seed survives IPC');
  assert.ok(image.bytes instanceof Uint8Array && image.bytes.length > 100);
  const steps = engine.messages.filter((m) => m.type === 'progress' && m.message.startsWith('Sampling step'));
  assert.equal(steps.length, 3);
  assert.ok(steps.every((m) => m.type === 'progress' && m.preview instanceof Uint8Array));

  engine.send({ type: 'run', job: engineJob({ jobId: 'w2', model: 'missing-model' }) });
  const failed = await engine.next((m) => m.type === 'failed' && m.jobId === 'w2');
  assert.equal(failed.type === 'failed' && failed.error.kind, 'model-missing');
  engine.send({ type: 'run', job: engineJob({ jobId: 'w3', model: 'tiny', height: 100 }) });
  const invalid = await engine.next((m) => m.type === 'failed' && m.jobId === 'w3');
  assert.deepEqual(invalid.type === 'failed' && [invalid.error.kind, invalid.error.field], ['invalid-input', 'height']);
  engine.send({ type: 'shutdown' });
  await new Promise((resolve) => engine.child.once('exit', resolve));
  assert.equal(engine.child.exitCode, 0);
});

test('honours stop: the job ends as stopped with the images finished so far', async () => {
  const engine = await startEngine();
  await engine.next((m) => m.type === 'ready');
  engine.send({
    type: 'run',
    job: engineJob({ jobId: 's1', model: 'tiny', imageNumber: 3, steps: 40, width: 256, height: 256 }),
  });
  await engine.next((m) => m.type === 'progress' && m.message.startsWith('Sampling step 2/40, image 2/3'));
  engine.send({ type: 'control', jobId: 's1', action: 'stop' });
  const done = await engine.next((m) => m.type === 'done' || m.type === 'failed');
  assert.deepEqual(done.type === 'done' && done.outcome, 'stopped');
  const images = engine.messages.filter((m) => m.type === 'image');
  assert.deepEqual(
    images.map((m) => m.type === 'image' && m.index),
    [0],
  );
  engine.child.kill('SIGKILL');
});

test('exits within 2 s after its parent is killed with SIGKILL (no orphan)', async () => {
  const { modelsDir } = await tinyCheckpoint({}, 'tiny');
  // An intermediate parent forks the worker and starts a long job; once sampling runs it reports
  // the worker's pid and is SIGKILLed. A busy worker would otherwise keep running the job.
  const job = engineJob({ jobId: 'orphan', model: 'tiny', width: 1152, height: 896, steps: 200, imageNumber: 4 });
  const parentScript = `
    import { fork } from 'node:child_process';
    const child = fork(${JSON.stringify(WORKER)}, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    let reported = false;
    child.on('message', (m) => {
      if (m.type === 'ready') child.send({ type: 'run', job: { ...${JSON.stringify({ ...job, seed: undefined })}, seed: 1n } });
      if (m.type === 'progress' && m.message.startsWith('Sampling') && !reported) { reported = true; console.log('PID ' + child.pid); }
    });
  `;
  const parent = spawn(process.execPath, ['--input-type=module', '-e', parentScript], {
    cwd: ROOT,
    env: { ...process.env, FOOOCUS_MODELS_DIR: modelsDir, FOOOCUS_DEVICE: 'cpu', FOOOCUS_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(parent);
  const pid = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker never became ready')), 20_000);
    let out = '';
    parent.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /PID (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
  });
  const isAlive = () => isProcessAlive(pid);
  assert.ok(isAlive());
  parent.kill('SIGKILL');
  const killedAt = Date.now();
  while (isAlive() && Date.now() - killedAt < 2000) await new Promise((r) => setTimeout(r, 50));
  const alive = isAlive();
  if (alive) process.kill(pid, 'SIGKILL');
  assert.equal(alive, false, `worker ${pid} still running 2 s after its parent died`);
});
