import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ModelCatalogue } from '../../src/catalogue/model-catalogue.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';

async function installCheckpoint(modelsDir: string, name: string): Promise<void> {
  await mkdir(join(modelsDir, 'checkpoints', name, 'unet'), { recursive: true });
  await writeFile(join(modelsDir, 'checkpoints', name, 'unet', 'model.onnx'), 'not parsed by the listing');
}

describe('ModelCatalogue caching', () => {
  let root: string;
  let catalogue: ModelCatalogue;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'catalogue-'));
    await mkdir(join(root, 'presets'));
    await installCheckpoint(join(root, 'models'), 'first');
    catalogue = new ModelCatalogue({
      modelsDir: join(root, 'models'),
      presetsDir: join(root, 'presets'),
      configuredDefaultModel: null,
      serverPreset: null,
      isStrict: false,
      demoModelName: null,
      logger: createMemoryLogger(),
    });
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('sees a checkpoint or LoRA installed after the last scan at once (the folder changed)', async () => {
    assert.deepEqual((await catalogue.listModels()).models, ['first']);
    await installCheckpoint(join(root, 'models'), 'second');
    await mkdir(join(root, 'models', 'loras'), { recursive: true });
    await writeFile(join(root, 'models', 'loras', 'style.safetensors'), '');
    assert.deepEqual(await catalogue.listModels(), { models: ['first', 'second'], loras: ['style.safetensors'] });
  });

  it('answers concurrent refreshes of an unchanged folder from one snapshot', async () => {
    const snapshots = await Promise.all(Array.from({ length: 8 }, () => catalogue.refresh()));
    for (const snapshot of snapshots) assert.equal(snapshot, snapshots[0]);
  });

  it('force rescans even when no folder changed (legacy refresh-models)', async () => {
    const cached = await catalogue.refresh();
    assert.equal(await catalogue.refresh(), cached);
    const forced = await catalogue.refresh({ force: true });
    assert.notEqual(forced, cached);
    assert.deepEqual(forced.models, cached.models);
  });
});
