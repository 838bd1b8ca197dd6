/**
 * The test runner's plan (test/runner-plan.mjs): which files share a node process, and the rule that
 * makes sharing safe — a light file changes no process-wide state a neighbour could see.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
// @ts-expect-error -- a plain .mjs module of the runner, without type declarations
import { KILLS_ENGINES, LIGHT_GROUPS, LIGHT_KINDS, planUnits, sharedProcessSource } from '../runner-plan.mjs';

interface Unit {
  label: string;
  files: string[];
  seconds: number;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const testDir = join(root, 'test');

/** Statements that would leak from one file of a shared process into the files after it. */
const PROCESS_WIDE = [
  {
    what: 'a top-level beforeEach/afterEach (it would run around every later file test)',
    re: /^(beforeEach|afterEach)\(/m,
  },
  { what: 'an environment variable write', re: /process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete process\.env/ },
  { what: 'a working-directory change', re: /process\.chdir\(/ },
  {
    what: 'a process-wide mock (use the test context: t.mock)',
    re: /(^|[^.\w])mock\.(method|module|timers|fn|getter|setter)\(/m,
  },
];

test('plan: every e2e file alone, the light files spread over the shared processes, each file once', () => {
  const files = [
    ...['a', 'b', 'c'].map((n) => join(testDir, 'e2e', `${n}.test.ts`)),
    ...Array.from({ length: 10 }, (_, i) => join(testDir, LIGHT_KINDS[i % LIGHT_KINDS.length], `f${i}.test.ts`)),
  ];
  const previousSeconds = { 'test/e2e/b.test.ts': 30, 'test/unit/f0.test.ts': 9, 'test/api/f1.test.ts': 8 };
  const units = planUnits({ files, root, testDir, previousSeconds }) as Unit[];
  const alone = units.filter((u) => u.files.length === 1 && u.files[0].includes('/e2e/'));
  assert.equal(alone.length, 3);
  const shared = units.filter((u) => !alone.includes(u));
  assert.equal(shared.length, LIGHT_GROUPS);
  assert.deepEqual(units.flatMap((u) => u.files).sort(), [...files].sort());
  assert.equal(units[0].label, 'test/e2e/b.test.ts', 'the longest unit starts first');
  const sorted = units.map((u) => u.seconds);
  assert.deepEqual(
    sorted,
    [...sorted].sort((a, b) => b - a),
  );
  // Greedy balance: the two slow light files land in different processes.
  const holder = (name: string) => shared.findIndex((u) => u.files.some((f) => f.endsWith(name)));
  assert.notEqual(holder('f0.test.ts'), holder('f1.test.ts'));
});

test('the light files change no process-wide state, and the check would catch each kind', async () => {
  for (const { re } of PROCESS_WIDE) assert.equal(re.test(''), false);
  const samples = [
    'beforeEach(() => {});',
    "process.env.FOOOCUS_X = '1';",
    "process.env['X'] = 'y';",
    'delete process.env.X;',
    "process.chdir('/tmp');",
    "mock.method(console, 'log');",
  ];
  for (const sample of samples)
    assert.ok(
      PROCESS_WIDE.some(({ re }) => re.test(sample)),
      `the check misses: ${sample}`,
    );
  assert.equal(
    PROCESS_WIDE.some(({ re }) => re.test("t.mock.method(console, 'log'); if (process.env.X === '1') {}")),
    false,
  );
  const offences: string[] = [];
  for (const kind of LIGHT_KINDS as string[])
    for (const name of await readdir(join(testDir, kind))) {
      // This file holds the offending statements as samples, in strings.
      if (!name.endsWith('.test.ts') || name === 'test-runner-plan.test.ts') continue;
      const source = await readFile(join(testDir, kind, name), 'utf8');
      for (const { what, re } of PROCESS_WIDE) if (re.test(source)) offences.push(`test/${kind}/${name}: ${what}`);
    }
  assert.deepEqual(offences, []);
  for (const file of KILLS_ENGINES as string[]) assert.match(file, /^e2e\//);
});

test('a shared process runs its files in turn, and a file that fails to load fails as a test naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'runner-plan-'));
  try {
    await writeFile(join(dir, 'good.test.mjs'), "import { test } from 'node:test';\ntest('good runs', () => {});\n");
    await writeFile(join(dir, 'broken.test.mjs'), "throw new Error('cannot load');\n");
    const entry = join(dir, 'shared.test.mjs');
    await writeFile(entry, sharedProcessSource([join(dir, 'broken.test.mjs'), join(dir, 'good.test.mjs')]));
    // Without NODE_TEST_CONTEXT, which would make the inner run report to this runner instead of exiting 1.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', entry], { encoding: 'utf8', env });
    assert.equal(run.status, 1);
    assert.match(run.stdout, /✔ good runs/);
    assert.match(run.stdout, /✖ .*broken\.test\.mjs loads/);
    assert.match(run.stdout, /cannot load/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
