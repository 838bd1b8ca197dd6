#!/usr/bin/env node
// Lists the test files explicitly (node 20's --test neither expands quoted globs nor finds .ts
// files, DECISIONS §6) and fails the run when fewer tests ran than test/expected-tests.json says,
// so a file that silently stops registering its tests cannot turn the suite green.
//
// Two phases: unit, db and api files two at a time (each file is its own process; they share
// nothing but temp dirs), then the e2e files one at a time (they spawn engine children and time
// kills against them, so they get the machine to themselves).
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

const files = listTests(testDir).filter(
  (f) => filter.length === 0 || filter.some((p) => relative(root, f).includes(p)),
);
const { minimum } = JSON.parse(readFileSync(join(testDir, 'expected-tests.json'), 'utf8'));
const isE2e = (file) => relative(testDir, file).startsWith('e2e');
const phases = [
  { name: 'unit, db and api', files: files.filter((f) => !isE2e(f)), concurrency: 2 },
  { name: 'e2e', files: files.filter(isE2e), concurrency: 1 },
].filter((phase) => phase.files.length > 0);
console.log(`running ${files.length} test files`);

/** Runs one phase; resolves with its exit code and the runner's closing counts. */
function runPhase(phase) {
  console.log(`\n== ${phase.name}: ${phase.files.length} files, ${phase.concurrency} at a time`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${phase.concurrency}`,
      '--test-timeout=180000',
      ...phase.files,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test' } },
  );
  let tail = '';
  let skippedPostgres = false;
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
    // test/fixtures/postgres.ts gives every PostgreSQL suite this skip reason when no server answers.
    skippedPostgres ||= tail.includes('PostgreSQL tests skipped');
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const count = (label) => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(tail)?.[1] ?? NaN);
      resolve({
        code: code ?? 1,
        tests: count('tests'),
        passed: count('pass'),
        failed: count('fail'),
        skipped: count('skipped'),
        skippedPostgres,
      });
    });
  });
}

let tests = 0;
let passed = 0;
let failed = 0;
let skipped = 0;
let skippedPostgres = false;
let exitCode = 0;
for (const phase of phases) {
  const result = await runPhase(phase);
  if (result.code !== 0) exitCode = result.code;
  if (!Number.isFinite(result.tests)) {
    console.error(`could not read the test count from the ${phase.name} runner output`);
    exitCode ||= 1;
    continue;
  }
  tests += result.tests;
  passed += result.passed;
  failed += result.failed;
  skipped += Number.isFinite(result.skipped) ? result.skipped : 0;
  skippedPostgres ||= result.skippedPostgres;
}
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${tests} tests)`);
if (skippedPostgres) {
  console.log('PostgreSQL tests were SKIPPED: no PostgreSQL server answered (see the SKIP lines above).');
  console.log('Start one on 127.0.0.1:5432 or set TEST_POSTGRES_URL; CI=true (as .ci/run sets) makes this a failure.');
}
if (exitCode !== 0) process.exit(exitCode);
if (filter.length === 0 && tests < minimum) {
  console.error(`only ${tests} tests ran; test/expected-tests.json expects at least ${minimum}`);
  process.exit(1);
}
