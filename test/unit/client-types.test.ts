/** The client's generated types match the specs: regenerated here and compared with the checked-in files. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { DIALECTS, generateTypes, typesFileOf } from '../../src/client/generate-types.ts';

for (const dialect of DIALECTS) {
  test(`src/client/${dialect}.types.ts is what openapi-typescript makes of the ${dialect} spec (run npm run client:types after a spec change)`, async () => {
    const fresh = await generateTypes(dialect);
    const checkedIn = await readFile(typesFileOf(dialect), 'utf8');
    if (fresh !== checkedIn) {
      const a = fresh.split('\n');
      const b = checkedIn.split('\n');
      const line = a.findIndex((l, i) => l !== b[i]);
      assert.fail(
        `stale types: first difference at line ${line + 1}:\n  generated:  ${a[line]}\n  checked in: ${b[line]}\nrun \`npm run client:types\``,
      );
    }
  });
}
