import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  loadStyleTemplates,
  normalizeStyleName,
  parseStyleFile,
  styleFileLoadOrder,
} from '../../engine/styles/style-files.ts';
import { STYLE_TEMPLATES } from '../../engine/styles/style-templates.ts';

const dirs: string[] = [];
async function folderWith(files: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'styles-'));
  dirs.push(dir);
  for (const [name, content] of Object.entries(files))
    await writeFile(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('style name normalisation (Fooocus normalize_key)', () => {
  it('turns file keys into the listed names', () => {
    assert.equal(normalizeStyleName('sai-3d-model'), 'SAI 3D Model');
    assert.equal(normalizeStyleName('mre-sumi-e-symbolic'), 'MRE Sumi E Symbolic');
    assert.equal(normalizeStyleName('Fooocus Enhance'), 'Fooocus Enhance');
    assert.equal(normalizeStyleName('flat 2d art'), 'Flat 2d Art');
    assert.equal(normalizeStyleName('ads-GOURMET-food'), 'Ads Gourmet Food');
    assert.equal(normalizeStyleName('my (style) name'), 'My (Style) Name');
  });

  it('keeps double spaces as empty words, as Python split(" ") does', () => {
    assert.equal(normalizeStyleName('a  b'), 'A  B');
  });
});

describe('style file parsing', () => {
  it('defaults missing fields to empty strings and normalises names', () => {
    const { entries, warnings } = parseStyleFile(
      JSON.stringify([
        { name: 'my-style', prompt: 'x {prompt}' },
        { name: 'neg only', negative_prompt: 'bad' },
      ]),
      'a.json',
    );
    assert.deepEqual(entries, [
      ['My Style', { prompt: 'x {prompt}', negative: '' }],
      ['Neg Only', { prompt: '', negative: 'bad' }],
    ]);
    assert.deepEqual(warnings, []);
  });

  it('skips bad entries and bad files with a warning naming the file', () => {
    const bad = parseStyleFile(
      JSON.stringify([{ prompt: 'no name' }, { name: 'ok' }, { name: 'x', prompt: 3 }]),
      'b.json',
    );
    assert.deepEqual(
      bad.entries.map(([name]) => name),
      ['Ok'],
    );
    assert.equal(bad.warnings.length, 2);
    assert.match(bad.warnings[0], /b\.json entry 0/);
    assert.match(parseStyleFile('{nope', 'c.json').warnings[0], /c\.json is not valid JSON/);
    assert.match(parseStyleFile('{"name":"x"}', 'd.json').warnings[0], /d\.json must hold a JSON array/);
  });

  it('loads extra files first (case-insensitive order) and Fooocus own files last in their order', () => {
    assert.deepEqual(
      styleFileLoadOrder(['sdxl_styles_sai.json', 'zeta.json', 'sdxl_styles_fooocus.json', 'Beta.json', 'alpha.json']),
      ['alpha.json', 'Beta.json', 'zeta.json', 'sdxl_styles_fooocus.json', 'sdxl_styles_sai.json'],
    );
  });
});

describe('loading a styles folder over our templates', () => {
  it('returns our templates unchanged when the folder does not exist', async () => {
    const loaded = await loadStyleTemplates(join(tmpdir(), 'no-such-styles-folder-xyz'));
    assert.equal(loaded.templates, STYLE_TEMPLATES);
    assert.deepEqual(loaded.warnings, []);
  });

  it('overrides our template in place, appends new names, and lets later files win', async () => {
    const dir = await folderWith({
      'a.json': [
        { name: 'sai-anime', prompt: 'A {prompt}', negative_prompt: 'a-neg' },
        { name: 'brand-new', prompt: 'new {prompt}' },
      ],
      'b.json': [{ name: 'SAI Anime', prompt: 'B {prompt}' }],
      'sdxl_styles_fooocus.json': [{ name: 'brand-new', prompt: 'fooocus file wins {prompt}' }],
      'notes.txt': 'not a style file',
    });
    const { templates, warnings } = await loadStyleTemplates(dir);
    assert.deepEqual(warnings, []);
    assert.deepEqual(templates.get('SAI Anime'), { prompt: 'B {prompt}', negative: '' });
    assert.deepEqual(templates.get('Brand New'), { prompt: 'fooocus file wins {prompt}', negative: '' });
    const names = [...templates.keys()];
    assert.equal(names.length, 278);
    assert.equal(names.indexOf('SAI Anime'), [...STYLE_TEMPLATES.keys()].indexOf('SAI Anime'));
    assert.equal(names.at(-1), 'Brand New');
    assert.notEqual(STYLE_TEMPLATES.get('SAI Anime')?.prompt, 'B {prompt}', 'our table is not mutated');
  });

  it('keeps loading after a broken file and reports it', async () => {
    const dir = await folderWith({
      'bad.json': '[{"name": ',
      'good.json': [{ name: 'good one', prompt: '{prompt}!' }],
    });
    const { templates, warnings } = await loadStyleTemplates(dir);
    assert.equal(templates.get('Good One')?.prompt, '{prompt}!');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /bad\.json/);
  });
});
