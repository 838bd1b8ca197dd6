/**
 * CommonRequest → EngineJob for the image modes (src/tasks/to-engine-job.ts): which image job the
 * engine gets per tab, Fooocus's upscale step counts (fooocus-semantics §1), the Custom factor, the
 * inpaint fields, and what is said about names the engine does not know.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMMON_REQUEST_DEFAULTS,
  type CommonRequest,
  type ImageInput,
  type PerformanceSelection,
} from '../../adapters/common-request.ts';
import { toEngineJob } from '../../src/tasks/to-engine-job.ts';

const STORED: ImageInput = { kind: 'stored', file: 'abc.png', width: 101, height: 77 };
const MASK: ImageInput = { kind: 'stored', file: 'mask.png', width: 50, height: 40 };
const base = (overrides: Partial<CommonRequest>): CommonRequest => ({
  ...COMMON_REQUEST_DEFAULTS,
  base_model_name: 'tiny',
  image_seed: 7n,
  style_selections: [],
  ...overrides,
});
const uov = (method: CommonRequest['uov_method'], overrides: Partial<CommonRequest> = {}) =>
  base({ uov_input_image: STORED, uov_method: method, current_tab: 'uov', ...overrides });

test('upscale 1.5x/2x/Custom sample with StepsUOV (36/18/8/4/4); vary and Fast 2x keep the mode steps; overwrite_step wins', () => {
  const uovSteps: Record<PerformanceSelection, number> = {
    Quality: 36,
    Speed: 18,
    'Extreme Speed': 8,
    Lightning: 4,
    'Hyper-SD': 4,
  };
  for (const [performance, steps] of Object.entries(uovSteps) as [PerformanceSelection, number][]) {
    for (const method of ['Upscale (1.5x)', 'Upscale (2x)', 'Upscale (Custom)'] as const)
      assert.equal(
        toEngineJob('j', uov(method, { performance_selection: performance }), []).job.steps,
        steps,
        `${performance} ${method}`,
      );
  }
  assert.equal(toEngineJob('j', uov('Vary (Strong)'), []).job.steps, 30);
  assert.equal(toEngineJob('j', uov('Upscale (Fast 2x)', { performance_selection: 'Quality' }), []).job.steps, 60);
  assert.equal(toEngineJob('j', uov('Upscale (2x)', { overwrite_step: 7 }), []).job.steps, 7);
});

test('upscale-or-vary job: the stored image, the method, the Custom factor clamped to 1..5, the strength overrides', () => {
  const { job } = toEngineJob(
    'j',
    uov('Upscale (Custom)', { upscale_multiple: 7, overwrite_vary_strength: 0.3, overwrite_upscale_strength: 0.6 }),
    [],
  );
  assert.deepEqual(job.imageInput, {
    kind: 'upscale-or-vary',
    image: { file: 'abc.png', width: 101, height: 77 },
    method: 'Upscale (Custom)',
    customFactor: 5,
    varyStrength: 0.3,
    upscaleStrength: 0.6,
  });
  assert.equal(
    toEngineJob('j', uov('Disabled'), []).job.imageInput,
    undefined,
    'uov_method Disabled is text to image, as Fooocus',
  );
});

test('a refiner switch is taken from the upscale steps (round(18 × 0.5) = 9)', () => {
  assert.equal(toEngineJob('j', uov('Upscale (2x)', { refiner_model_name: 'other' }), []).job.refiner?.switchAt, 9);
});

test('Fast 2x processes no prompt, so no prompt-side warnings are given for it', () => {
  const fast = toEngineJob(
    'j',
    uov('Upscale (Fast 2x)', { performance_selection: 'Lightning', style_selections: ['Fooocus V2'] }),
    [],
  );
  assert.deepEqual(fast.warnings, []);
  const vary = toEngineJob(
    'j',
    uov('Vary (Subtle)', { performance_selection: 'Lightning', style_selections: ['Fooocus V2'] }),
    [],
  );
  assert.equal(vary.warnings.length, 2);
});

test('inpaint job: mask only with the masking checkbox, sides lower-cased and unique, distances, every inpaint field', () => {
  const request = base({
    inpaint_input_image: STORED,
    inpaint_mask_image_upload: MASK,
    inpaint_advanced_masking_checkbox: true,
    current_tab: 'inpaint',
    outpaint_selections: ['Left', 'Top', 'Left'],
    outpaint_distance: [10, 0, 0, 20],
    inpaint_erode_or_dilate: -3,
    invert_mask_checkbox: true,
    inpaint_strength: 0.7,
    inpaint_respective_field: 0.4,
    inpaint_disable_initial_latent: true,
    inpaint_engine: 'v2.5',
    inpaint_additional_prompt: 'a hat',
    debugging_inpaint_preprocessor: true,
  });
  assert.deepEqual(toEngineJob('j', request, []).job.imageInput, {
    kind: 'inpaint',
    image: { file: 'abc.png', width: 101, height: 77 },
    mask: { file: 'mask.png', width: 50, height: 40 },
    outpaint: ['left', 'top'],
    outpaintDistance: [10, 0, 0, 20],
    erodeOrDilate: -3,
    isMaskInverted: true,
    strength: 0.7,
    respectiveField: 0.4,
    isInitialLatentDisabled: true,
    engine: 'v2.5',
    additionalPrompt: 'a hat',
    isPreprocessorDebug: true,
  });
  const unchecked = toEngineJob('j', { ...request, inpaint_advanced_masking_checkbox: false }, []).job.imageInput;
  assert.equal(unchecked?.kind === 'inpaint' ? unchecked.mask : 'none', undefined);
});

test('an unknown inpaint_engine runs v2.6 and says so; an image that was never stored is a bug, not a silent text job', () => {
  const { job, warnings } = toEngineJob(
    'j',
    base({ inpaint_input_image: STORED, current_tab: 'inpaint', inpaint_engine: 'v9' }),
    [],
  );
  assert.equal(job.imageInput?.kind === 'inpaint' && job.imageInput.engine, 'v2.6');
  assert.deepEqual(warnings, ["inpaint_engine 'v9' is unknown; used v2.6 (available: None, v1, v2.5, v2.6)"]);
  assert.throws(
    () =>
      toEngineJob('j', uov('Vary (Subtle)', { uov_input_image: { kind: 'url', url: 'http://example.com/a.png' } }), []),
    /unresolved/,
  );
});
