import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FOOOCUS_STYLE_NAMES, TEMPLATE_STYLE_NAMES_BY_FILE } from '../../engine/styles/fooocus-style-names.ts';

describe('Fooocus style names', () => {
  it('lists 279 names: two pseudo-styles plus 277 templates', () => {
    assert.equal(FOOOCUS_STYLE_NAMES.length, 279);
  });

  it('has no duplicate names', () => {
    assert.equal(new Set(FOOOCUS_STYLE_NAMES).size, FOOOCUS_STYLE_NAMES.length);
  });

  it('starts with the pseudo-styles followed by the fooocus file in its order', () => {
    assert.deepEqual(FOOOCUS_STYLE_NAMES.slice(0, 4), [
      'Fooocus V2',
      'Random Style',
      'Fooocus Enhance',
      'Fooocus Semi Realistic',
    ]);
  });

  it('contains every default style so `{}` never needs a substitution', () => {
    for (const name of ['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp'])
      assert.ok(FOOOCUS_STYLE_NAMES.includes(name), name);
  });

  it('keeps the six style files in Fooocus load order with their template counts', () => {
    const counts = Object.entries(TEMPLATE_STYLE_NAMES_BY_FILE).map(([file, names]) => [file, names.length]);
    assert.deepEqual(counts, [
      ['fooocus', 8],
      ['sai', 17],
      ['mre', 22],
      ['twri', 89],
      ['diva', 79],
      ['marc_k3nt3l', 62],
    ]);
  });

  it('keeps Fooocus name normalisation quirks (SAI/MRE upper-case, 3D, lower-case 2d)', () => {
    for (const name of [
      'SAI 3D Model',
      'MRE Sumi E Symbolic',
      'Flat 2d Art',
      'Adorable 3D Character',
      'Mk Shepard Fairey Style',
    ]) {
      assert.ok(FOOOCUS_STYLE_NAMES.includes(name), name);
    }
    assert.equal(FOOOCUS_STYLE_NAMES.at(-1), 'Mk Shepard Fairey Style');
  });

  it('is frozen so callers cannot change the served list', () => {
    assert.throws(() => (FOOOCUS_STYLE_NAMES as string[]).push('Foo'));
  });
});
