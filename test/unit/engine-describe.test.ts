/**
 * Describe in the engine (fooocus-semantics §9): the WD14 tag rule (thresholds, CSV order,
 * rating tags left out, escaping) on a tiny tagger whose scores are known, the tagger's
 * letterbox input, the caption tokenizer and sampler, and both demo models through the Describer.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CaptionTokenizer } from '../../engine/describe/caption-tokenizer.ts';
import { applyRepetitionPenalty, topPProbabilities } from '../../engine/describe/caption-sampling.ts';
import { Describer } from '../../engine/describe/describer.ts';
import {
  DESCRIBE_FOLDER,
  findCaptioner,
  findTagger,
  TINY_DEMO_CAPTIONER_FOLDER,
  TINY_DEMO_TAGGER_FOLDER,
} from '../../engine/describe/describe-files.ts';
import { captionerSettings, ImageCaptioner, stripPromptPrefix } from '../../engine/describe/image-captioner.ts';
import { parseTagsCsv, selectTags } from '../../engine/describe/tags-csv.ts';
import {
  buildTinyCaptionDecoder,
  writeTinyCaptioner,
  writeTinyTagger,
} from '../../engine/describe/tiny-describe-models.ts';
import { taggerInput } from '../../engine/describe/wd14-tagger.ts';
import { EngineError } from '../../engine/errors.ts';
import type { Bitmap8 } from '../../engine/image/lanczos-resample.ts';
import { GraphBuilder } from '../../engine/models/onnx-graph-builder.ts';
import { OnnxSession } from '../../engine/onnx/session.ts';

const open = (path: string, label: string) => OnnxSession.create(path, { provider: 'cpu', threads: 1, label });

function solid(width: number, height: number, rgb: [number, number, number]): Bitmap8 {
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(rgb, p * 3);
  return { width, height, channels: 3, data };
}

const logit = (p: number) => Math.log(p / (1 - p));

/** Rating, general and character sections with scores straddling both thresholds, out of score order. */
const KNOWN: [string, string, number][] = [
  ['general', '9', 0.99],
  ['explicit', '9', 0.9],
  ['1girl', '0', 0.36],
  ['solo', '0', 0.34],
  ['smile_(happy)', '0', 0.97],
  ['long_hair', '0', 0.5],
  ['hatsune_miku', '4', 0.84],
  ['kagamine_rin_(vocaloid)', '4', 0.86],
  ['megurine_luka', '4', 0.99],
];

function knownCsv(): string {
  return ['tag_id,name,category,count', ...KNOWN.map(([n, c], i) => `${i},${n},${c},1`)].join('\n');
}

/** A tagger whose scores ignore the image: sigmoid of a bias per tag. */
function knownTagger(): Uint8Array {
  const g = new GraphBuilder('known_tagger');
  const x = g.input('input_1:0', 'float', ['batch', 448, 448, 3]);
  const zero = g.node('Mul', [g.node('ReduceMean', [x], { axes: [1, 2, 3], keepdims: 0 }), g.scalar(0)]);
  const bias = g.weight(
    'bias',
    [KNOWN.length],
    KNOWN.map(([, , p]) => logit(p)),
  );
  g.output(
    g.node('Sigmoid', [g.node('Add', [g.node('Unsqueeze', [zero, g.ints([0])]), bias])]),
    'predictions_sigmoid',
    ['batch', KNOWN.length],
  );
  return g.build().model;
}

