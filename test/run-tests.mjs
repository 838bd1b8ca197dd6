#!/usr/bin/env node
// Lists the test files explicitly (node 20's --test neither expands quoted globs nor finds .ts
// files, DECISIONS §6) and fails the run when fewer tests ran than test/expected-tests.json says,
// so a file that silently stops registering its tests cannot turn the suite green.
//
// Two phases. First every file that does not kill engines, two at a time (each file is its own
// process with its own servers, engines, free ports and temp dirs; tests wait on events, not on
// wall-clock budgets), longest first so that no long file starts last and runs alone: the order is
// the previous run's file times (kept under node_modules/.cache), else e2e, api, db, unit. Then the e2e
// files that kill engines or nodes mid-generation, one at a time, so the moment a kill lands is not
// shifted by a neighbour's load; they get every core for the engine's intra-op threads
// (FOOOCUS_THREADS), which the engine otherwise leaves one short for the HTTP server.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

const files = listTests(testDir).filter(
  (f) => filter.length === 0 || filter.some((p) => relative(root, f).includes(p)),
);
const { minimum } = JSON.parse(readFileSync(join(testDir, 'expected-tests.json'), 'utf8'));
const KILLS_ENGINES = ['e2e/server-recovery.test.ts', 'e2e/cluster-failover.test.ts', 'e2e/engine-worker.test.ts'];
const killsEngines = (file) => KILLS_ENGINES.includes(relative(testDir, file));
const timesCache = join(root, 'node_modules', '.cache', 'fooocus-gateway', 'test-file-seconds.json');
const previousSeconds = readJson(timesCache) ?? {};
const KIND_ORDER = ['e2e', 'api', 'db', 'unit'];
const kindRank = (file) => KIND_ORDER.indexOf(relative(testDir, file).split('/')[0]);
const longestFirst = (a, b) =>
  (previousSeconds[relative(root, b)] ?? -1) - (previousSeconds[relative(root, a)] ?? -1) ||
  kindRank(a) - kindRank(b) ||
  a.localeCompare(b);
const phases = [
  { name: 'all but engine kills', files: files.filter((f) => !killsEngines(f)).sort(longestFirst), concurrency: 2 },
  {
    name: 'e2e that kill engines',
    files: files.filter(killsEngines),
    concurrency: 1,
    env: { FOOOCUS_THREADS: process.env.FOOOCUS_THREADS ?? String(availableParallelism()) },
  },
].filter((phase) => phase.files.length > 0);
console.log(`running ${files.length} test files`);

/** Runs one phase; resolves with its exit code and the runner's closing counts. */
function runPhase(phase) {
  console.log(`\n== ${phase.name}: ${phase.files.length} files, ${phase.concurrency} at a time`);
  const timesFile = join(timesDir, `${phase.name.replace(/\W+/g, '-')}.jsonl`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(testDir, 'file-times-reporter.mjs')}`,
      `--test-reporter-destination=${timesFile}`,
      `--test-concurrency=${phase.concurrency}`,
      '--test-timeout=180000',
      ...phase.files,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test', ...phase.env } },
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
      const spans = fileSpans(phase, timesFile, started);
      rememberFileTimes(spans);
      printSlowest(phase, spans, started);
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

/**
 * Each file's wall time in the phase. Node reports no file start, so a file's span runs from the
 * result that freed its slot (or the phase start) to its last result: exact when files run one at a
 * time, approximate when two share the machine. A file whose tests are registered by a fixture
 * (describeWith in test/fixtures/postgres.ts) is reported under the fixture's name.
 */
function fileSpans(phase, timesFile, started) {
  let entries;
  try {
    entries = readFileSync(timesFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
  entries.sort((a, b) => a.last - b.last);
  const spans = entries.map((entry, i) => {
    const from = Math.max(started, i >= phase.concurrency ? entries[i - phase.concurrency].last : started);
    return { file: relative(root, entry.file), seconds: (entry.last - from) / 1000, tests: entry.tests };
  });
  return spans.sort((a, b) => b.seconds - a.seconds);
}

/** Keeps the spans for the next run's longest-first order. */
function rememberFileTimes(spans) {
  const seconds = readJson(timesCache) ?? {};
  for (const span of spans) seconds[span.file] = Math.round(span.seconds * 10) / 10;
  try {
    mkdirSync(dirname(timesCache), { recursive: true });
    writeFileSync(timesCache, JSON.stringify(seconds, null, 1));
  } catch {
    // a read-only checkout: the next run orders files by kind
  }
}

function printSlowest(phase, spans, started) {
  console.log(`\n${phase.name}: ${((Date.now() - started) / 1000).toFixed(1)} s wall; slowest files:`);
  for (const span of spans.slice(0, 8))
    console.log(`  ${span.seconds.toFixed(1).padStart(6)} s  ${span.file} (${span.tests} tests)`);
}

const timesDir = mkdtempSync(join(tmpdir(), 'fooocus-test-times-'));
process.on('exit', () => rmSync(timesDir, { recursive: true, force: true }));

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
