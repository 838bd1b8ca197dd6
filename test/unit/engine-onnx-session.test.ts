import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError } from '../../engine/errors.ts';
import { parseDevice, providerChain, ProviderSelector } from '../../engine/onnx/providers.ts';
import { OnnxSession, threadingOptions } from '../../engine/onnx/session.ts';
import { tinyCheckpoint } from '../fixtures/tiny-checkpoint.ts';

async function open(component: string, options = {}, log: string[] = []): Promise<OnnxSession> {
  const { checkpointDir } = await tinyCheckpoint(options);
  return OnnxSession.create(join(checkpointDir, component, 'model.onnx'), {
    provider: 'cpu',
    threads: 1,
    label: component,
    log: (l) => log.push(l),
  });
}

test('exposes input and output names, dtypes and symbolic shapes from the model metadata', async () => {
  const unet = await open('unet');
  assert.deepEqual(
    unet.inputs.map((i) => [i.name, i.dtype, i.shape]),
    [
      ['sample', 'float32', ['batch_size', 4, 'height', 'width']],
      ['timestep', 'int64', ['steps']],
      ['encoder_hidden_states', 'float32', ['batch_size', 'sequence_length', 64]],
      ['text_embeds', 'float32', ['batch_size', 32]],
      ['time_ids', 'float32', ['batch_size', 6]],
    ],
  );
  assert.deepEqual(
    unet.outputs.map((o) => o.name),
    ['out_sample'],
  );
  const te2 = await open('text_encoder_2');
  assert.deepEqual(
    te2.outputs.slice(0, 3).map((o) => o.name),
    ['text_embeds', 'last_hidden_state', 'hidden_states.0'],
  );
  assert.equal(te2.outputs.length, 2 + 6);
});

test('reports every missing feed in one error naming each input with dtype and shape', async () => {
  const unet = await open('unet');
  await assert.rejects(
    unet.run({ sample: { data: new Float32Array(4 * 8 * 8), dims: [1, 4, 8, 8] } }),
    (error: unknown) => {
      assert.ok(error instanceof EngineError);
      assert.equal(error.kind, 'runtime-failure');
      for (const name of [
        'timestep int64[steps]',
        'encoder_hidden_states float32',
        'text_embeds float32',
        'time_ids float32',
      ])
        assert.match(error.message, new RegExp(name.replace(/[[\]]/g, '\\$&')));
      return true;
    },
  );
});

test('warns about extra feeds, fetches only the requested outputs and converts int64 ids', async () => {
  const log: string[] = [];
  const te2 = await open('text_encoder_2', {}, log);
  const ids = [49406, 320, 1929, 49407, ...new Array(73).fill(0)];
  const out = await te2.run({ input_ids: { data: ids, dims: [1, 77] }, bogus: { data: [1], dims: [1] } }, [
    'text_embeds',
    'hidden_states.4',
  ]);
  assert.deepEqual(Object.keys(out).sort(), ['hidden_states.4', 'text_embeds']);
  assert.deepEqual(out.text_embeds.dims, [1, 32]);
  assert.ok(out.text_embeds.data instanceof Float32Array);
  assert.deepEqual(out['hidden_states.4'].dims, [1, 77, 40]);
  assert.ok(
    log.some((l) => l.includes('bogus')),
    `log: ${log.join(' | ')}`,
  );
  await assert.rejects(
    te2.run({ input_ids: { data: ids, dims: [1, 77] } }, ['pooler_output']),
    /no outputs named pooler_output/,
  );
});

test('feeds float16 models from float32 data and returns float32 outputs close to the fp32 model', async () => {
  const ids = [49406, 320, 1929, 49407, ...new Array(73).fill(0)];
  const te32 = await open('text_encoder_2', { seed: 7 });
  const te16 = await open('text_encoder_2', { seed: 7, dtype: 'float16' });
  const a = (await te32.run({ input_ids: { data: ids, dims: [1, 77] } }, ['text_embeds'])).text_embeds.data;
  const b = (await te16.run({ input_ids: { data: ids, dims: [1, 77] } }, ['text_embeds'])).text_embeds.data;
  assert.ok(b instanceof Float32Array);
  assert.equal(te16.output('text_embeds')?.dtype, 'float16');
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) < 0.02 * Math.max(1, Math.abs(a[i])), `index ${i}: ${a[i]} vs ${b[i]}`);
  const unet16 = await open('unet', { seed: 7, dtype: 'float16', timestep: 'float32-scalar' });
  assert.equal(unet16.input('timestep')?.dtype, 'float16');
  assert.deepEqual(unet16.input('timestep')?.shape, []);
});

