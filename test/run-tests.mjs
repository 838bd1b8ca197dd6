#!/usr/bin/env node
// Lists the test files explicitly (node 20's --test neither expands quoted globs nor finds .ts
// files, DECISIONS §6) and fails the run when fewer tests ran than test/expected-tests.json says,
// so a file that silently stops registering its tests cannot turn the suite green.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');
const filter = process.argv.slice(2);

function listTests(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTests(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const files = listTests(testDir).filter((f) => filter.length === 0 || filter.some((p) => relative(root, f).includes(p)));
const { minimum } = JSON.parse(readFileSync(join(testDir, 'expected-tests.json'), 'utf8'));
console.log(`running ${files.length} test files`);

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=180000', ...files],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const count = (label) => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(tail)?.[1] ?? NaN);
  const tests = count('tests');
  const passed = count('pass');
  const failed = count('fail');
  if (code !== 0) process.exit(code ?? 1);
  if (!Number.isFinite(tests)) {
    console.error('could not read the test count from the runner output');
    process.exit(1);
  }
  if (filter.length === 0 && tests < minimum) {
    console.error(`only ${tests} tests ran; test/expected-tests.json expects at least ${minimum}`);
    process.exit(1);
  }
  console.log(`${passed} passed, ${failed} failed`);
});
