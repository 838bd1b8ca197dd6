import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientTextFor } from '../../src/tasks/client-text.ts';

test('server folders in client-visible text become their relative names (deepest root first)', () => {
  const text = clientTextFor({ '/srv/app/models': 'models', '/srv/app/outputs': '', '/srv/app/models/inner-data': '' });
  assert.equal(
    text("checkpoint 'x' at /srv/app/models/checkpoints/x is incomplete"),
    "checkpoint 'x' at models/checkpoints/x is incomplete",
  );
  assert.equal(text('could not read /srv/app/outputs/inputs/ab.png'), 'could not read inputs/ab.png');
  assert.equal(text('models dir /srv/app/models and data dir /srv/app/outputs'), 'models dir models and data dir .');
  assert.equal(text('/srv/app/models/inner-data/a.png'), 'a.png');
  assert.equal(text('no paths here'), 'no paths here');
});