describe('WD14 tag selection', () => {
  test('characters above 0.85 first, then general tags above 0.35, each in CSV order; ratings never; ( ) escaped, _ → space', () => {
    const tags = parseTagsCsv(knownCsv());
    const text = selectTags(
      tags,
      KNOWN.map(([, , p]) => p),
    );
    assert.equal(text, 'kagamine rin \\(vocaloid\\), megurine luka, 1girl, smile \\(happy\\), long hair');
  });

  test('thresholds are strict: a score equal to the threshold is left out', () => {
    const tags = parseTagsCsv('id,name,category,count\n0,a,0,1\n1,b,0,1\n2,c,4,1\n');
    assert.equal(selectTags(tags, [0.35, 0.3500001, 0.85]), 'b');
  });

  test('quoted CSV names keep their commas; a score count that does not match the CSV is an error', () => {
    const tags = parseTagsCsv('tag_id,name,category,count\n0,"a,b",0,1\n');
    assert.deepEqual(tags, [{ name: 'a,b', category: '0' }]);
    assert.throws(() => selectTags(tags, [0.9, 0.9]), /2 scores for 1 tags/);
  });
});

describe('tagger input', () => {
  test('a wide image is LANCZOS-fitted into a white square, centred, as BGR 0..255 NHWC', () => {
    const feed = taggerInput(solid(40, 20, [200, 100, 50]), 8);
    assert.deepEqual(feed.dims, [1, 8, 8, 3]);
    const at = (x: number, y: number) =>
      Array.from(feed.data as Float32Array).slice((y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    // 40×20 → 8×4 at rows 2..5; rows 0, 1, 6, 7 stay white.
    assert.deepEqual(at(0, 0), [255, 255, 255]);
    assert.deepEqual(at(7, 7), [255, 255, 255]);
    assert.deepEqual(at(3, 2), [50, 100, 200]);
    assert.deepEqual(at(4, 5), [50, 100, 200]);
    assert.deepEqual(at(4, 6), [255, 255, 255]);
  });
});

describe('caption decoding', () => {
  test('byte-level BPE and WordPiece vocabularies decode as transformers does, special tokens skipped', () => {
    const bpe = new CaptionTokenizer({
      model: { type: 'BPE', vocab: { a: 0, Ġcat: 1, Ġon: 2, Ġthe: 3, Ġmat: 4, '.': 5 } },
      added_tokens: [{ id: 6, content: '<|endoftext|>', special: true }],
      decoder: { type: 'ByteLevel' },
    });
    assert.equal(bpe.decode([6, 0, 1, 2, 3, 4, 5, 6]), 'a cat on the mat.');
    const wordpiece = new CaptionTokenizer({
      model: { type: 'WordPiece', vocab: { '[CLS]': 0, a: 1, dog: 2, '##gy': 3, ',': 4, runs: 5 } },
      added_tokens: [{ id: 0, content: '[CLS]', special: true }],
      decoder: { type: 'WordPiece', prefix: '##' },
    });
    assert.equal(wordpiece.decode([0, 1, 2, 3, 4, 5]), 'a doggy, runs');
  });

  test('repetition penalty divides positive and multiplies negative logits of seen ids; top-p keeps the smallest set over 0.9', () => {
    const logits = Float64Array.from([2, -2, 1]);
    applyRepetitionPenalty(logits, [0, 1, 1]);
    assert.deepEqual(Array.from(logits), [2 / 1.1, -2 * 1.1, 1]);
    const probs = topPProbabilities(Float64Array.from([Math.log(0.6), Math.log(0.35), Math.log(0.05)]));
    assert.ok(Math.abs(probs[0] - 0.6 / 0.95) < 1e-12 && Math.abs(probs[1] - 0.35 / 0.95) < 1e-12);
    assert.equal(probs[2], 0);
  });

  test("settings fall back to BLIP's (384², CLIP mean/std) and Fooocus's prefix is cut", () => {
    const settings = captionerSettings({}, { decoder: { bos_token_id: 7, eos_token_id: 9 } }, {});
    assert.equal(settings.width, 384);
    assert.equal(settings.startId, 7);
    assert.deepEqual([...settings.eosIds], [9]);
    assert.equal(stripPromptPrefix('a picture of a dog on a beach'), 'a dog on a beach');
  });
});

describe('Describer on the demo models', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'fooocus-describe-'));
    await writeTinyTagger(join(root, DESCRIBE_FOLDER, TINY_DEMO_TAGGER_FOLDER));
    await writeTinyCaptioner(join(root, DESCRIBE_FOLDER, TINY_DEMO_CAPTIONER_FOLDER));
  });
  after(async () => rm(root, { recursive: true, force: true }));

  test('Photo: the demo captioner names the dominant colour; the reply says demo', async () => {
    const describer = new Describer(root, true, open);
    const red = await describer.describe(solid(64, 48, [220, 30, 20]), 'Photo');
    assert.equal(red.text, 'a tiny demo caption of an image that is mostly red.');
    assert.match(red.warnings.join(' '), /demo captioner/);
    const blue = await describer.describe(solid(30, 70, [10, 40, 230]), 'Photo');
    assert.equal(blue.text, 'a tiny demo caption of an image that is mostly blue.');
  });

  test('Anime: the demo tagger gives character, then general tags in CSV order, escaped; the reply says demo', async () => {
    const describer = new Describer(root, true, open);
    const red = await describer.describe(solid(64, 48, [230, 20, 20]), 'Anime');
    assert.equal(red.text, 'demo character \\(tiny\\), no humans, simple background, red theme, still life \\(demo\\)');
    assert.match(red.warnings.join(' '), /demo tagger/);
  });

  test('demo models off and nothing installed: model-missing naming models/describe', async () => {
    const describer = new Describer(root, false, open);
    await assert.rejects(
      describer.describe(solid(8, 8, [0, 0, 0]), 'Anime'),
      (e: unknown) => e instanceof EngineError && e.kind === 'model-missing' && /models\/describe\//.test(e.message),
    );
    await assert.rejects(
      describer.describe(solid(8, 8, [0, 0, 0]), 'Photo'),
      (e: unknown) => e instanceof EngineError && e.kind === 'model-missing',
    );
  });

  test("optimum's merged decoder layout: use_cache_branch false and empty past key/values are fed", async () => {
    // The demo captioner's decoder, wrapped: the merged inputs are read (summed, all zero-length) into the logits.
    const dir = join(root, DESCRIBE_FOLDER, 'merged-captioner');
    await writeTinyCaptioner(dir);
    const g = buildTinyCaptionDecoder();
    const flag = g.input('use_cache_branch', 'bool', [1]);
    const past = g.input('past_key_values.0.key', 'float', ['batch', 2, 'past_sequence_length', 4]);
    const pastSum = g.node('ReduceSum', [past], { keepdims: 0 });
    const gate = g.node('Cast', [flag], { to: 1 });
    g.output(g.node('Add', [pastSum, gate]), 'present.0.key', []);
    await rm(join(dir, 'onnx', 'decoder_model.onnx'));
    await writeFile(join(dir, 'onnx', 'decoder_model_merged.onnx'), g.build().model);
    try {
      const files = (await findCaptioner(root, false))!;
      assert.equal(files.isMergedDecoder, true);
      const captioner = await ImageCaptioner.load(files, open);
      assert.equal(
        await captioner.caption(solid(20, 20, [20, 200, 30])),
        'a tiny demo caption of an image that is mostly green.',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a real tagger (Fooocus file pair <name>.onnx + <name>.csv) wins over the demo and follows the tag rule', async () => {
    const dir = join(root, DESCRIBE_FOLDER);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'wd-v1-4-known.onnx'), knownTagger());
    await writeFile(join(dir, 'wd-v1-4-known.csv'), knownCsv());
    try {
      assert.equal((await findTagger(root, true))?.isDemo, false);
      const described = await new Describer(root, true, open).describe(solid(10, 10, [1, 2, 3]), 'Anime');
      assert.equal(described.text, 'kagamine rin \\(vocaloid\\), megurine luka, 1girl, smile \\(happy\\), long hair');
      assert.deepEqual(described.warnings, []);
    } finally {
      await rm(join(dir, 'wd-v1-4-known.onnx'));
      await rm(join(dir, 'wd-v1-4-known.csv'));
    }
    assert.equal((await findCaptioner(root, true))?.isDemo, true);
  });
});