test('rejects a feed whose data does not fill its dims', async () => {
  const te = await open('text_encoder');
  await assert.rejects(te.run({ input_ids: { data: [1, 2, 3], dims: [1, 77] } }), /3 values do not fill dims \[1,77\]/);
});

test('maps --device to provider chains and rejects unknown devices naming the field', () => {
  assert.deepEqual(providerChain(parseDevice('auto'), true), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(providerChain(parseDevice(undefined), true), ['cuda', 'webgpu', 'cpu']);
  // Without the CUDA provider libraries (the default offline install) auto does not ask for CUDA.
  assert.deepEqual(providerChain(parseDevice('auto'), false), ['webgpu', 'cpu']);
  assert.deepEqual(providerChain(parseDevice('CPU')), ['cpu']);
  assert.deepEqual(providerChain(parseDevice('cuda')), ['cuda', 'cpu']);
  assert.throws(
    () => parseDevice('tpu'),
    (e: unknown) =>
      e instanceof EngineError && e.field === 'device' && /available: auto, cuda, webgpu, cpu/.test(e.message),
  );
});

test('falls back from a provider whose session creation throws, logs it once and remembers the provider used', async () => {
  const log: string[] = [];
  const attempts: string[] = [];
  const selector = new ProviderSelector(
    'auto',
    1,
    (l) => log.push(l),
    async (model, options) => {
      attempts.push(options.provider);
      if (options.provider !== 'cpu') throw new Error(`${options.provider} libraries missing\nsecond line`);
      return OnnxSession.create(model, options);
    },
    true,
  );
  assert.equal(selector.provider, 'none');
  assert.equal(await selector.probe(), 'cpu');
  assert.equal(selector.provider, 'cpu');
  assert.deepEqual(attempts, ['cuda', 'webgpu', 'cpu']);
  assert.ok(
    log.some((l) => l === 'provider probe: execution provider cuda failed (cuda libraries missing); falling back'),
    log.join(' | '),
  );
  const { checkpointDir } = await tinyCheckpoint();
  const session = await selector.createSession(join(checkpointDir, 'vae_decoder', 'model.onnx'), 'vae');
  assert.equal(session.provider, 'cpu');
  assert.deepEqual(attempts, ['cuda', 'webgpu', 'cpu', 'cpu'], 'a provider that failed is not retried');
});

test('fails with a runtime-failure listing each provider when none can load the model', async () => {
  const selector = new ProviderSelector('cpu', 1, () => {});
  await assert.rejects(
    selector.createSession(new Uint8Array([1, 2, 3]), 'garbage'),
    (e: unknown) =>
      e instanceof EngineError &&
      e.kind === 'runtime-failure' &&
      /garbage: no execution provider could load the model \(cpu: /.test(e.message),
  );
});

test('the real onnxruntime-node ends on a working provider for --device cuda', async () => {
  // CPU-only hosts have no CUDA provider libraries: cuda throws there and must fall back to cpu.
  const selector = new ProviderSelector('cuda', 1, () => {});
  assert.ok(['cuda', 'cpu'].includes(await selector.probe()));
});

test('sessions run sequentially with idle pool threads that sleep instead of spinning, unless spinning is asked for', () => {
  const options = threadingOptions({ threads: 3 });
  assert.equal(options.intraOpNumThreads, 3);
  assert.equal(options.interOpNumThreads, 1);
  assert.equal(options.executionMode, 'sequential');
  // The binding joins nested keys with dots: session.intra_op.allow_spinning = "0" (a string, as it requires).
  assert.deepEqual(options.extra, {
    session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
  });
  assert.deepEqual(threadingOptions({ allowSpinning: true }).extra, {
    session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '1' } },
  });
  assert.equal('intraOpNumThreads' in threadingOptions({}), false, 'no thread count: onnxruntime picks one');
});
