import { strict as assert } from 'node:assert';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  classifyFooocusFile,
  FooocusConfigError,
  readFooocusLayout,
  scanFooocusFiles,
} from '../../engine/import/fooocus-folder.ts';
import { FooocusImports } from '../../engine/import/fooocus-imports.ts';
import { cachedImport, importCacheRoot, isImportLink, sourceHash } from '../../engine/import/import-cache.ts';
import { kindsForJob } from '../../engine/import/job-imports.ts';
import { listCheckpoints, listLoras } from '../../engine/models/registry.ts';
import { ModelCatalogue } from '../../src/catalogue/model-catalogue.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { folderListing } from '../fixtures/generated-results.ts';

async function fooocusFolder(root: string): Promise<string> {
  const models = join(root, 'fooocus', 'models');
  const files: Record<string, string> = {
    'checkpoints/juggernautXL_v8Rundiffusion.safetensors': 'ckpt-a',
    'checkpoints/realisticStockPhoto_v20.safetensors': 'ckpt-b',
    'checkpoints/readme.txt': 'not a model',
    'loras/sd_xl_offset_example-lora_1.0.safetensors': 'lora',
    'upscale_models/fooocus_upscaler_s409985e5.bin': 'upscaler',
    'inpaint/fooocus_inpaint_head.pth': 'head',
    'inpaint/inpaint_v26.fooocus.patch': 'patch',
    'controlnet/control-lora-canny-rank128.safetensors': 'canny',
    'controlnet/fooocus_xl_cpds_128.safetensors': 'cpds',
    'controlnet/ip-adapter-plus_sdxl_vit-h.bin': 'ip',
    'controlnet/ip-adapter-plus-face_sdxl_vit-h.bin': 'ip-face',
    'controlnet/fooocus_ip_negative.safetensors': 'neg',
    'clip_vision/clip_vision_vit_h.safetensors': 'clip',
    'prompt_expansion/fooocus_expansion/pytorch_model.bin': 'gpt2',
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(models, path, '..'), { recursive: true });
    await writeFile(join(models, path), text);
  }
  return models;
}

