#!/usr/bin/env node
// Lists the test files explicitly (node 20's --test neither expands quoted globs nor finds .ts
// files, DECISIONS §6) and fails the run when fewer tests ran than test/expected-tests.json says,
// so a file that silently stops registering its tests cannot turn the suite green.
//
// Two phases. First every file that does not kill engines, two processes at a time, longest first
// so that no long process starts last and runs alone (the order is the previous run's file times,
// kept under node_modules/.cache, else e2e, api, db, unit). Each e2e file is its own process. The
// unit, api and db files run in a few shared processes (LIGHT_GROUPS), each importing its files one
// after another: starting node with tsx and loading the app costs more than most of these files'
// tests, and none of them changes process-wide state (no env writes, no global mocks, no top-level
// beforeEach; test/unit/test-runner-groups.test.ts checks that). Then the e2e files that kill
// engines or nodes mid-generation, one at a time, so the moment a kill lands is not shifted by a
// neighbour's load; they get every core for the engine's intra-op threads (FOOOCUS_THREADS), which
// the engine otherwise leaves one short for the HTTP server.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KILLS_ENGINES, planUnits, sharedProcessSource } from './runner-plan.mjs';

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
const killsEngines = (file) => KILLS_ENGINES.includes(relative(testDir, file));
const timesCache = join(root, 'node_modules', '.cache', 'fooocus-gateway', 'test-file-seconds.json');
const previousSeconds = readJson(timesCache) ?? {};
const timesDir = mkdtempSync(join(tmpdir(), 'fooocus-test-times-'));
process.on('exit', () => rmSync(timesDir, { recursive: true, force: true }));

const phases = [
  {
    name: 'all but engine kills',
    units: planUnits({ files: files.filter((f) => !killsEngines(f)), root, testDir, previousSeconds }),
    concurrency: 2,
  },
  {
    name: 'e2e that kill engines',
    units: files.filter(killsEngines).map((file) => ({ label: relative(root, file), files: [file] })),
    concurrency: 1,
    env: { FOOOCUS_THREADS: process.env.FOOOCUS_THREADS ?? String(availableParallelism()) },
  },
].filter((phase) => phase.units.length > 0);
console.log(`running ${files.length} test files`);

/** The path node --test runs for a unit: the file itself, or a generated module importing its files. */
function entryOf(unit) {
  if (unit.files.length === 1) return unit.files[0];
  const entry = join(timesDir, `shared-process-${unit.shared}.test.mjs`);
  writeFileSync(entry, sharedProcessSource(unit.files));
  return entry;
}

/** Runs one phase; resolves with its exit code and the runner's closing counts. */
function runPhase(phase) {
  const processes = phase.units.length;
  console.log(
    `\n== ${phase.name}: ${processes} processes for ${phase.units.flatMap((u) => u.files).length} files, ${phase.concurrency} at a time`,
  );
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
      ...phase.units.map((unit) => entryOf(unit)),
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
      const entries = readTimes(timesFile);
      const spans = unitSpans(phase, entries, started);
      rememberFileTimes(phase, spans, entries);
      printSlowest(phase, spans, entries, started);
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

/** The file-times reporter's lines: per source file, its first and last top-level result and its tests' time. */
function readTimes(timesFile) {
  try {
    return readFileSync(timesFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

/**
 * Each unit's wall time in the phase. Node reports no process start, so a unit's span runs from the
 * result that freed its slot (or the phase start) to its last result: exact when units run one at a
 * time, approximate when two share the machine. Results from a file no unit lists (a fixture that
 * registers a file's tests, describeWith in test/fixtures/postgres.ts) count as a unit of their own.
 */
function unitSpans(phase, entries, started) {
  const byFile = new Map(entries.map((entry) => [relative(root, entry.file), entry]));
  const listed = new Set(phase.units.flatMap((unit) => unit.files.map((f) => relative(root, f))));
  const finished = [
    ...phase.units.map((unit) => {
      const own = unit.files.map((f) => byFile.get(relative(root, f))).filter(Boolean);
      return { unit, last: Math.max(0, ...own.map((e) => e.last)), tests: own.reduce((n, e) => n + e.tests, 0) };
    }),
    ...[...byFile]
      .filter(([file]) => !listed.has(file))
      .map(([file, e]) => ({ unit: { label: file, files: [join(root, file)] }, last: e.last, tests: e.tests })),
  ]
    .filter((f) => f.last > 0)
    .sort((a, b) => a.last - b.last);
  const spans = finished.map((f, i) => {
    const from = Math.max(started, i >= phase.concurrency ? finished[i - phase.concurrency].last : started);
    return { unit: f.unit, seconds: (f.last - from) / 1000, tests: f.tests };
  });
  return spans.sort((a, b) => b.seconds - a.seconds);
}

/**
 * Keeps per-file times for the next run's order: a file alone in its process by its span, a file in a
 * shared process by its tests' own time.
 */
function rememberFileTimes(phase, spans, entries) {
  const seconds = readJson(timesCache) ?? {};
  for (const span of spans)
    if (span.unit.files.length === 1) seconds[relative(root, span.unit.files[0])] = round(span.seconds);
  const shared = new Set(phase.units.filter((u) => u.files.length > 1).flatMap((u) => u.files));
  for (const entry of entries)
    if (shared.has(entry.file)) seconds[relative(root, entry.file)] = round(entry.testsMs / 1000);
  try {
    mkdirSync(dirname(timesCache), { recursive: true });
    writeFileSync(timesCache, JSON.stringify(seconds, null, 1));
  } catch {
    // a read-only checkout: the next run orders files by kind
  }
}

const round = (seconds) => Math.round(seconds * 10) / 10;

function printSlowest(phase, spans, entries, started) {
  console.log(`\n${phase.name}: ${((Date.now() - started) / 1000).toFixed(1)} s wall; slowest processes:`);
  for (const span of spans.slice(0, 8))
    console.log(`  ${span.seconds.toFixed(1).padStart(6)} s  ${span.unit.label} (${span.tests} tests)`);
  const shared = new Set(phase.units.filter((u) => u.files.length > 1).flatMap((u) => u.files));
  const inShared = entries.filter((e) => shared.has(e.file)).sort((a, b) => b.testsMs - a.testsMs);
  if (inShared.length === 0) return;
  console.log("  slowest files in shared processes (their tests' own time):");
  for (const entry of inShared.slice(0, 5))
    console.log(
      `  ${(entry.testsMs / 1000).toFixed(1).padStart(6)} s  ${relative(root, entry.file)} (${entry.tests} tests)`,
    );
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
