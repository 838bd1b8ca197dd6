import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyArrays } from '../../engine/prompts/arrays.ts';
import { cleanupPrompt, extractLoraTags } from '../../engine/prompts/lora-tags.ts';
import { removeEmpty, safeStr, splitLines, toPromptLines } from '../../engine/prompts/prompt-lines.ts';
import { createPromptRng, type PromptRng } from '../../engine/prompts/prompt-rng.ts';
import { applyWildcards, type WildcardFiles } from '../../engine/prompts/wildcards.ts';

/** A PromptRng that returns scripted indexes and records the counts it was asked for. */
function scriptedRng(picks: number[]): PromptRng & { counts: number[] } {
  const counts: number[] = [];
  return {
    counts,
    pickIndex(count: number): number {
      counts.push(count);
      const next = picks.shift();
      if (next === undefined) throw new Error('scripted rng ran out of picks');
      return next;
    },
  };
}
const noRng: PromptRng = { pickIndex: () => assert.fail('rng must not be used') };

describe('prompt lines (safe_str, splitlines, remove_empty_str)', () => {
  it('collapses double spaces and strips , . space CR LF at both ends only', () => {
    assert.equal(safeStr('  a    cat.., '), 'a cat');
    assert.equal(safeStr('\t a cat \t'), '\t a cat \t');
    assert.equal(safeStr('.a,b.'), 'a,b');
  });

  it('splits on every Python line boundary', () => {
    assert.deepEqual(splitLines('a\r\nb\rc\u2028d\ve'), ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(splitLines(''), []);
    assert.deepEqual(splitLines('a\n'), ['a']);
    assert.deepEqual(splitLines('a\n\n'), ['a', '']);
    assert.deepEqual(splitLines('\n'), ['']);
  });

  it('makes line 1 the main prompt and the rest extras, dropping empty lines', () => {
    assert.deepEqual(toPromptLines('  a cat.. \n\n  second  line , \nthird'), {
      main: 'a cat',
      extras: ['second line', 'third'],
    });
    assert.deepEqual(toPromptLines('\n\nonly'), { main: 'only', extras: [] });
    assert.deepEqual(toPromptLines(''), { main: '', extras: [] });
  });

  it('drops exact empty items only and falls back when none remain', () => {
    assert.deepEqual(removeEmpty(['', ' ', 'a'], 'x'), [' ', 'a']);
    assert.deepEqual(removeEmpty(['', ''], 'x'), ['x']);
  });
});

describe('prompt LoRA tags (§5.4)', () => {
  it('removes each tag, keeps its weight, and cleans the line', () => {
    assert.deepEqual(extractLoraTags('a cat, <lora:foo:0.8>, red'), {
      prompt: 'a cat, red',
      loras: [{ name: 'foo', weight: 0.8 }],
    });
    assert.deepEqual(extractLoraTags('x<lora:a:1><lora:b-c:-.5>y'), {
      prompt: 'xy',
      loras: [
        { name: 'a', weight: 1 },
        { name: 'b-c', weight: -0.5 },
      ],
    });
    assert.deepEqual(extractLoraTags('<lora:a:+2.>'), { prompt: '', loras: [{ name: 'a', weight: 2 }] });
  });

  it('reports a repeated tag each time (the caller de-duplicates) and removes all of them', () => {
    assert.deepEqual(extractLoraTags('<lora:a:1> b <lora:a:1>'), {
      prompt: 'b',
      loras: [
        { name: 'a', weight: 1 },
        { name: 'a', weight: 1 },
      ],
    });
  });

  it('leaves malformed tags as text', () => {
    assert.deepEqual(extractLoraTags('<lora:bad:abc> <lora:sd:xl:1>'), {
      prompt: '<lora:bad:abc> <lora:sd:xl:1>',
      loras: [],
    });
  });

  it('always cleans the line, tags or not', () => {
    assert.equal(extractLoraTags('a,,b   c, ,').prompt, 'a, b c');
    assert.equal(cleanupPrompt('a , b,c'), 'a, b, c');
    assert.equal(extractLoraTags('').prompt, '');
  });
});

describe('wildcards (§5.5)', () => {
  const files: WildcardFiles = {
    color: ['red', '', 'blue'],
    flower: ['rose'],
    color_flower: ['__color__ __flower__'],
    loop: ['__loop__ again'],
    a____b: ['greedy'],
  };

  it('in order: line imageIndex mod count, the same for every occurrence', () => {
    const run = (imageIndex: number): string =>
      applyWildcards('__color__ and __color__', {
        wildcards: files,
        imageIndex,
        readWildcardsInOrder: true,
        rng: noRng,
      }).text;
    assert.equal(run(0), 'red and red');
    assert.equal(run(1), 'blue and blue');
    assert.equal(run(2), 'red and red');
  });

  it('random: one draw per occurrence, left to right, over the non-empty lines', () => {
    const rng = scriptedRng([1, 0]);
    assert.equal(
      applyWildcards('__color__ and __color__', { wildcards: files, imageIndex: 0, readWildcardsInOrder: false, rng })
        .text,
      'blue and red',
    );
    assert.deepEqual(rng.counts, [2, 2]);
  });

  it('resolves nested wildcards over several passes', () => {
    assert.equal(
      applyWildcards('a __color_flower__', { wildcards: files, imageIndex: 1, readWildcardsInOrder: true, rng: noRng })
        .text,
      'a blue rose',
    );
  });

  it('turns a missing or empty wildcard into its bare name everywhere, with one warning', () => {
    const out = applyWildcards('__nope__ x __nope__ __constructor__', {
      wildcards: { nope: [''] },
      imageIndex: 0,
      readWildcardsInOrder: true,
      rng: noRng,
    });
    assert.equal(out.text, 'nope x nope constructor');
    assert.equal(out.warnings.length, 2);
    assert.match(out.warnings[0], /'nope'/);
  });

  it('reads names greedily like Python ([\\w-]+ includes "_")', () => {
    assert.equal(
      applyWildcards('__a____b__', { wildcards: files, imageIndex: 0, readWildcardsInOrder: true, rng: noRng }).text,
      'greedy',
    );
  });

  it('stops after 64 passes on a self-including wildcard and warns', () => {
    const out = applyWildcards('__loop__', { wildcards: files, imageIndex: 0, readWildcardsInOrder: true, rng: noRng });
    assert.equal(out.text, `__loop__${' again'.repeat(64)}`);
    assert.match(out.warnings[0], /64 passes/);
  });

  it('inserts lines literally ($& is not a replacement pattern)', () => {
    assert.equal(
      applyWildcards('__w__', { wildcards: { w: ['$& cost'] }, imageIndex: 0, readWildcardsInOrder: true, rng: noRng })
        .text,
      '$& cost',
    );
  });
});

describe('arrays [[a,b,c]] (§5.6)', () => {
  it('walks every combination with the first group varying fastest', () => {
    const seen = [0, 1, 2, 3, 4, 5, 6].map((i) => applyArrays('[[a,b]] and [[x,y,z]]', i));
    assert.deepEqual(seen, ['a and x', 'b and x', 'a and y', 'b and y', 'a and z', 'b and z', 'a and x']);
  });

  it('keeps spaces around options and leaves text without groups alone', () => {
    assert.equal(applyArrays('[[a, b]]!', 1), ' b!');
    assert.equal(applyArrays('plain [a,b]', 3), 'plain [a,b]');
  });

  it('replaces identical groups one occurrence at a time', () => {
    assert.equal(applyArrays('[[a,b]] [[a,b]]', 1), 'b a');
  });
});

describe('prompt RNG', () => {
  // Recipe: xoshiro256** seeded by SplitMix64 from (seed XOR 0x70726f6d70747321) mod 2^64; index =
  // (top 53 bits) mod n, rejecting draws ≥ 2^53 − (2^53 mod n). Cross-checked with a Python
  // transcription of the same recipe.
  it('draws the reference indexes for fixed seeds', () => {
    const draw = (seed: bigint): number[] => {
      const rng = createPromptRng(seed);
      return Array.from({ length: 6 }, () => rng.pickIndex(1000));
    };
    assert.deepEqual(draw(0n), [667, 371, 954, 576, 224, 271]);
    assert.deepEqual(draw(12345n), [865, 420, 761, 528, 6, 467]);
    assert.deepEqual(draw((1n << 63n) - 1n), [628, 534, 300, 634, 568, 43]);
  });

  it('stays in range and refuses a bad count', () => {
    const rng = createPromptRng(7n);
    for (let i = 0; i < 1000; i++) {
      const k = rng.pickIndex(3);
      assert.ok(k >= 0 && k < 3);
    }
    assert.equal(rng.pickIndex(1), 0);
    assert.throws(() => rng.pickIndex(0), RangeError);
    assert.throws(() => rng.pickIndex(1.5), RangeError);
  });
});