describe('a Fooocus models folder', () => {
  let root: string;
  let fooocus: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fooocus-folder-'));
    fooocus = await fooocusFolder(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('lists every file we use by kind and Fooocus name, and nothing else', async () => {
    const files = await scanFooocusFiles(await readFooocusLayout(fooocus));
    assert.deepEqual(
      files.map((f) => `${f.kind} ${f.name}`),
      [
        'checkpoint juggernautXL_v8Rundiffusion.safetensors',
        'checkpoint realisticStockPhoto_v20.safetensors',
        'lora sd_xl_offset_example-lora_1.0.safetensors',
        'upscaler fooocus_upscaler_s409985e5.bin',
        'inpaint-head fooocus_inpaint_head.pth',
        'inpaint-patch inpaint_v26.fooocus.patch',
        'control-lora control-lora-canny-rank128.safetensors',
        'ip-negative fooocus_ip_negative.safetensors',
        'control-lora fooocus_xl_cpds_128.safetensors',
        'ip-adapter ip-adapter-plus-face_sdxl_vit-h.bin',
        'ip-adapter ip-adapter-plus_sdxl_vit-h.bin',
        'clip-vision clip_vision_vit_h.safetensors',
        'expansion pytorch_model.bin',
      ],
    );
    assert.equal(classifyFooocusFile('checkpoints', 'model.ckpt'), null);
  });

  it("follows config.txt's path_* keys (string or list, relative to Fooocus's folder) and says when it is not JSON", async () => {
    const app = join(root, 'app');
    await mkdir(join(app, 'models'), { recursive: true });
    await writeFile(
      join(app, 'config.txt'),
      JSON.stringify({ path_checkpoints: ['../fooocus/models/checkpoints', '/elsewhere'], path_loras: 'my-loras' }),
    );
    const layout = await readFooocusLayout(join(app, 'models'));
    assert.equal(layout.configFile, join(app, 'config.txt'));
    assert.deepEqual(layout.folders.checkpoints, [join(root, 'fooocus', 'models', 'checkpoints'), '/elsewhere']);
    assert.deepEqual(layout.folders.loras, [join(app, 'my-loras')]);
    assert.deepEqual(layout.folders.inpaint, [join(app, 'models', 'inpaint')]);
    await writeFile(join(app, 'config.txt'), '{ "path_checkpoints": ');
    await assert.rejects(readFooocusLayout(join(app, 'models')), (error: unknown) => {
      assert.ok(error instanceof FooocusConfigError);
      assert.match(error.message, /config\.txt: not the JSON Fooocus writes/);
      return true;
    });
  });

  it('imports on demand into the cache, links where our finders look, and never writes the source folder', async () => {
    const models = join(root, 'models-a');
    const before = await folderListing(fooocus);
    let conversions = 0;
    const imports = new FooocusImports(models, fooocus, {
      checkpoint: async ({ source, outDir }) => {
        conversions++;
        await mkdir(join(outDir, 'checkpoint', 'unet'), { recursive: true });
        await writeFile(join(outDir, 'checkpoint', 'unet', 'model.onnx'), await readFile(source));
      },
    });
    const lines: string[] = [];
    assert.equal(
      await imports.installCheckpoint('juggernautXL_v8Rundiffusion', { log: (l) => lines.push(l) }),
      'juggernautXL_v8Rundiffusion',
    );
    assert.equal(
      await imports.installCheckpoint('JUGGERNAUTXL_v8Rundiffusion.safetensors', { log: () => {} }),
      'juggernautXL_v8Rundiffusion',
    );
    assert.equal(await imports.installCheckpoint('absent.safetensors', { log: () => {} }), null);
    assert.equal(conversions, 1);
    assert.ok(lines.some((l) => l.startsWith('importing ') && l.includes('juggernautXL_v8Rundiffusion.safetensors')));
    assert.deepEqual(await listCheckpoints(models), ['juggernautXL_v8Rundiffusion']);
    const link = join(models, 'checkpoints', 'juggernautXL_v8Rundiffusion');
    assert.ok(await isImportLink(models, link));
    assert.equal(await readFile(join(link, 'unet', 'model.onnx'), 'utf8'), 'ckpt-a');
    // LoRAs and the IP negative are used as they are: links to the source files.
    await imports.installKinds(['lora', 'ip-negative'], { log: () => {} });
    assert.deepEqual(await listLoras(models), ['sd_xl_offset_example-lora_1.0.safetensors']);
    assert.equal(await readFile(join(models, 'ip_adapter', 'fooocus_ip_negative.safetensors'), 'utf8'), 'neg');
    // A kind with no converter says so, naming the file.
    await assert.rejects(
      new FooocusImports(models, fooocus, {}).installKinds(['upscaler'], { log: () => {} }),
      /fooocus_upscaler_s409985e5\.bin: importing a upscaler is not supported/,
    );
    assert.deepEqual(await folderListing(fooocus), before);
  });

  it('a failed conversion leaves no cache entry and no link; a file installed by hand wins over the import', async () => {
    const models = join(root, 'models-b');
    const failing = new FooocusImports(models, fooocus, {
      checkpoint: async ({ outDir }) => {
        await writeFile(join(outDir, 'half-written'), 'x');
        throw new Error('the checkpoint is truncated');
      },
    });
    // A process killed mid-import left its temporary entry: the next import clears it.
    const sha = await sourceHash(models, join(fooocus, 'checkpoints', 'realisticStockPhoto_v20.safetensors'));
    await mkdir(join(importCacheRoot(models), 'checkpoint', `${sha}.tmp-999999`, 'checkpoint'), { recursive: true });
    await assert.rejects(failing.installCheckpoint('realisticStockPhoto_v20', { log: () => {} }), /truncated/);
    const kindDir = join(importCacheRoot(models), 'checkpoint');
    assert.deepEqual(await readdir(kindDir), []);
    assert.equal(await stat(join(models, 'checkpoints', 'realisticStockPhoto_v20')).catch(() => null), null);

    await mkdir(join(models, 'checkpoints', 'realisticStockPhoto_v20', 'unet'), { recursive: true });
    await writeFile(join(models, 'checkpoints', 'realisticStockPhoto_v20', 'unet', 'model.onnx'), 'mine');
    const lines: string[] = [];
    const working = new FooocusImports(models, fooocus, {
      checkpoint: async ({ outDir }) => writeFile(join(outDir, 'converted'), 'x'),
    });
    await working.installCheckpoint('realisticStockPhoto_v20', { log: (l) => lines.push(l) });
    assert.equal(
      await readFile(join(models, 'checkpoints', 'realisticStockPhoto_v20', 'unet', 'model.onnx'), 'utf8'),
      'mine',
    );
    assert.ok(lines.some((l) => l.includes('is not an import: left as it is')));
  });

  it('two imports of one file at once convert it once (the second waits for the first)', async () => {
    const models = join(root, 'models-c');
    const source = join(fooocus, 'checkpoints', 'juggernautXL_v8Rundiffusion.safetensors');
    let conversions = 0;
    const convert = async (outDir: string) => {
      conversions++;
      await new Promise((done) => setTimeout(done, 300));
      await writeFile(join(outDir, 'model'), 'x');
    };
    const [a, b] = await Promise.all([
      cachedImport(models, 'checkpoint', source, convert, { log: () => {} }),
      cachedImport(models, 'checkpoint', source, convert, { log: () => {} }),
    ]);
    assert.equal(conversions, 1);
    assert.equal(a.dir, b.dir);
    assert.deepEqual([a.converted, b.converted].sort(), [false, true]);
    assert.match(a.sha256, /^[0-9a-f]{64}$/);
  });

  it('the catalogue lists the Fooocus checkpoints and LoRAs by Fooocus name, once, before and after import', async () => {
    const models = join(root, 'models-d');
    await mkdir(join(root, 'presets-d'), { recursive: true });
    const catalogue = new ModelCatalogue({
      modelsDir: models,
      fooocusModelsDir: fooocus,
      presetsDir: join(root, 'presets-d'),
      configuredDefaultModel: null,
      serverPreset: null,
      isStrict: false,
      demoModelName: null,
      logger: createMemoryLogger(),
    });
    const expected = {
      models: ['juggernautXL_v8Rundiffusion.safetensors', 'realisticStockPhoto_v20.safetensors'],
      loras: ['sd_xl_offset_example-lora_1.0.safetensors'],
    };
    assert.deepEqual(await catalogue.listModels(), expected);
    await new FooocusImports(models, fooocus, {
      checkpoint: async ({ outDir }) => {
        await mkdir(join(outDir, 'checkpoint', 'unet'), { recursive: true });
        await writeFile(join(outDir, 'checkpoint', 'unet', 'model.onnx'), 'x');
      },
    }).installKinds(['checkpoint', 'lora'], { log: () => {} });
    assert.deepEqual(await catalogue.listModels({ force: true }), expected);
    assert.equal((await catalogue.refresh()).defaultModel, 'juggernautXL_v8Rundiffusion.safetensors');
    assert.equal(await catalogue.controlNetUnavailable('PyraCanny', 'juggernautXL_v8Rundiffusion.safetensors'), null);
  });

  it('a job asks for the kinds of the modes it uses', () => {
    const base = { styles: ['Fooocus V2'], imagePrompts: [{ type: 'FaceSwap' }], controlNet: { slots: [{}] } };
    assert.deepEqual(kindsForJob(base as never), [
      'lora',
      'embedding',
      'ip-negative',
      'clip-vision',
      'ip-adapter',
      'expansion',
    ]);
    const upscale = { styles: [], imageInput: { kind: 'upscale-or-vary', method: 'Upscale (2x)' } };
    assert.ok(kindsForJob(upscale as never).includes('upscaler'));
    const inpaint = { styles: [], imageInput: { kind: 'inpaint', engine: 'v2.6' } };
    assert.ok(kindsForJob(inpaint as never).includes('inpaint-patch'));
  });
});
