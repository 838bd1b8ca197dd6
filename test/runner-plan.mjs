// Which process runs which test file (used by test/run-tests.mjs, checked by
// test/unit/test-runner-plan.test.ts). A "unit" is one node process under `node --test`: an e2e
// file alone, or a shared process that imports several light files one after another.
import { relative } from 'node:path';

/** e2e files that kill engines or nodes mid-generation: one at a time, after everything else. */
export const KILLS_ENGINES = [
  'e2e/server-recovery.test.ts',
  'e2e/cluster-failover.test.ts',
  'e2e/engine-worker.test.ts',
];
/** Folders whose files share processes: they start no engine children and change no process-wide state. */
export const LIGHT_KINDS = ['unit', 'api', 'db'];
/** Shared processes for the light files: enough to keep both slots busy beside the e2e files. */
export const LIGHT_GROUPS = 4;
/** Seconds a file is guessed to take when no earlier run timed it. */
const GUESS_SECONDS = { e2e: 10, api: 2.5, db: 2.5, unit: 0.5 };
/** What a light file adds to its shared process beyond its tests' own time (its modules' first load). */
const LOAD_SECONDS = 0.3;
const KIND_ORDER = ['e2e', 'api', 'db', 'unit'];

export const kindOf = (testDir, file) => relative(testDir, file).split('/')[0];

/**
 * Splits files into process units, longest first. `previousSeconds` maps a path relative to `root`
 * to its last measured time. Light files are spread over LIGHT_GROUPS units by greedy balancing
 * (each to the least loaded group, longest file first).
 */
export function planUnits({ files, root, testDir, previousSeconds }) {
  const estimate = (file) => previousSeconds[relative(root, file)] ?? GUESS_SECONDS[kindOf(testDir, file)] ?? 1;
  const units = [];
  const light = files.filter((f) => LIGHT_KINDS.includes(kindOf(testDir, f)));
  for (const file of files.filter((f) => !light.includes(f)))
    units.push({ label: relative(root, file), files: [file], seconds: estimate(file), rank: rankOf(testDir, file) });
  const groups = Array.from({ length: Math.min(LIGHT_GROUPS, light.length) }, () => ({ files: [], seconds: 0 }));
  for (const file of [...light].sort((a, b) => estimate(b) - estimate(a) || a.localeCompare(b))) {
    const group = groups.reduce((least, g) => (g.seconds < least.seconds ? g : least));
    group.files.push(file);
    group.seconds += estimate(file) + LOAD_SECONDS;
  }
  groups.forEach((group, i) => {
    const kinds = [...new Set(group.files.map((f) => kindOf(testDir, f)))].join('/');
    units.push({
      label:
        group.files.length === 1
          ? relative(root, group.files[0])
          : `${group.files.length} ${kinds} files (shared process ${i + 1})`,
      shared: i + 1,
      files: group.files.sort(),
      seconds: group.seconds,
      rank: Math.min(...group.files.map((f) => rankOf(testDir, f))),
    });
  });
  return units.sort((a, b) => b.seconds - a.seconds || a.rank - b.rank || a.label.localeCompare(b.label));
}

const rankOf = (testDir, file) => KIND_ORDER.indexOf(kindOf(testDir, file));

/** The module a shared process runs: it imports each file in turn; a file that fails to load fails as a test. */
export function sharedProcessSource(files) {
  return [
    "import { test } from 'node:test';",
    "import { pathToFileURL } from 'node:url';",
    `for (const file of ${JSON.stringify(files)}) {`,
    '  try {',
    '    await import(pathToFileURL(file).href);',
    '  } catch (error) {',
    '    test(`${file} loads`, () => {',
    '      throw error;',
    '    });',
    '  }',
    '}',
    '',
  ].join('\n');
}
