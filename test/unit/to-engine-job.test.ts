/** CommonRequest → EngineJob: which LoRAs reach the engine, in which order (fooocus-semantics.md §1). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMMON_REQUEST_DEFAULTS,
  type CommonRequest,
  type LoraSetting,
  type PerformanceSelection,
} from '../../adapters/common-request.ts';
import { toEngineJob } from '../../src/tasks/to-engine-job.ts';

const USER_LORAS: LoraSetting[] = [
  { enabled: true, model_name: 'detail.safetensors', weight: 0.6 },
  { enabled: true, model_name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1 },
];

function request(performance: PerformanceSelection, loras: LoraSetting[] = USER_LORAS): CommonRequest {
  return {
    ...COMMON_REQUEST_DEFAULTS,
    base_model_name: 'tiny',
    image_seed: 7n,
    style_selections: [],
    performance_selection: performance,
    loras,
  };
}

const isNoLoraWarning = (w: string) => w.includes('runs without its LoRA');

const CASES: { performance: PerformanceSelection; lora?: string; weight?: number }[] = [
  { performance: 'Speed' },
  { performance: 'Quality' },
  { performance: 'Extreme Speed', lora: 'sdxl_lcm_lora.safetensors', weight: 1 },
  { performance: 'Lightning', lora: 'sdxl_lightning_4step_lora.safetensors', weight: 1 },
  { performance: 'Hyper-SD', lora: 'sdxl_hyper_sd_4step_lora.safetensors', weight: 0.8 },
];

for (const { performance, lora, weight } of CASES) {
  const user = USER_LORAS.map((l) => ({ name: l.model_name, weight: l.weight }));
  const installed = [
    'detail.safetensors',
    'sd_xl_offset_example-lora_1.0.safetensors',
    'sdxl_lcm_lora.safetensors',
    'sdxl_lightning_4step_lora.safetensors',
    'sdxl_hyper_sd_4step_lora.safetensors',
  ];

  test(`${performance}: user LoRAs first, then ${lora ?? 'no performance LoRA'}, when installed`, () => {
    const { job, warnings } = toEngineJob('j', request(performance), installed);
    assert.deepEqual(
      job.loras,
      lora ? [...user, { name: lora, weight, baseOnly: true }] : user,
      'the performance LoRA goes into the base only (not the refiner)',
    );
    assert.deepEqual(warnings.filter(isNoLoraWarning), []);
  });

  if (lora) {
    test(`${performance}: without ${lora} installed, runs the user LoRAs only and says so`, () => {
      const { job, warnings } = toEngineJob(
        'j',
        request(performance),
        installed.filter((n) => n !== lora),
      );
      assert.deepEqual(job.loras, user);
      assert.deepEqual(warnings.filter(isNoLoraWarning), [
        `performance '${performance}' runs without its LoRA ${lora} (not installed under models/loras)`,
      ]);
    });
  }
}

test('a performance LoRA is added after five user LoRAs (outside the limit) and disabled entries are left out', () => {
  const five = Array.from({ length: 5 }, (_, i) => ({
    enabled: true,
    model_name: `l${i}.safetensors`,
    weight: i / 10,
  }));
  const { job } = toEngineJob(
    'j',
    request('Lightning', [...five, { enabled: false, model_name: 'off.safetensors', weight: 1 }]),
    ['sdxl_lightning_4step_lora.safetensors'],
  );
  assert.deepEqual(
    job.loras.map((l) => l.name),
    [
      'l0.safetensors',
      'l1.safetensors',
      'l2.safetensors',
      'l3.safetensors',
      'l4.safetensors',
      'sdxl_lightning_4step_lora.safetensors',
    ],
  );
  assert.deepEqual(
    job.loras.map((l) => l.weight),
    [0, 0.1, 0.2, 0.3, 0.4, 1],
  );
});

test('no LoRAs at all: an empty list', () => {
  assert.deepEqual(toEngineJob('j', request('Speed', []), []).job.loras, []);
});
