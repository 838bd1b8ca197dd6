import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadWildcardFiles } from '../../engine/prompts/wildcard-files.ts';

const dir = await mkdtemp(join(tmpdir(), 'wildcards-'));
after(() => rm(dir, { recursive: true, force: true }));

it('reads *.txt files recursively by stem, top-level files winning a stem clash', async () => {
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'color.txt'), '\uFEFFred\r\nblue\n\ngreen\n');
  await writeFile(join(dir, 'sub', 'color.txt'), 'shadowed');
  await writeFile(join(dir, 'sub', 'flower.TXT'), 'rose');
  await writeFile(join(dir, 'notes.md'), 'ignored');
  assert.deepEqual(await loadWildcardFiles(dir), { color: ['red', 'blue', '', 'green'], flower: ['rose'] });
});

it('gives no wildcards for a missing folder', async () => {
  assert.deepEqual(await loadWildcardFiles(join(dir, 'absent')), {});
});
