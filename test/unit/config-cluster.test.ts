import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDatabase } from '../../src/config/cluster-settings.ts';
import { ConfigError, configFromEnvForTests, parseConfig, type Config } from '../../src/config/config.ts';

const CWD = '/srv/gateway';

function configOf(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const result = parseConfig(argv, env, CWD);
  assert.ok('config' in result, 'expected a config, got help text');
  return result.config;
}

function rejects(argv: string[], env: Record<string, string>, ...fragments: string[]): void {
  assert.throws(
    () => parseConfig(argv, env, CWD),
    (error: unknown) => error instanceof ConfigError && fragments.every((f) => error.message.includes(f)),
    fragments.join(' / '),
  );
}

describe('cluster settings: the store', () => {
  it('defaults to sqlite at <data-dir>/db.sqlite3, following --data-dir', () => {
    assert.deepEqual(configOf([]).database, { kind: 'sqlite', file: '/srv/gateway/outputs/db.sqlite3' });
    assert.deepEqual(configOf(['--data-dir', '/data']).database, { kind: 'sqlite', file: '/data/db.sqlite3' });
  });

  it('takes sqlite:<file> relative to the working directory, or absolute', () => {
    assert.deepEqual(configOf(['--database-url', 'sqlite:./state/q.db']).database, {
      kind: 'sqlite',
      file: '/srv/gateway/state/q.db',
    });
    assert.deepEqual(configOf(['--database-url', 'sqlite:/var/lib/q.db']).database, {
      kind: 'sqlite',
      file: '/var/lib/q.db',
    });
    assert.deepEqual(configOf(['--database-url', 'sqlite:///var/lib/q.db']).database, {
      kind: 'sqlite',
      file: '/var/lib/q.db',
    });
  });

  it('takes postgres:// and postgresql:// URLs, from the flag or DATABASE_URL (the flag wins)', () => {
    assert.deepEqual(configOf([], { DATABASE_URL: 'postgres://gw@db:5432/queue' }).database, {
      kind: 'postgres',
      url: 'postgres://gw@db:5432/queue',
    });
    assert.deepEqual(
      configOf(['--database-url', 'postgresql://x@h/db'], { DATABASE_URL: 'postgres://gw@db/queue' }).database,
      {
        kind: 'postgres',
        url: 'postgresql://x@h/db',
      },
    );
    assert.deepEqual(configOf([], { DATABASE_URL: '' }).database.kind, 'sqlite', 'an empty variable is unset');
  });

  it('rejects other schemes and an empty sqlite path, naming the source and hiding a password', () => {
    rejects(
      ['--database-url', 'mysql://root:hunter2@h/db'],
      {},
      '--database-url',
      'sqlite:<file> or postgres://',
      'root:***@',
    );
    rejects([], { DATABASE_URL: 'redis://h' }, 'DATABASE_URL');
    rejects(['--database-url', 'sqlite:'], {}, '--database-url', 'names no file');
    assert.throws(
      () => parseConfig(['--database-url', 'mysql://root:hunter2@h/db'], {}, CWD),
      (e: Error) => !e.message.includes('hunter2'),
    );
  });

  it('describes a store for logs without its password', () => {
    assert.equal(
      describeDatabase({ kind: 'postgres', url: 'postgres://gw:s3cret@db:5432/q' }),
      'postgres://gw:***@db:5432/q',
    );
    assert.equal(describeDatabase({ kind: 'sqlite', file: '/d/db.sqlite3' }), 'sqlite:/d/db.sqlite3');
  });
});

describe('cluster settings: the node and its engines', () => {
  it('defaults: no node name (host:port is filled in at start), one engine on --device, 30 s leases', () => {
    const config = configOf(['--device', 'cpu']);
    assert.equal(config.nodeName, null);
    assert.deepEqual(config.engines, [{ device: 'cpu', gpuIndex: null }]);
    assert.equal(config.leaseSeconds, 30);
  });

  it('--engines N runs N engines on --device', () => {
    assert.deepEqual(
      configOf(['--engines', '3', '--device', 'webgpu']).engines,
      Array(3).fill({ device: 'webgpu', gpuIndex: null }),
    );
  });

  it('--devices lists one engine per entry, cuda entries naming their GPU; --device is then ignored with a warning', () => {
    const config = configOf(['--devices', 'cuda:0, cuda:1,cpu', '--device', 'cuda']);
    assert.deepEqual(config.engines, [
      { device: 'cuda', gpuIndex: 0 },
      { device: 'cuda', gpuIndex: 1 },
      { device: 'cpu', gpuIndex: null },
    ]);
    assert.ok(config.startupWarnings.some((w) => w.includes('--device is ignored')));
    assert.deepEqual(
      configOf(['--devices', 'cuda:0,cuda:1', '--engines', '2']).engines.length,
      2,
      'agreeing --engines is fine',
    );
  });

  it('rejects bad engine counts, device entries and leases, naming the flag', () => {
    rejects(['--engines', '0'], {}, '--engines', '1 to 64');
    rejects(['--engines', 'two'], {}, '--engines');
    rejects(['--devices', 'tpu:0'], {}, "--devices entry 'tpu:0'");
    rejects(['--devices', 'cpu:1'], {}, 'only cuda entries take an index');
    rejects(['--devices', ','], {}, '--devices', 'lists no device');
    rejects(['--devices', 'cuda:0,cuda:1', '--engines', '3'], {}, '--engines 3 disagrees with --devices');
    rejects(['--lease-seconds', '0'], {}, '--lease-seconds', '1 to 3600');
    rejects(['--node-name', ' '], {}, '--node-name');
  });

  it('keeps --node-name and --lease-seconds, and freezes the engine slots', () => {
    const config = configOf(['--node-name', 'gpu-box-1', '--lease-seconds', '5', '--engines', '2']);
    assert.equal(config.nodeName, 'gpu-box-1');
    assert.equal(config.leaseSeconds, 5);
    assert.ok(
      Object.isFrozen(config.engines) && Object.isFrozen(config.engines[0]) && Object.isFrozen(config.database),
    );
  });

  it('configFromEnvForTests puts the sqlite file in the test data dir', () => {
    const config = configFromEnvForTests({ dataDir: '/tmp/d', modelsDir: '/tmp/m' });
    assert.deepEqual(config.database, { kind: 'sqlite', file: '/tmp/d/db.sqlite3' });
    assert.deepEqual(config.engines, [{ device: 'cpu', gpuIndex: null }]);
  });
});
