/**
 * Lines stay readable: every TypeScript/JavaScript file is as Prettier (printWidth 120, .prettierrc.json)
 * writes it, and no comment line is over 120 characters (Prettier wraps code, not comments; long
 * string literals stay whole, as eslint's max-len with ignoreStrings allows). `npm run format` fixes both.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import * as prettier from 'prettier';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX = 120;

function sourceFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.js', '*.mjs'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  return listed.split('\n').filter((path) => path && !/^src\/client\/.*\.types\.ts$/.test(path));
}

test('every source file is formatted by Prettier and has no comment line over 120 characters', async () => {
  const unformatted: string[] = [];
  const longComments: string[] = [];
  for (const path of sourceFiles()) {
    const text = await readFile(`${ROOT}/${path}`, 'utf8').catch(() => null);
    if (text === null) continue; // deleted in the work tree
    const options = await prettier.resolveConfig(`${ROOT}/${path}`);
    if (!(await prettier.check(text, { ...options, filepath: path }))) unformatted.push(path);
    text.split('\n').forEach((line, i) => {
      if (line.length > MAX && /^\s*(\/\/|\/?\*)/.test(line) && !/https?:\/\//.test(line))
        longComments.push(`${path}:${i + 1}`);
    });
  }
  assert.deepEqual(unformatted, [], 'run npm run format');
  assert.deepEqual(longComments, [], 'comment lines over 120 characters (npm run format does not wrap comments)');
});
