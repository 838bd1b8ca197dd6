import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyStyles } from '../../engine/prompts/apply-styles.ts';
import { expandPrompts, type ExpandPromptsInput } from '../../engine/prompts/expand-prompts.ts';
import { createPromptRng, type PromptRng } from '../../engine/prompts/prompt-rng.ts';
import { STYLE_TEMPLATES, type StyleTemplate } from '../../engine/styles/style-templates.ts';

const noRng: PromptRng = { pickIndex: () => assert.fail('rng must not be used') };
const templates: ReadonlyMap<string, StyleTemplate> = new Map([
  ['Wrap', { prompt: 'wrapped {prompt}, shiny', negative: 'dull' }],
  ['NegOnly', { prompt: '', negative: 'blurry' }],
  ['Twice', { prompt: 'two {prompt}\n{prompt} again', negative: 'n1\n\nn2' }],
  ['Weighted', { prompt: '(detailed:1.2) {prompt}', negative: '(ugly:1.3)' }],
]);
const styled = (styles: string[], over: Partial<Parameters<typeof applyStyles>[0]> = {}) =>
  applyStyles({
    prompt: 'cat',
    negativePrompt: 'bad',
    extraPositive: [],
    extraNegative: [],
    styles,
    templates,
    rng: noRng,
    ...over,
  });

describe('style application (§3.3)', () => {
  it('makes each style its own item, style negatives before the user negative, extras last', () => {
    const out = styled(['Fooocus V2', 'Wrap', 'NegOnly', 'Twice'], { extraPositive: ['x'], extraNegative: ['y'] });
    assert.deepEqual(out.positive, ['wrapped cat, shiny', 'two cat', 'cat again', 'x']);
    assert.deepEqual(out.negative, ['dull', 'blurry', 'n1', 'n2', 'bad', 'y']);
    assert.equal(out.poolItemCount, 4);
    assert.deepEqual(out.stylesUsed, ['Wrap', 'NegOnly', 'Twice']);
  });

  it('puts the prompt first when no applied style has {prompt}', () => {
    assert.deepEqual(styled(['NegOnly'], { extraPositive: ['x'] }).positive, ['cat', 'x']);
    assert.deepEqual(styled(['NegOnly', 'Wrap']).positive, ['wrapped cat, shiny']);
  });

  it('uses the prompt alone with no styles, or only Fooocus V2', () => {
    assert.deepEqual(styled([]).positive, ['cat']);
    assert.deepEqual(styled(['Fooocus V2']).positive, ['cat']);
    assert.deepEqual(styled([]).negative, ['bad']);
  });

  it('drops empty items and falls back to the empty prompt when nothing is left', () => {
    const out = styled([], { prompt: '', negativePrompt: '' });
    assert.deepEqual(out.positive, ['']);
    assert.deepEqual(out.negative, ['']);
    assert.equal(out.poolItemCount, 1);
    assert.deepEqual(styled(['Wrap'], { negativePrompt: '' }).negative, ['dull']);
  });

  it('keeps selection order and repeats a style selected twice', () => {
    assert.deepEqual(styled(['Twice', 'Wrap', 'Wrap']).positive, [
      'two cat',
      'cat again',
      'wrapped cat, shiny',
      'wrapped cat, shiny',
    ]);
  });

  it('replaces Random Style by a draw over all template names in order', () => {
    const picks: number[] = [];
    const rng: PromptRng = { pickIndex: (n) => (picks.push(n), 3) };
    const out = styled(['Random Style', 'Wrap'], { rng });
    assert.deepEqual(picks, [4]);
    assert.deepEqual(out.stylesUsed, ['Weighted', 'Wrap']);
    assert.deepEqual(out.positive, ['(detailed:1.2) cat', 'wrapped cat, shiny']);
  });

  it('skips an unknown style with a warning naming it', () => {
    const out = styled(['Nope', 'Wrap']);
    assert.deepEqual(out.positive, ['wrapped cat, shiny']);
    assert.match(out.warnings[0], /'Nope'/);
  });

  it('inserts a prompt containing $& literally', () => {
    assert.deepEqual(styled(['Wrap'], { prompt: 'a $& b' }).positive, ['wrapped a $& b, shiny']);
  });
});

