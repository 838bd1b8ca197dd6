/**
 * Metadata text (fooocus-semantics §10): Python value formats, A1111 sampler names, and both
 * schemes exact for fixed inputs. The expected strings are written by hand from §10.2/§10.3.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { a1111SamplerName } from '../../engine/metadata/a1111-sampler-names.ts';
import {
  fileStem,
  metadataFactsFromJob,
  METADATA_VERSION,
  serializeMetadata,
  toA1111Scheme,
  toFooocusScheme,
  type ImageMetadataFacts,
} from '../../engine/metadata/build-metadata.ts';
import { pyFloat, pyJsonDumps, pyStrList, pyStrRepr } from '../../engine/metadata/python-format.ts';
import { engineJob } from '../fixtures/engine-job.ts';

const FACTS: ImageMetadataFacts = {
  rawPrompt: 'a red fox, in the snow — 雪',
  rawNegativePrompt: 'blurry',
  positive: ['a red fox, in the snow — 雪', 'cinematic still of a fox'],
  negative: ['blurry', 'low quality'],
  expansion: '',
  styles: ['Fooocus Enhance', "Fooocus's Sharp"],
  performance: 'Speed',
  steps: 30,
  width: 1152,
  height: 896,
  guidanceScale: 4,
  sharpness: 2,
  admGuidance: [1.5, 0.8, 0.3],
  adaptiveCfg: 7,
  clipSkip: 2,
  baseModel: 'juggernautXL_v8Rundiffusion',
  baseModelHash: 'abcdef0123',
  refiner: null,
  refinerSwitch: 0.8,
  sampler: 'dpmpp_2m_sde_gpu',
  scheduler: 'karras',
  vae: 'Default (model)',
  seed: 1234567890123456789n,
  freeu: null,
  loras: [{ name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1, hash: '4852686128' }],
  scheme: 'fooocus',
  version: 'fooocus-gateway 0.1.0',
};

describe('Python value formats', () => {
  it('prints floats as Python repr does', () => {
    const cases: [number, string][] = [
      [4, '4.0'],
      [0.1, '0.1'],
      [-2.5, '-2.5'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1e16, '1e+16'],
      [1.5e16, '1.5e+16'],
      [123456789012345.6, '123456789012345.6'],
      [1e22, '1e+22'],
      [5e-324, '5e-324'],
      [0, '0.0'],
      [-0, '-0.0'],
      [0.3, '0.3'],
      [100, '100.0'],
    ];
    for (const [value, expected] of cases) assert.equal(pyFloat(value), expected, String(value));
  });

  it('prints str repr with Python quote choice and escapes', () => {
    assert.equal(pyStrRepr("it's"), `"it's"`);
    assert.equal(pyStrRepr('say "hi"'), `'say "hi"'`);
    assert.equal(pyStrRepr(`it's "x"`), String.raw`'it\'s "x"'`);
    assert.equal(pyStrRepr('a\nb\\c\x00\u200bé雪'), String.raw`'a\nb\\c\x00\u200bé雪'`);
    assert.equal(pyStrList(['Fooocus V2', 'Fooocus Enhance']), "['Fooocus V2', 'Fooocus Enhance']");
    assert.equal(pyStrList([]), '[]');
  });

  it('dumps JSON as Python json.dumps: separators, ensure_ascii with surrogate pairs, ints vs floats, sorted keys', () => {
    assert.equal(
      pyJsonDumps({ b: [1n, 2.5, 3], a: 'é🦊\x7f"\\\n', c: null, d: true }, true),
      String.raw`{"a": "\u00e9\ud83e\udd8a\u007f\"\\\n", "b": [1, 2.5, 3.0], "c": null, "d": true}`,
    );
  });

  it('maps samplers to A1111 names with the Karras rule', () => {
    assert.equal(a1111SamplerName('dpmpp_2m_sde_gpu', 'karras'), 'DPM++ 2M SDE Karras');
    assert.equal(a1111SamplerName('dpmpp_2m_sde_gpu', 'normal'), 'DPM++ 2M SDE');
    assert.equal(a1111SamplerName('euler_ancestral', 'karras'), 'Euler a');
    assert.equal(a1111SamplerName('uni_pc', 'karras'), 'UniPC');
    assert.equal(a1111SamplerName('lcm', 'lcm'), 'LCM');
    assert.equal(a1111SamplerName('heunpp2', 'karras'), 'heunpp2');
    assert.equal(a1111SamplerName('ddpm', 'karras'), 'ddpm');
  });

  it('takes file stems as Python Path.stem does', () => {
    assert.equal(fileStem('sd_xl_offset_example-lora_1.0.safetensors'), 'sd_xl_offset_example-lora_1.0');
    assert.equal(fileStem('Default (model)'), 'Default (model)');
    assert.equal(fileStem('.hidden'), '.hidden');
  });
});

describe('fooocus scheme', () => {
  it('writes the record as sorted Python JSON, non-ASCII escaped, LoRAs as stems', () => {
    const expected = String.raw`{"adm_guidance": "(1.5, 0.8, 0.3)", "base_model": "juggernautXL_v8Rundiffusion", "base_model_hash": "abcdef0123", "clip_skip": 2, "full_negative_prompt": ["blurry", "low quality"], "full_prompt": ["a red fox, in the snow \u2014 \u96ea", "cinematic still of a fox"], "guidance_scale": 4.0, "lora_combined_1": "sd_xl_offset_example-lora_1.0 : 0.1", "loras": [["sd_xl_offset_example-lora_1.0", 0.1, "4852686128"]], "metadata_scheme": "fooocus", "negative_prompt": "blurry", "performance": "Speed", "prompt": "a red fox, in the snow \u2014 \u96ea", "prompt_expansion": "", "refiner_model": "None", "refiner_switch": 0.8, "resolution": "(1152, 896)", "sampler": "dpmpp_2m_sde_gpu", "scheduler": "karras", "seed": "1234567890123456789", "sharpness": 2.0, "steps": 30, "styles": "['Fooocus Enhance', \"Fooocus's Sharp\"]", "vae": "Default (model)", "version": "fooocus-gateway 0.1.0"}`;
    assert.equal(toFooocusScheme(FACTS), expected);
    assert.equal(serializeMetadata(FACTS), expected);
    assert.equal(JSON.parse(expected).seed, '1234567890123456789');
  });

  it('adds adaptive_cfg when not 7, drops clip_skip at 1, performance when unknown, and writes a null hash', () => {
    const text = toFooocusScheme({
      ...FACTS,
      adaptiveCfg: 5,
      clipSkip: 1,
      performance: null,
      baseModelHash: null,
      loras: [],
    });
    const parsed = JSON.parse(text) as Record<string, unknown>;
    assert.equal(parsed.adaptive_cfg, 5);
    assert.match(text, /"adaptive_cfg": 5\.0, "adm_guidance"/);
    assert.ok(!('clip_skip' in parsed) && !('performance' in parsed) && !('lora_combined_1' in parsed));
    assert.equal(parsed.base_model_hash, null);
    assert.deepEqual(parsed.loras, []);
  });

  it('with a refiner: its name always, switch, overwrite switch when > 0, swap method when not joint, and refiner_model(_hash)', () => {
    const refined: ImageMetadataFacts = {
      ...FACTS,
      refiner: { model: 'sd_xl_refiner_1.0_0.9vae', hash: '0123abcdef', swapMethod: 'separate', overwriteSwitch: 20 },
      refinerSwitch: 0.75,
      loras: [],
    };
    const parsed = JSON.parse(toFooocusScheme(refined)) as Record<string, unknown>;
    assert.deepEqual(
      [
        parsed.refiner_model,
        parsed.refiner_model_hash,
        parsed.refiner_switch,
        parsed.overwrite_switch,
        parsed.refiner_swap_method,
      ],
      ['sd_xl_refiner_1.0_0.9vae', '0123abcdef', 0.75, 20, 'separate'],
    );
    assert.match(toFooocusScheme(refined), /"overwrite_switch": 20, /, 'a Python int');
    const joint = JSON.parse(
      toFooocusScheme({ ...refined, refiner: { ...refined.refiner!, swapMethod: 'joint', overwriteSwitch: 0 } }),
    ) as Record<string, unknown>;
    assert.ok(!('refiner_swap_method' in joint) && !('overwrite_switch' in joint));
    const none = JSON.parse(toFooocusScheme({ ...FACTS, refinerSwitch: null })) as Record<string, unknown>;
    assert.ok(!('refiner_switch' in none) && !('refiner_model_hash' in none));
    assert.equal(none.refiner_model, 'None');
    const line = toA1111Scheme({ ...refined, scheme: 'a1111' })
      .split('\n')
      .at(-1)!;
    assert.match(
      line,
      /Raw negative prompt: blurry, Refiner: sd_xl_refiner_1\.0_0\.9vae, Refiner hash: 0123abcdef, Clip skip: 2, Overwrite Switch: 20, Refiner Swap Method: separate, Version: /,
    );
  });
});

describe('a1111 scheme', () => {
  it('writes prompt, negative and the parameter line in Fooocus order, quoting values with , : or newline', () => {
    const expected = [
      'a red fox, in the snow — 雪, cinematic still of a fox',
      'Negative prompt: blurry, low quality',
      'Steps: 30, Sampler: DPM++ 2M SDE Karras, Seed: 1234567890123456789, Size: 1152x896, CFG scale: 4.0, Sharpness: 2.0, ADM Guidance: "(1.5, 0.8, 0.3)", Model: juggernautXL_v8Rundiffusion, Model hash: abcdef0123, Performance: Speed, Scheduler: karras, VAE: Default (model), Raw prompt: "a red fox, in the snow — 雪", Raw negative prompt: blurry, Clip skip: 2, Lora hashes: "sd_xl_offset_example-lora_1.0: 4852686128", Lora weights: "sd_xl_offset_example-lora_1.0: 0.1", Version: fooocus-gateway 0.1.0',
    ].join('\n');
    assert.equal(toA1111Scheme({ ...FACTS, scheme: 'a1111' }), expected);
  });

  it('omits an empty negative line and unknown values; quotes a multi-line raw prompt; adds Adaptive CFG', () => {
    const facts: ImageMetadataFacts = {
      ...FACTS,
      rawPrompt: 'line one\nsay "two"',
      positive: ['line one', 'say "two"'],
      rawNegativePrompt: '',
      negative: [''],
      performance: null,
      baseModelHash: null,
      sampler: 'euler',
      adaptiveCfg: 5,
      clipSkip: 1,
      loras: [],
      scheme: 'a1111',
    };
    const expected = [
      'line one, say "two"',
      String.raw`Steps: 30, Sampler: Euler, Seed: 1234567890123456789, Size: 1152x896, CFG scale: 4.0, Sharpness: 2.0, ADM Guidance: "(1.5, 0.8, 0.3)", Model: juggernautXL_v8Rundiffusion, Scheduler: karras, VAE: Default (model), Raw prompt: "line one\nsay \"two\"", Raw negative prompt: , Adaptive CFG: 5.0, Version: fooocus-gateway 0.1.0`,
    ].join('\n');
    assert.equal(toA1111Scheme(facts), expected);
    assert.equal(serializeMetadata(facts), expected);
  });
});

describe('facts from a job', () => {
  it('takes the job fields, the image seed and what the pipeline used; prompts default to the boxes', () => {
    const job = engineJob({
      prompt: 'p',
      negativePrompt: 'n',
      styles: ['Fooocus Sharp'],
      metadataScheme: 'a1111',
      saveMetadata: true,
    });
    const facts = metadataFactsFromJob(job, {
      seed: 43n,
      sampler: 'euler',
      scheduler: 'karras',
      baseModel: 'tiny',
      baseModelHash: '0123456789',
    });
    assert.deepEqual(
      [facts.positive, facts.negative, facts.styles, facts.seed, facts.sampler, facts.scheme, facts.version],
      [['p'], ['n'], ['Fooocus Sharp'], 43n, 'euler', 'a1111', METADATA_VERSION],
    );
    assert.deepEqual(facts.admGuidance, [1.5, 0.8, 0.3]);
  });

  it('names our own version, kept equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(METADATA_VERSION, `fooocus-gateway ${pkg.version}`);
  });
});
