import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEmphasis, parsePythonFloat } from '../../engine/prompts/emphasis.ts';

const parsed = (text: string): Array<[string, number]> => parseEmphasis(text).map((s) => [s.text, s.weight]);

describe('emphasis parsing (ComfyUI token_weights, fooocus-semantics §4.6)', () => {
  it('leaves plain text at weight 1', () => {
    assert.deepEqual(parsed('a red cat'), [['a red cat', 1]]);
    assert.deepEqual(parsed(''), []);
  });

  it('multiplies by 1.1 per nesting level, in float64 like Python', () => {
    assert.deepEqual(parsed('a (b) c'), [
      ['a ', 1],
      ['b', 1.1],
      [' c', 1],
    ]);
    assert.deepEqual(parsed('((b))'), [['b', 1.1 * 1.1]]);
    assert.equal(parsed('((b))')[0][1], 1.2100000000000002);
    assert.deepEqual(parsed('(((b)))'), [['b', 1.1 * 1.1 * 1.1]]);
  });

  it('sets an absolute weight with (text:w), also inside other groups', () => {
    assert.deepEqual(parsed('(b:1.3)'), [['b', 1.3]]);
    assert.deepEqual(parsed('((b:1.3))'), [['b', 1.3]]);
    assert.deepEqual(parsed('(a (b):1.5)'), [
      ['a ', 1.5],
      ['b', 1.5 * 1.1],
    ]);
    assert.deepEqual(parsed('(a:1.2)(b)'), [
      ['a', 1.2],
      ['b', 1.1],
    ]);
    assert.deepEqual(parsed('(b: 1.2 )'), [['b', 1.2]]);
    assert.deepEqual(parsed('(b:0.5e1)'), [['b', 5]]);
    assert.deepEqual(parsed('(b:-1)'), [['b', -1]]);
  });

  it('takes the weight after the last colon, as Fooocus does (a known quirk)', () => {
    assert.deepEqual(parsed('(time: 12:30)'), [['time: 12', 30]]);
  });

  it('keeps a non-numeric or leading colon suffix as text and applies the 1.1 factor', () => {
    assert.deepEqual(parsed('(b:x)'), [['b:x', 1.1]]);
    assert.deepEqual(parsed('(:1.5)'), [[':1.5', 1.1]]);
    assert.deepEqual(parsed('(b:inf)'), [['b:inf', 1.1]]);
  });

  it('treats \\( and \\) as literal parentheses and drops the backslash', () => {
    assert.deepEqual(parsed('\\(b\\)'), [['(b)', 1]]);
    assert.deepEqual(parsed('(a \\) b)'), [['a ) b', 1.1]]);
    assert.deepEqual(parsed('smile \\(happy\\) (eyes:1.2)'), [
      ['smile (happy) ', 1],
      ['eyes', 1.2],
    ]);
  });

  it('gives square brackets no meaning', () => {
    assert.deepEqual(parsed('[b] [[c]]'), [['[b] [[c]]', 1]]);
  });

  it('keeps unbalanced parentheses as literal text', () => {
    assert.deepEqual(parsed('(b'), [['(b', 1]]);
    // The outer '(' opens a group the inner ')' closes: ComfyUI then weights its inside, '(c' literal.
    assert.deepEqual(parsed('a (b (c)'), [
      ['a ', 1],
      ['b ', 1.1],
      ['(c', 1.1],
    ]);
    // A stray ')' drives the depth negative, so the following '(b)' is no group.
    assert.deepEqual(parsed('a) (b)'), [['a) (b)', 1]]);
    assert.deepEqual(parsed('()'), []);
  });

  it('parses Python float literals and refuses inf/nan/garbage', () => {
    assert.equal(parsePythonFloat(' 1_0.5 '), 10.5);
    assert.equal(parsePythonFloat('.5'), 0.5);
    assert.equal(parsePythonFloat('5.'), 5);
    assert.equal(parsePythonFloat('+2E-1'), 0.2);
    for (const bad of ['', ' ', 'nan', 'inf', '1__0', '_1', '1_', '0x10', '1.2.3', '1e'])
      assert.equal(parsePythonFloat(bad), null, bad);
  });
});
