// No Docker engine runs on the build machines (DECISIONS §6), so the deployment files are checked by
// parsing them, and their command lines by running them through our own config parser.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (name: string): string => readFileSync(`${root}${name}`, 'utf8');

interface ComposeService {
  build: { context: string; args: Record<string, string> };
  environment: Record<string, string>;
  command: string[];
  ports: string[];
  volumes: string[];
  restart: string;
  deploy: {
    resources: { reservations: { devices: Array<{ driver: string; count: string | number; capabilities: string[] }> } };
  };
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const service = compose.services['fooocus-gateway'];

/** The gateway flags of an `npm start -- ...` command line. */
function gatewayArgs(command: readonly string[]): string[] {
  assert.deepEqual(command.slice(0, 3), ['npm', 'start', '--']);
  return command.slice(3);
}

describe('docker-compose.yml', () => {
  it('defines the fooocus-gateway service built from the Dockerfile with the CUDA 12 install flag', () => {
    assert.ok(service, 'service fooocus-gateway missing');
    assert.equal(service.build.context, '.');
    assert.equal(service.build.args.ONNXRUNTIME_NODE_INSTALL, 'cuda12');
    assert.equal(service.environment.ONNXRUNTIME_NODE_INSTALL, 'cuda12');
  });

  it('reserves all NVIDIA GPUs', () => {
    assert.deepEqual(service.deploy.resources.reservations.devices, [
      { driver: 'nvidia', count: 'all', capabilities: ['gpu'] },
    ]);
  });

  it('publishes 8888 and 7866 and mounts models and outputs', () => {
    assert.ok(service.ports.includes('8888:8888'));
    assert.ok(service.ports.includes('7866:7866'));
    assert.ok(service.volumes.includes('./models:/app/models'));
    assert.ok(service.volumes.includes('./outputs:/app/outputs'));
    assert.match(service.restart, /^(always|unless-stopped|on-failure)/);
  });

  it('runs a command our parser accepts: CUDA, all interfaces, port 8888 plus 7866', () => {
    const result = parseConfig(gatewayArgs(service.command), {}, '/app');
    assert.ok('config' in result);
    assert.equal(result.config.device, 'cuda');
    assert.equal(result.config.host, '0.0.0.0');
    assert.equal(result.config.port, 8888);
    assert.deepEqual(result.config.alsoListen, [7866]);
    assert.equal(result.config.dataDir, '/app/outputs');
    assert.equal(result.config.modelsDir, '/app/models');
    assert.deepEqual(result.config.startupWarnings, []);
  });
});

describe('docker-compose.yml cluster profile', () => {
  // Compose resolves YAML merge keys (`<<: *cluster-gateway`); so does this parse.
  const file = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<
      string,
      ComposeService & { profiles?: string[]; image: string; depends_on: Record<string, { condition: string }> }
    >;
    volumes: Record<string, unknown>;
  };
  const gateways = ['gateway-a', 'gateway-b'].map((name) => file.services[name]);

  it('puts PostgreSQL and two gateway services in the cluster profile, leaving the default service alone', () => {
    for (const name of ['postgres', 'gateway-a', 'gateway-b'])
      assert.deepEqual(file.services[name]?.profiles, ['cluster'], name);
    assert.equal(file.services['fooocus-gateway'].profiles, undefined);
    assert.match(file.services.postgres.image, /^postgres:\d+/);
    assert.ok('pgdata' in file.volumes);
  });

  it('has both gateways wait for a healthy PostgreSQL and share the models and outputs volumes', () => {
    for (const gateway of gateways) {
      assert.deepEqual(gateway.depends_on, { postgres: { condition: 'service_healthy' } });
      assert.ok(gateway.volumes.includes('./models:/app/models'));
      assert.ok(gateway.volumes.includes('./outputs:/app/outputs'));
      assert.equal(gateway.build.args.ONNXRUNTIME_NODE_INSTALL, 'cuda12');
    }
    assert.notDeepEqual(gateways[0].ports, gateways[1].ports, 'distinct host ports');
  });

  it('runs commands our parser accepts: the same PostgreSQL store, distinct node names, the shared data dir', () => {
    const configs = gateways.map((gateway) => {
      const result = parseConfig(gatewayArgs(gateway.command), {}, '/app');
      assert.ok('config' in result);
      assert.deepEqual(result.config.startupWarnings, []);
      return result.config;
    });
    for (const config of configs) {
      assert.equal(config.database.kind, 'postgres');
      assert.deepEqual(config.database, configs[0].database);
      assert.equal(config.dataDir, '/app/outputs');
      assert.equal(config.host, '0.0.0.0');
    }
    assert.deepEqual(
      configs.map((c) => c.nodeName),
      ['gateway-a', 'gateway-b'],
    );
    const url = new URL((configs[0].database as { url: string }).url);
    assert.equal(url.hostname, 'postgres', 'the compose service name');
    assert.equal(url.pathname, `/${file.services.postgres.environment.POSTGRES_DB}`);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .split('\n')
    .map((line) => line.trim());
  const indexOf = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));

  it('builds on node:20-bookworm-slim with the tools sqlite3 needs', () => {
    assert.ok(
      lines.some(
        (line) => line === 'ARG NODE_IMAGE=node:20-bookworm-slim' || line.startsWith('FROM node:20-bookworm-slim'),
      ),
    );
    const install = lines.find((line) => /apt-get install/.test(line) && /python3/.test(line));
    assert.ok(install && /\bmake\b/.test(install) && /\bg\+\+/.test(install), 'python3 make g++ not installed');
  });

  it('runs npm ci with the onnxruntime install skipped, then installs the CUDA provider only for cuda12', () => {
    const npmCi = indexOf(/^RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci\b/);
    const argDefault = indexOf(/^ARG ONNXRUNTIME_NODE_INSTALL=cuda12$/);
    const cuda = indexOf(/^RUN if \[ "\$\{ONNXRUNTIME_NODE_INSTALL\}" = "cuda12" \]; then npm run install-cuda; fi$/);
    assert.ok(npmCi > 0, 'no RUN ONNXRUNTIME_NODE_INSTALL=skip npm ci');
    assert.ok(argDefault >= 0 && argDefault < npmCi, 'ARG default cuda12 must precede npm ci');
    assert.ok(cuda > npmCi, 'the CUDA provider install must follow npm ci, guarded by the build arg');
  });

  it('fetches nothing from NVIDIA outside the cuda12 branch (a CPU-only build needs no CUDA keys)', () => {
    assert.equal(
      lines.filter((line) => /^ADD https?:/.test(line)).length,
      0,
      'an ADD of a URL is fetched on every build',
    );
    const keyring = indexOf(/developer\.download\.nvidia\.com/);
    const branches = lines.map((line, i) =>
      /^RUN if \[ "\$\{ONNXRUNTIME_NODE_INSTALL\}" = "cuda12" \]; then/.test(line) && i < keyring ? i : -1,
    );
    const branch = Math.max(...branches);
    assert.ok(
      keyring > 0 && branch > 0 && lines.slice(branch, keyring).every((line) => line.endsWith('\\')),
      'keyring fetched outside the cuda12 branch',
    );
  });

  it('waits with a message instead of crash-looping when a mounted folder is not writable', () => {
    const cmd = lines.find((line) => line.startsWith('CMD '));
    assert.ok(cmd);
    const result = parseConfig(gatewayArgs(JSON.parse(cmd.slice(4)) as string[]), {}, '/app');
    assert.ok('config' in result);
    assert.equal(result.config.isWaitingForWritableFolders, true);
    const composed = parseConfig(gatewayArgs(service.command), {}, '/app');
    assert.ok('config' in composed && composed.config.isWaitingForWritableFolders);
  });

  it('runs as a non-root user with an npm start command our parser accepts', () => {
    const user = lines.filter((line) => line.startsWith('USER ')).at(-1);
    assert.ok(user && user !== 'USER root' && user !== 'USER 0', 'image must not run as root');
    const cmd = lines.find((line) => line.startsWith('CMD '));
    assert.ok(cmd, 'no CMD');
    const result = parseConfig(gatewayArgs(JSON.parse(cmd.slice(4)) as string[]), {}, '/app');
    assert.ok('config' in result);
    assert.equal(result.config.host, '0.0.0.0');
  });
});

describe('package.json install policy', () => {
  const pkg = JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };

  it('denies onnxruntime-node its install script (no CUDA download on npm ci) with no .npmrc key npm warns about', () => {
    assert.equal(pkg.allowScripts?.['onnxruntime-node'], false);
    assert.throws(() => read('.npmrc'), /ENOENT/, 'a project .npmrc with unknown keys makes npm 11 warn on every run');
  });

  it('covers every dependency with an install script, so npm 12 (which skips unreviewed ones) still builds sqlite3', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    assert.ok(withScripts.includes('sqlite3'));
    for (const name of withScripts)
      assert.equal(
        typeof pkg.allowScripts?.[name],
        'boolean',
        `${name} has an install script but no allowScripts entry`,
      );
    assert.equal(pkg.allowScripts?.sqlite3, true);
  });
});

describe('.dockerignore', () => {
  it('keeps host node_modules, models and outputs out of the build context', () => {
    const entries = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    for (const entry of ['node_modules', 'models', 'outputs']) assert.ok(entries.includes(entry), entry);
  });
});