const base: ExpandPromptsInput = {
  prompt: 'a cat',
  negativePrompt: '',
  styles: [],
  imageIndex: 0,
  seed: 42n,
  readWildcardsInOrder: false,
  wildcards: {},
  templates,
};
const texts = (items: Array<{ text: string }>): string[] => items.map((item) => item.text);

describe('expandPrompts', () => {
  it('expands multi-line prompts: line 1 styled, extras appended unstyled to both lists', () => {
    const out = expandPrompts({
      ...base,
      prompt: 'a cat..\n\n second  line ,\nthird',
      negativePrompt: 'ugly\nworse',
      styles: ['Wrap', 'NegOnly'],
    });
    assert.deepEqual(texts(out.positive), ['wrapped a cat, shiny', 'second line', 'third']);
    assert.deepEqual(texts(out.negative), ['dull', 'blurry', 'ugly', 'worse']);
    assert.equal(out.poolItemCount, 3);
    assert.equal(out.negativePoolItemCount, 4);
    assert.equal(out.logPrompt, 'a cat\nsecond line\nthird');
    assert.equal(out.logNegativePrompt, 'ugly\nworse');
  });

  it('removes LoRA tags from line 1 only and returns their weights', () => {
    const out = expandPrompts({ ...base, prompt: 'a cat, <lora:detail:0.6>, red\nkeep <lora:x:1>' });
    assert.deepEqual(out.loras, [{ name: 'detail', weight: 0.6 }]);
    assert.deepEqual(texts(out.positive), ['a cat, red', 'keep <lora:x:1>']);
    assert.equal(out.mainPrompt, 'a cat, red');
  });

  it('parses every item into emphasis-weighted segments', () => {
    const out = expandPrompts({ ...base, prompt: '(red:1.5) cat', negativePrompt: '\\(x\\)', styles: ['Weighted'] });
    assert.deepEqual(out.positive[0].segments, [
      { text: 'detailed', weight: 1.2 },
      { text: ' ', weight: 1 },
      { text: 'red', weight: 1.5 },
      { text: ' cat', weight: 1 },
    ]);
    assert.deepEqual(
      out.negative.map((item) => item.segments),
      [[{ text: 'ugly', weight: 1.3 }], [{ text: '(x)', weight: 1 }]],
    );
  });

  it('resolves wildcards in order by image index, in every line, nested', () => {
    const wildcards = {
      color: ['red', 'blue'],
      flower: ['rose', 'tulip', 'lily'],
      color_flower: ['__color__ __flower__'],
    };
    const run = (imageIndex: number) =>
      expandPrompts({
        ...base,
        prompt: 'a __color_flower__\nextra __flower__',
        negativePrompt: 'no __color__',
        imageIndex,
        wildcards,
        readWildcardsInOrder: true,
      });
    assert.deepEqual(texts(run(0).positive), ['a red rose', 'extra rose']);
    assert.deepEqual(texts(run(4).positive), ['a red tulip', 'extra tulip']);
    assert.deepEqual(texts(run(1).negative), ['no blue']);
    assert.equal(run(4).logPrompt, 'a red tulip\nextra tulip');
  });

  it('draws random wildcards from the per-image seed: same seed same text, seeds vary', () => {
    const wildcards = { n: Array.from({ length: 50 }, (_, i) => `w${i}`) };
    const run = (seed: bigint) => expandPrompts({ ...base, prompt: '__n__ __n__', seed, wildcards }).mainPrompt;
    assert.equal(run(7n), run(7n));
    const rng = createPromptRng(7n);
    assert.equal(run(7n), `w${rng.pickIndex(50)} w${rng.pickIndex(50)}`);
    assert.ok(new Set([1n, 2n, 3n, 4n, 5n].map(run)).size > 1);
  });

  it('consumes the RNG in Fooocus order: main, negative, extra lines, then Random Style', () => {
    const names = [...STYLE_TEMPLATES.keys()];
    const seed = 123456789n;
    const out = expandPrompts({
      ...base,
      prompt: 'a __w__\nextra __w__',
      negativePrompt: '__w__',
      styles: ['Random Style'],
      seed,
      wildcards: { w: ['only'] },
      templates: STYLE_TEMPLATES,
    });
    const rng = createPromptRng(seed);
    for (let i = 0; i < 3; i++) rng.pickIndex(1);
    assert.deepEqual(out.stylesUsed, [names[rng.pickIndex(names.length)]]);
  });

  it('picks Random Style deterministically per seed and differently across seeds', () => {
    const pick = (seed: bigint) =>
      expandPrompts({ ...base, styles: ['Random Style'], seed, templates: STYLE_TEMPLATES }).stylesUsed[0];
    assert.equal(pick(99n), pick(99n));
    assert.ok(new Set([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map(pick)).size > 3);
    assert.ok(STYLE_TEMPLATES.has(pick((1n << 63n) - 1n)));
  });

  it('applies arrays by image index after wildcards (uncleaned: no added space), on the main line only', () => {
    const run = (imageIndex: number) =>
      expandPrompts({
        ...base,
        prompt: 'a [[big]] [[__c__]]\nx [[1,2]]',
        imageIndex,
        wildcards: { c: ['red,blue'] },
        readWildcardsInOrder: true,
      });
    assert.deepEqual(texts(run(0).positive), ['a big red', 'x [[1,2]]']);
    assert.deepEqual(texts(run(1).positive), ['a big blue', 'x [[1,2]]']);
  });

  it('keeps the space the comma cleanup adds inside arrays (Fooocus quirk: the option keeps it)', () => {
    assert.equal(expandPrompts({ ...base, prompt: 'photo of [[cat,dog]]', imageIndex: 1 }).mainPrompt, 'photo of  dog');
  });

  it('requests expansion only for Fooocus V2 with a non-empty prompt, without adding an item', () => {
    const on = expandPrompts({ ...base, styles: ['Fooocus V2'] });
    assert.equal(on.isExpansionRequested, true);
    assert.deepEqual(texts(on.positive), ['a cat']);
    assert.equal(on.poolItemCount, 1);
    assert.equal(expandPrompts({ ...base, prompt: '', styles: ['Fooocus V2'] }).isExpansionRequested, false);
    assert.equal(expandPrompts({ ...base }).isExpansionRequested, false);
  });

  it('works with our own templates for the default Fooocus selection', () => {
    const out = expandPrompts({
      ...base,
      negativePrompt: 'text',
      styles: ['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp'],
      templates: STYLE_TEMPLATES,
    });
    assert.equal(out.positive.length, 1);
    assert.ok(out.positive[0].text.includes('a cat'));
    assert.deepEqual(texts(out.negative), [
      STYLE_TEMPLATES.get('Fooocus Enhance')!.negative,
      STYLE_TEMPLATES.get('Fooocus Sharp')!.negative,
      'text',
    ]);
    assert.ok(out.negative[0].segments.some((s) => s.weight === 1.4));
    assert.deepEqual(out.stylesUsed, ['Fooocus Enhance', 'Fooocus Sharp']);
  });

  it('collects warnings once and refuses a bad image index', () => {
    const out = expandPrompts({ ...base, prompt: '__x__ __x__\n__x__', styles: ['Unknown Style'] });
    assert.equal(out.warnings.length, 2);
    assert.throws(() => expandPrompts({ ...base, imageIndex: -1 }), RangeError);
  });
});
