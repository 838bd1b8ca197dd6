// A node:test reporter that writes one JSON line per test file: when its first and last top-level
// results arrived and the sum of their durations. test/run-tests.mjs prints the slowest files from it,
// so whoever shortens the suite sees where its time goes.
export default async function* fileTimes(source) {
  const files = new Map();
  for await (const event of source) {
    if ((event.type !== 'test:pass' && event.type !== 'test:fail') || event.data.nesting !== 0) continue;
    const file = event.data.file ?? '(unknown)';
    const entry = files.get(file) ?? { file, first: Date.now(), last: 0, testsMs: 0, tests: 0 };
    entry.last = Date.now();
    entry.testsMs += event.data.details?.duration_ms ?? 0;
    entry.tests += 1;
    files.set(file, entry);
  }
  for (const entry of files.values()) yield `${JSON.stringify(entry)}\n`;
}
