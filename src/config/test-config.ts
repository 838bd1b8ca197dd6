/**
 * A valid Config for API and e2e tests without going through argv. Defaults are chosen for tests:
 * loopback, port 0 (the OS picks), no demo checkpoint written, quiet logs, the repository's own
 * styles/presets/wildcards folders.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeBaseUrl } from './base-url.ts';
import { ConfigError } from './config-error.ts';
import type { Config } from './config.types.ts';
import { freezeConfig } from './freeze-config.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `dataDir` and `modelsDir` are required: tests must not write into the working tree. */
export function configFromEnvForTests(overrides: Partial<Config>): Config {
  if (!overrides.dataDir || !overrides.modelsDir) {
    throw new ConfigError('configFromEnvForTests needs dataDir and modelsDir (use a temp directory)');
  }
  // An explicit `undefined` in the overrides means "default", not "unset the field".
  const given = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<Config>;
  const host = overrides.host ?? '127.0.0.1';
  const port = overrides.port ?? 0;
  return freezeConfig({
    host,
    port,
    alsoListen: [],
    apiKeys: [],
    baseUrl: computeBaseUrl(null, host, port),
    webhookUrl: '',
    webhookSecret: '',
    webhookFormat: 'string',
    fooocusModelsDir: null,
    queueSize: 100,
    queueHistory: 0,
    stylesDir: resolve(repoRoot, 'styles'),
    presetsDir: resolve(repoRoot, 'presets'),
    wildcardsDir: resolve(repoRoot, 'wildcards'),
    device: 'cpu',
    database: { kind: 'sqlite', file: join(resolve(overrides.dataDir), 'db.sqlite3') },
    nodeName: null,
    engines: [{ device: 'cpu', gpuIndex: null }],
    leaseSeconds: 30,
    defaultModel: null,
    preset: null,
    isStrict: false,
    allowPrivateUrls: false,
    isDemoModelEnabled: false,
    isWaitingForWritableFolders: false,
    isFileAccessProtected: false,
    legacyBase64: 'raw',
    logLevel: 'error',
    logFormat: 'json',
    startupWarnings: [],
    ...given,
    dataDir: resolve(overrides.dataDir),
    modelsDir: resolve(overrides.modelsDir),
  });
}
