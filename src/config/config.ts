/**
 * CLI flags + environment → one frozen Config. Pure: argv, env and cwd are passed in, nothing is
 * read from the process or the disk, so main.ts and the tests call it the same way.
 */
import { parseArgv, type FlagOccurrence } from './argv-parser.ts';
import { computeBaseUrl } from './base-url.ts';
import { ConfigError } from './config-error.ts';
import {
  DEVICES,
  LEGACY_BASE64_FORMS,
  LOG_FORMATS,
  LOG_LEVELS,
  WEBHOOK_FORMATS,
  type Config,
  type LogLevel,
} from './config.types.ts';
import { NO_OP_FLAGS, NO_OP_HINTS, isNoOpFlag } from './flag-table.ts';
import { parseDatabaseUrl, parseEngineSlots, parseLeaseSeconds, parseNodeName } from './cluster-settings.ts';
import { freezeConfig } from './freeze-config.ts';
import { renderHelp } from './help-text.ts';
import {
  parseApiKeys,
  parseChoice,
  parseCount,
  parseDirectory,
  parseHttpUrl,
  parseName,
  parsePort,
} from './value-parsers.ts';

export type { Config, Device, LegacyBase64Form, LogLevel, WebhookFormat } from './config.types.ts';
export { ConfigError } from './config-error.ts';
export { configFromEnvForTests } from './test-config.ts';

export type Env = Record<string, string | undefined>;

const DEFAULT_PORT = 8888;
const DEFAULT_HOST = '127.0.0.1';
/** `--listen` without an address binds every interface, as Fooocus's argparse const does. */
const LISTEN_BARE_HOST = '0.0.0.0';
/** uvicorn's level names, so `--log-level warning` from a Fooocus-API command line keeps working. */
const LOG_LEVEL_ALIASES: Readonly<Record<string, LogLevel>> = { warning: 'warn', critical: 'error', trace: 'debug' };

/** Throws ConfigError naming the flag or variable at fault. */
export function parseConfig(argv: string[], env: Env, cwd: string): { config: Config } | { help: string } {
  if (argv.includes('--help') || argv.includes('-h')) return { help: renderHelp() };
  const flags = new Flags(parseArgv(argv));
  const warnings = noOpWarnings(flags.occurrences);

  const port = resolvePort(flags, env, warnings);
  const host = resolveHost(flags, warnings);
  const apiKeys = parseApiKeys(flags.last('--apikey') ?? '');
  const isFileAccessProtected = flags.has('--protect-files');
  if (isFileAccessProtected && apiKeys.length === 0) {
    warnings.push('--protect-files has no effect without --apikey: files stay public');
  }
  const webhookFlag = flags.last('--webhook-url');
  const dir = (flag: string, fallback: string): string =>
    parseDirectory(flags.last(flag) ?? fallback, flags.typed(flag), cwd);
  const dataDir = dir('--data-dir', './outputs');
  const fooocusModels = flags.last('--fooocus-models') ?? envValue(env, 'FOOOCUS_MODELS');
  const device = parseChoice(flags.last('--device') ?? 'auto', '--device', DEVICES);
  const databaseFlag = flags.last('--database-url');
  const name = (flag: string): string | null => {
    const value = flags.last(flag);
    return value === undefined ? null : parseName(value, flag);
  };

  return {
    config: freezeConfig({
      host,
      port,
      alsoListen: resolveAlsoListen(flags, port),
      apiKeys,
      baseUrl: computeBaseUrl(flags.last('--base-url') ?? null, host, port),
      webhookUrl:
        webhookFlag !== undefined
          ? parseHttpUrl(webhookFlag, '--webhook-url')
          : parseHttpUrl(envValue(env, 'WEBHOOK_URL') ?? '', 'WEBHOOK_URL'),
      webhookSecret: flags.last('--webhook-secret') ?? '',
      webhookFormat: parseChoice(flags.last('--webhook-format') ?? 'string', '--webhook-format', WEBHOOK_FORMATS),
      queueSize: parseCount(flags.last('--queue-size') ?? '100', '--queue-size'),
      queueHistory: parseCount(flags.last('--queue-history') ?? '0', '--queue-history'),
      dataDir,
      modelsDir: dir('--models-dir', './models'),
      fooocusModelsDir: fooocusModels ? parseDirectory(fooocusModels, flags.typed('--fooocus-models'), cwd) : null,
      stylesDir: dir('--styles-dir', './styles'),
      presetsDir: dir('--presets-dir', './presets'),
      wildcardsDir: dir('--wildcards-dir', './wildcards'),
      device,
      database:
        databaseFlag !== undefined
          ? parseDatabaseUrl(databaseFlag, '--database-url', dataDir, cwd)
          : parseDatabaseUrl(envValue(env, 'DATABASE_URL'), 'DATABASE_URL', dataDir, cwd),
      nodeName: parseNodeName(flags.last('--node-name'), '--node-name'),
      engines: parseEngineSlots(
        {
          engines: flags.last('--engines'),
          devices: flags.last('--devices'),
          device,
          isDeviceGiven: flags.has('--device'),
        },
        warnings,
      ),
      leaseSeconds: parseLeaseSeconds(flags.last('--lease-seconds'), '--lease-seconds'),
      defaultModel: name('--default-model'),
      preset: name('--preset'),
      isStrict: flags.has('--strict'),
      allowPrivateUrls: flags.has('--allow-private-urls'),
      isDemoModelEnabled: !flags.has('--no-demo-model'),
      isWaitingForWritableFolders: flags.has('--wait-for-writable-folders'),
      isFileAccessProtected,
      legacyBase64: parseChoice(flags.last('--legacy-base64') ?? 'raw', '--legacy-base64', LEGACY_BASE64_FORMS),
      logLevel: parseChoice(flags.last('--log-level') ?? 'info', '--log-level', LOG_LEVELS, LOG_LEVEL_ALIASES),
      logFormat: flags.has('--log-format')
        ? parseChoice(flags.last('--log-format') ?? '', '--log-format', LOG_FORMATS)
        : null,
      startupWarnings: warnings,
    }),
  };
}

