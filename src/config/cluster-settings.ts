/**
 * The store and the node's engines (DECISIONS §7): `--database-url` / DATABASE_URL, `--node-name`,
 * `--engines N`, `--devices cuda:0,cuda:1,...` and `--lease-seconds`. Pure, like the rest of config/.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from './config-error.ts';
import { DEVICES, type DatabaseTarget, type Device, type EngineSlot } from './config.types.ts';

/** sqlite:<file> (relative to cwd) or postgres://… / postgresql://…; empty means the default file. */
export function parseDatabaseUrl(
  value: string | undefined,
  source: string,
  dataDir: string,
  cwd: string,
): DatabaseTarget {
  const defaultFile = join(dataDir, 'db.sqlite3');
  if (value === undefined || value.trim() === '') return { kind: 'sqlite', file: defaultFile };
  const trimmed = value.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      new URL(trimmed);
    } catch {
      throw new ConfigError(`${source} '${redactPassword(trimmed)}' is not a valid postgres:// URL`);
    }
    return { kind: 'postgres', url: trimmed };
  }
  if (/^sqlite:/i.test(trimmed)) {
    const file = trimmed.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file === '')
      throw new ConfigError(`${source} 'sqlite:' names no file: give sqlite:<path>, e.g. sqlite:./outputs/db.sqlite3`);
    return { kind: 'sqlite', file: isAbsolute(file) ? resolve(file) : resolve(cwd, file) };
  }
  throw new ConfigError(
    `${source} '${redactPassword(trimmed)}' is not a database URL: give sqlite:<file> or postgres://user@host:5432/db`,
  );
}

/** The URL with its password replaced, for logs and messages. */
export function redactPassword(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

export function describeDatabase(target: DatabaseTarget): string {
  return target.kind === 'sqlite' ? `sqlite:${target.file}` : redactPassword(target.url);
}

/** `--node-name`: free text shown in /health; it must be unique in the cluster. */
export function parseNodeName(value: string | undefined, source: string): string | null {
  if (value === undefined) return null;
  const name = value.trim();
  if (name === '' || name.length > 200 || [...name].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new ConfigError(
      `${source} '${value}' is not a node name: give 1 to 200 printable characters, unique in the cluster`,
    );
  }
  return name;
}

const DEVICE_ENTRY = /^(auto|cpu|webgpu|cuda)(?::(\d{1,3}))?$/;

/**
 * One engine child per slot. `--devices` lists them (a cuda entry may name its GPU: the child then
 * sees only that GPU through CUDA_VISIBLE_DEVICES); otherwise `--engines N` copies of `--device`.
 */
export function parseEngineSlots(
  flags: { engines: string | undefined; devices: string | undefined; device: Device; isDeviceGiven: boolean },
  warnings: string[],
): EngineSlot[] {
  if (flags.devices !== undefined) {
    const entries = flags.devices
      .split(',')
      .map((e) => e.trim().toLowerCase())
      .filter((e) => e !== '');
    if (entries.length === 0)
      throw new ConfigError(`--devices '${flags.devices}' lists no device: give e.g. cuda:0,cuda:1`);
    const slots = entries.map((entry) => {
      const match = DEVICE_ENTRY.exec(entry);
      if (!match)
        throw new ConfigError(`--devices entry '${entry}' is not one of: ${DEVICES.join(', ')}, cuda:<index>`);
      if (match[2] !== undefined && match[1] !== 'cuda')
        throw new ConfigError(`--devices entry '${entry}': only cuda entries take an index`);
      return { device: match[1] as Device, gpuIndex: match[2] === undefined ? null : Number(match[2]) };
    });
    if (flags.engines !== undefined && Number(flags.engines.trim()) !== slots.length) {
      throw new ConfigError(
        `--engines ${flags.engines} disagrees with --devices (${slots.length} entries): give one of them`,
      );
    }
    if (flags.isDeviceGiven) warnings.push('--device is ignored when --devices lists the engines');
    return slots;
  }
  const count = flags.engines === undefined ? 1 : Number(flags.engines.trim());
  if (!/^\d+$/.test((flags.engines ?? '1').trim()) || count < 1 || count > 64) {
    throw new ConfigError(`--engines '${flags.engines}' is not an engine count: give an integer from 1 to 64`);
  }
  return Array.from({ length: count }, () => ({ device: flags.device, gpuIndex: null }));
}

/** How long a claim lasts without renewal; a node renews three times per lease. */
export function parseLeaseSeconds(value: string | undefined, source: string): number {
  if (value === undefined) return 30;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new ConfigError(`${source} '${value}' is not a lease: give whole seconds from 1 to 3600`);
  }
  return seconds;
}
