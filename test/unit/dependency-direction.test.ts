/**
 * house-style "Dependency direction", enforced by reading every file's import specifiers:
 * engine/ knows nothing of HTTP, the database or the gateway; adapters/ stay pure; only
 * engine/onnx/session.ts imports onnxruntime; migrations are frozen history.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

interface ImportLine {
  specifier: string;
  isTypeOnly: boolean;
}

function importsOf(file: string): ImportLine[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: ImportLine[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm))
    found.push({ specifier: m[3], isTypeOnly: Boolean(m[2]) });
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push({ specifier: m[1], isTypeOnly: false });
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g))
    found.push({ specifier: m[1], isTypeOnly: false });
  return found;
}

/** Top folder of a relative import, resolved from the importing file. */
function targetFolder(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return relative(ROOT, join(ROOT, file, '..', specifier)).split('/')[0];
}

test('engine/ imports only engine/, node built-ins, onnxruntime-node, jimp and onnx-proto', () => {
  const allowedPackages = /^(node:|onnxruntime-node$|jimp$|@jimp\/|onnx-proto$)/;
  const offenders = sources('engine').flatMap((file) =>
    importsOf(file)
      .filter(({ specifier }) =>
        specifier.startsWith('.') ? targetFolder(file, specifier) !== 'engine' : !allowedPackages.test(specifier),
      )
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test('only engine/onnx/session.ts imports onnxruntime-node', () => {
  const importers = ['engine', 'src', 'adapters']
    .flatMap(sources)
    .filter((file) => importsOf(file).some((i) => i.specifier === 'onnxruntime-node'));
  assert.deepEqual(importers, ['engine/onnx/session.ts']);
});

test('adapters/ are pure: no I/O modules, clock or randomness; they import only adapters/', () => {
  const offenders: string[] = [];
  for (const file of sources('adapters')) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    if (/Date\.now\(|Math\.random\(|new Date\(\)/.test(text)) offenders.push(`${file}: clock or randomness`);
    for (const { specifier } of importsOf(file)) {
      if (!specifier.startsWith('.') || targetFolder(file, specifier) !== 'adapters')
        offenders.push(`${file} → ${specifier}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test('each dialect adapter stands alone: legacy/ never imports all-in-one/, nor the reverse', () => {
  const dialectOf = (path: string) => /^adapters\/(legacy|all-in-one)\//.exec(path)?.[1];
  const offenders = sources('adapters').flatMap((file) =>
    importsOf(file)
      .filter(({ specifier }) => specifier.startsWith('.'))
      .filter(({ specifier }) => {
        const from = dialectOf(file);
        const to = dialectOf(relative(ROOT, join(ROOT, file, '..', specifier)));
        return from !== undefined && to !== undefined && from !== to;
      })
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test('src/ uses the engine only through engine/index.ts', () => {
  const offenders = sources('src').flatMap((file) =>
    importsOf(file)
      .filter(({ specifier }) => specifier.startsWith('.') && targetFolder(file, specifier) === 'engine')
      .filter(({ specifier }) => relative(ROOT, join(ROOT, file, '..', specifier)) !== 'engine/index.ts')
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test(
  'importing the engine entry point does not load onnxruntime (the gateway reads its catalogue through it)',
  { skip: process.platform !== 'linux' && 'reads /proc/self/maps' },
  () => {
    const probe =
      "await import('./engine/index.ts'); const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8'); console.log(maps.includes('onnxruntime') ? 'loaded' : 'not loaded');";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(out.trim(), 'not loaded');
  },
);

test('routes never touch entities, the engine or the filesystem directly', () => {
  const offenders = sources('src/http/routes').flatMap((file) =>
    importsOf(file)
      .filter(
        ({ specifier, isTypeOnly }) =>
          !isTypeOnly && /(persistence|engine-client|typeorm|onnxruntime|^node:fs|^fs)/.test(specifier),
      )
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
  assert.deepEqual(offenders, []);
});

test('migrations import nothing from src/', () => {
  const offenders = sources('migrations').flatMap((file) =>
    importsOf(file)
      .filter(({ specifier }) => specifier.includes('src/'))
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
  assert.deepEqual(offenders, []);
});
