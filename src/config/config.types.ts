/** The one frozen settings object main.ts hands to every part of the server. */

export type Device = 'auto' | 'cuda' | 'webgpu' | 'cpu';
export type WebhookFormat = 'string' | 'object';
export type LegacyBase64Form = 'raw' | 'data-uri';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const DEVICES: readonly Device[] = ['auto', 'cuda', 'webgpu', 'cpu'];
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['string', 'object'];
export const LEGACY_BASE64_FORMS: readonly LegacyBase64Form[] = ['raw', 'data-uri'];
export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** Where the task table lives (DECISIONS §7): the embedded default, or a shared PostgreSQL. */
export type DatabaseTarget =
  { readonly kind: 'sqlite'; readonly file: string } | { readonly kind: 'postgres'; readonly url: string };

/** One engine child: its device, and for CUDA optionally the one GPU it may see. */
export interface EngineSlot {
  readonly device: Device;
  readonly gpuIndex: number | null;
}

export interface Config {
  /** Bind address (`--host` or `--listen`). */
  readonly host: string;
  /** Main port; 0 only from configFromEnvForTests (the OS picks one). */
  readonly port: number;
  /** Extra ports serving the same app, queue and history. */
  readonly alsoListen: readonly number[];
  /** Empty = no authentication. */
  readonly apiKeys: readonly string[];
  /** Public URL prefix for results and webhooks, no trailing slash (DECISIONS §3). */
  readonly baseUrl: string;
  /** Operator's fallback webhook; '' = none. Trusted: not subject to the SSRF guard. */
  readonly webhookUrl: string;
  /** '' = webhooks are not signed. */
  readonly webhookSecret: string;
  readonly webhookFormat: WebhookFormat;
  /** Most tasks waiting + running; 0 = unlimited. */
  readonly queueSize: number;
  /** Finished tasks kept; 0 = all. */
  readonly queueHistory: number;
  /** Absolute; holds db.sqlite3, the dated output folders and inputs/. */
  readonly dataDir: string;
  /** Absolute paths from here on. */
  readonly modelsDir: string;
  /** `--fooocus-models` / FOOOCUS_MODELS: a Fooocus models folder imported from (never written); null = none. */
  readonly fooocusModelsDir: string | null;
  readonly stylesDir: string;
  readonly presetsDir: string;
  readonly wildcardsDir: string;
  readonly device: Device;
  /** `--database-url` / DATABASE_URL; default sqlite `<dataDir>/db.sqlite3`. */
  readonly database: DatabaseTarget;
  /** `--node-name`; null = `<host name>:<port>`, filled in at start (config stays pure). */
  readonly nodeName: string | null;
  /** `--engines N` or `--devices`: one engine child per slot (p-queue concurrency). */
  readonly engines: readonly EngineSlot[];
  /** `--lease-seconds`: a claimed task's lease; another node takes it over once it runs out. */
  readonly leaseSeconds: number;
  readonly defaultModel: string | null;
  readonly preset: string | null;
  readonly isStrict: boolean;
  readonly allowPrivateUrls: boolean;
  readonly isDemoModelEnabled: boolean;
  /**
   * `--wait-for-writable-folders`: an unwritable data/models folder makes the start wait (containers) instead of exit.
   */
  readonly isWaitingForWritableFolders: boolean;
  /** `--protect-files`: /files, /outputs and /inputs require the API key. */
  readonly isFileAccessProtected: boolean;
  readonly legacyBase64: LegacyBase64Form;
  readonly logLevel: LogLevel;
  /** `--log-format`; null = text when stdout is a terminal, else JSON (decided by main.ts). */
  readonly logFormat: LogFormat | null;
  /** One line each, for main.ts to log once the logger exists (e.g. no-op flags of the originals). */
  readonly startupWarnings: readonly string[];
}
