import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PSEUDO_STYLE_NAMES, TEMPLATE_STYLE_NAMES_BY_FILE } from '../../engine/styles/fooocus-style-names.ts';
import { STYLE_TEMPLATES } from '../../engine/styles/style-templates.ts';

const TEMPLATE_NAMES = Object.values(TEMPLATE_STYLE_NAMES_BY_FILE).flat();
const NEGATIVE_ONLY = ['Fooocus Enhance', 'Fooocus Semi Realistic', 'Fooocus Negative'];
const count = (text: string, part: string): number => text.split(part).length - 1;

describe('our style templates', () => {
  it('has a template for every Fooocus template name, in Fooocus load order, and nothing else', () => {
    assert.deepEqual([...STYLE_TEMPLATES.keys()], TEMPLATE_NAMES);
    assert.equal(STYLE_TEMPLATES.size, 277);
  });

  it('has no template for the pseudo-styles', () => {
    for (const name of PSEUDO_STYLE_NAMES) assert.equal(STYLE_TEMPLATES.has(name), false, name);
  });

  it('puts {prompt} exactly once in every positive except the three negative-only styles', () => {
    for (const [name, template] of STYLE_TEMPLATES) {
      if (NEGATIVE_ONLY.includes(name)) assert.equal(template.prompt, '', name);
      else assert.equal(count(template.prompt, '{prompt}'), 1, name);
    }
  });

  it('has no newlines, a negative for every style, and no doubled or dangling commas', () => {
    for (const [name, { prompt, negative }] of STYLE_TEMPLATES) {
      for (const text of [prompt, negative]) {
        assert.doesNotMatch(text, /[\r\n]/, name);
        assert.doesNotMatch(text, /,\s*,|^\s*,|,\s*$|\s{2}/, name);
      }
      assert.notEqual(negative, '', name);
    }
  });

  it('keeps balanced parentheses so no emphasis group swallows the user prompt', () => {
    for (const [name, { prompt, negative }] of STYLE_TEMPLATES) {
      for (const text of [prompt, negative]) assert.equal(count(text, '('), count(text, ')'), name);
    }
  });

  it('gives Pony its score tags and Sharp a cinematic wrapper', () => {
    assert.deepEqual(STYLE_TEMPLATES.get('Fooocus Pony'), {
      prompt: 'score_9, score_8_up, score_7_up, {prompt}',
      negative: 'score_6, score_5, score_4',
    });
    assert.match(STYLE_TEMPLATES.get('Fooocus Sharp')!.prompt, /^cinematic still of \{prompt\}, /);
  });

  it('writes each positive differently (no copy-pasted templates)', () => {
    const positives = [...STYLE_TEMPLATES.values()].map((t) => t.prompt).filter((p) => p !== '');
    assert.equal(new Set(positives).size, positives.length);
  });
});
