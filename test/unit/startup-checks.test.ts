import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configFromEnvForTests } from '../../src/config/test-config.ts';
import { createMemoryLogger } from '../../src/logging/logger.ts';
import { awaitWritableFolders } from '../../src/server/folder-check.ts';
import { listenOn, PortInUseError } from '../../src/server/listen.ts';
import { describeFolderProblems, probeWritable } from '../../src/server/writable-folders.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function scratch(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'fooocus-start-'));
  roots.push(root);
  return root;
}

describe('folder check', () => {
  it('finds a writable folder writable and names the reason for one that cannot be created', async () => {
    const root = await scratch();
    assert.equal(await probeWritable('--data-dir', join(root, 'outputs')), null);
    await writeFile(join(root, 'file'), '');
    const problem = await probeWritable('--data-dir', join(root, 'file', 'outputs'));
    assert.deepEqual(problem, { flag: '--data-dir', dir: join(root, 'file', 'outputs'), reason: 'ENOTDIR' });
  });

  it('tells who the server runs as and the chown that fixes a bind mount', () => {
    const text = describeFolderProblems([{ flag: '--data-dir', dir: '/app/outputs', reason: 'EACCES' }], 1000, 1000);
    assert.match(text, /cannot write to --data-dir \/app\/outputs \(EACCES\) as uid 1000/);
    assert.match(text, /sudo chown -R 1000:1000/);
  });

  it('fails the start by default, and with --wait-for-writable-folders waits, says so once, and starts when fixed', async () => {
    const root = await scratch();
    await writeFile(join(root, 'blocker'), '');
    const config = configFromEnvForTests({
      dataDir: join(root, 'blocker', 'outputs'),
      modelsDir: join(root, 'models'),
    });
    await assert.rejects(awaitWritableFolders(config, createMemoryLogger()), /cannot write to --data-dir/);
    const waiting = configFromEnvForTests({
      dataDir: join(root, 'blocker', 'outputs'),
      modelsDir: join(root, 'models'),
      isWaitingForWritableFolders: true,
    });
    const logger = createMemoryLogger();
    let sleeps = 0;
    await awaitWritableFolders(waiting, logger, async () => {
      sleeps += 1;
      if (sleeps === 2) await rm(join(root, 'blocker'));
    });
    assert.equal(sleeps, 2);
    assert.equal(
      logger.lines.filter((l) => l.startsWith('error ') && l.includes('Waiting; checking again every 10 s')).length,
      1,
    );
    assert.ok(logger.lines.includes('info the folders are writable now; starting'));
  });
});

describe('listening', () => {
  it('names the busy port and how to choose another instead of a raw EADDRINUSE', async () => {
    const first: Server = await listenOn((_req, res) => res.end(), 0, '127.0.0.1', '--port');
    const port = (first.address() as { port: number }).port;
    try {
      const error = await listenOn((_req, res) => res.end(), port, '127.0.0.1', '--also-listen').then(
        () => assert.fail('second listen succeeded'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof PortInUseError);
      assert.match(
        error.message,
        new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use .*another --also-listen N$`),
      );
      const viaPort = new PortInUseError(8888, '0.0.0.0', '--port');
      assert.match(viaPort.message, /choose another port with --port N \(or the env API_PORT \/ PORT\)/);
    } finally {
      first.close();
    }
  });
});