/** Occurrences by canonical flag name; for a repeated scalar flag the last one wins, as in argparse. */
class Flags {
  constructor(readonly occurrences: readonly FlagOccurrence[]) {}

  has(name: string): boolean {
    return this.occurrences.some((o) => o.spec.name === name);
  }

  /** undefined when absent or given bare (a bare switch or `--listen` carries no value). */
  last(name: string): string | undefined {
    return this.lastOccurrence(name)?.value ?? undefined;
  }

  all(name: string): FlagOccurrence[] {
    return this.occurrences.filter((o) => o.spec.name === name);
  }

  /** The spelling used last (`--output-path` for `--data-dir`), so messages echo what was typed. */
  typed(name: string): string {
    return this.lastOccurrence(name)?.typed ?? name;
  }

  private lastOccurrence(name: string): FlagOccurrence | undefined {
    return this.all(name).at(-1);
  }
}

/** DECISIONS §1: API_PORT > --port > PORT > 8888. PORT is only checked when it is used. */
function resolvePort(flags: Flags, env: Env, warnings: string[]): number {
  const portFlag = flags.last('--port');
  const flagPort = portFlag === undefined ? undefined : parsePort(portFlag, '--port');
  const apiPort = envValue(env, 'API_PORT');
  if (apiPort !== undefined) {
    const port = parsePort(apiPort, 'API_PORT');
    if (flagPort !== undefined && flagPort !== port) warnings.push(`API_PORT=${port} overrides --port ${flagPort}`);
    return port;
  }
  if (flagPort !== undefined) return flagPort;
  const envPort = envValue(env, 'PORT');
  return envPort === undefined ? DEFAULT_PORT : parsePort(envPort, 'PORT');
}

function resolveHost(flags: Flags, warnings: string[]): string {
  const bindFlags = flags.occurrences.filter((o) => o.spec.name === '--host' || o.spec.name === '--listen');
  const lastBind = bindFlags.at(-1);
  if (lastBind === undefined) return DEFAULT_HOST;
  const host = lastBind.value ?? LISTEN_BARE_HOST;
  if (host.trim() === '' || /\s/.test(host)) {
    throw new ConfigError(`${lastBind.typed} '${host}' is not an address: give an IP or host name, e.g. 0.0.0.0`);
  }
  const distinct = new Set(bindFlags.map((o) => o.value ?? LISTEN_BARE_HOST));
  if (distinct.size > 1)
    warnings.push(`several bind addresses given (${[...distinct].join(', ')}); using the last, ${host}`);
  return host;
}

function resolveAlsoListen(flags: Flags, port: number): number[] {
  const ports = new Set<number>();
  for (const occurrence of flags.all('--also-listen')) {
    // Comma lists too, so one compose variable can carry several ports.
    for (const part of (occurrence.value ?? '').split(',')) {
      const extra = parsePort(part, '--also-listen');
      if (extra === port) throw new ConfigError(`--also-listen ${extra} is already the main port`);
      ports.add(extra);
    }
  }
  return [...ports];
}

function noOpWarnings(occurrences: readonly FlagOccurrence[]): string[] {
  const seen = new Set<string>();
  const warnings: string[] = [];
  for (const { spec, typed } of occurrences) {
    if (!isNoOpFlag(spec) || seen.has(spec.name)) continue;
    seen.add(spec.name);
    const origin = NO_OP_FLAGS.find((flag) => flag.name === spec.name)?.origin ?? 'the original servers';
    const hint = NO_OP_HINTS[spec.name];
    warnings.push(`${typed} is accepted for compatibility with ${origin} and has no effect${hint ? `: ${hint}` : ''}`);
  }
  return warnings;
}

/** An empty variable counts as unset (compose files often pass `PORT=`). */
function envValue(env: Env, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}
