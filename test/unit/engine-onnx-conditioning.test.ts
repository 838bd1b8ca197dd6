import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consistentTimeIds, emphasizedTimeIds, isAdmEmphasized } from '../../engine/unet/adm.ts';
import { applyGuidance, progressOf } from '../../engine/unet/guidance.ts';
import { ProgressPlan } from '../../engine/pipeline/progress-plan.ts';
import { imageSeed, MAX_SEED } from '../../engine/pipeline/seeds.ts';
import { validateJob } from '../../engine/pipeline/validate-job.ts';
import { EngineError } from '../../engine/errors.ts';
import { engineJob } from '../fixtures/engine-job.ts';

test('builds Fooocus ADM time ids: 1152×896 positive (1344,1728), negative (716,921), consistent = target', () => {
  assert.deepEqual(emphasizedTimeIds(1152, 896, 1.5), [1344, 1728, 0, 0, 896, 1152]);
  assert.deepEqual(emphasizedTimeIds(1152, 896, 0.8), [716, 921, 0, 0, 896, 1152]);
  assert.deepEqual(consistentTimeIds(1000, 760), [768, 1024, 0, 0, 768, 1024]);
  assert.equal(isAdmEmphasized(700, 0.3), true);
  assert.equal(isAdmEmphasized(699, 0.3), false);
  assert.equal(isAdmEmphasized(999, 0), false);
});

test('applies plain CFG at or below adaptive_cfg and blends towards the mimic scale early on above it', () => {
  const u = Float32Array.from([0, 1]);
  const c = Float32Array.from([1, 3]);
  assert.deepEqual([...applyGuidance(u, c, 4, 7, 0.5)], [4, 9]);
  // scale 10 > 7: progress 0 behaves like 7, progress 1 like 10, halfway like 8.5.
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 0)], [7, 15]);
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 1)], [10, 21]);
  assert.deepEqual([...applyGuidance(u, c, 10, 7, 0.5)], [8.5, 18]);
  assert.equal(progressOf(999), 0);
  assert.equal(progressOf(0), 1);
});

test('reports Fooocus progress values: P=5, δ=(100−P)/(steps·n), truncated', () => {
  const plan = new ProgressPlan(30, 2);
  assert.equal(plan.preparing(0), 5);
  assert.equal(plan.step(0, 0), Math.trunc(5 + 95 / 60));
  assert.equal(plan.saving(0), 52);
  assert.equal(plan.preparing(1), 52);
  assert.equal(plan.step(1, 29), 99);
  assert.equal(plan.saving(1), 99);
  assert.equal(new ProgressPlan(4, 1).saving(0), 100);
});

test('increments seeds per image and wraps past 2^63−1 to 0', () => {
  assert.equal(imageSeed(10n, 2, false), 12n);
  assert.equal(imageSeed(10n, 2, true), 10n);
  assert.equal(imageSeed(MAX_SEED, 1, false), 0n);
  assert.equal(imageSeed(MAX_SEED - 1n, 3, false), 1n);
});

test('rejects sizes that are not multiples of 8 and other bad fields with an invalid-input error naming the field', () => {
  const cases: [Parameters<typeof engineJob>[0], string][] = [
    [{ width: 1000 + 4 }, 'width'],
    [{ height: 0 }, 'height'],
    [{ steps: 0 }, 'steps'],
    [{ imageNumber: 1.5 }, 'imageNumber'],
    [{ seed: -1n }, 'seed'],
    [{ seed: MAX_SEED + 1n }, 'seed'],
    [{ guidanceScale: Number.NaN }, 'guidanceScale'],
    [{ outputFormat: 'gif' as never }, 'outputFormat'],
  ];
  for (const [override, field] of cases) {
    assert.throws(
      () => validateJob(engineJob(override)),
      (e: unknown) =>
        e instanceof EngineError && e.kind === 'invalid-input' && e.field === field && e.message.startsWith(field),
      field,
    );
  }
  assert.doesNotThrow(() => validateJob(engineJob({ width: 1152, height: 896, seed: MAX_SEED })));
});
