/**
 * Every command-line flag the gateway understands: ours, and the originals' launch flags that we
 * accept without effect (DECISIONS §3, row "Launch flags of the originals"). The argv parser and the
 * --help text both read this table, so a flag cannot be parsed without being documented.
 */

/** How many values a flag takes: none (a switch), exactly one, or one that may be left off. */
export type FlagArity = 'none' | 'value' | 'optional-value';

export interface FlagSpec {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly arity: FlagArity;
  /** Placeholder shown in --help, e.g. `N` or `URL`. */
  readonly valueName?: string;
  readonly defaultText?: string;
  readonly description: string;
  /** Every occurrence is kept; otherwise the last one wins, as with argparse. */
  readonly isRepeatable?: boolean;
}

export const GATEWAY_FLAGS: readonly FlagSpec[] = [
  { name: '--host', arity: 'value', valueName: 'IP', defaultText: '127.0.0.1', description: 'address to bind' },
  {
    name: '--listen',
    arity: 'optional-value',
    valueName: 'IP',
    defaultText: 'off; bare flag = 0.0.0.0',
    description: 'address to bind (FooocusAPI spelling of --host)',
  },
  {
    name: '--port',
    arity: 'value',
    valueName: 'N',
    defaultText: '8888',
    description: 'main port; env API_PORT wins over it, env PORT is the fallback',
  },
  {
    name: '--also-listen',
    arity: 'value',
    valueName: 'PORT',
    defaultText: 'none',
    description: 'serve the same API on another port too (repeatable, e.g. 7866 for FooocusAPI clients)',
    isRepeatable: true,
  },
  {
    name: '--apikey',
    arity: 'value',
    valueName: 'KEY[,KEY...]',
    defaultText: 'none, no auth',
    description: 'require header X-API-KEY to match one of these keys',
  },
  {
    name: '--base-url',
    arity: 'value',
    valueName: 'HOST|URL',
    defaultText: 'http://<host>:<port>',
    description: 'public prefix of result URLs; a bare host gets http:// and the port',
  },
  {
    name: '--webhook-url',
    arity: 'value',
    valueName: 'URL',
    defaultText: 'env WEBHOOK_URL, else none',
    description: 'webhook for tasks that name none themselves',
  },
  {
    name: '--webhook-secret',
    arity: 'value',
    valueName: 'SECRET',
    defaultText: 'none',
    description: 'sign webhooks with header X-Fooocus-Signature (HMAC-SHA256)',
  },
  {
    name: '--webhook-format',
    arity: 'value',
    valueName: 'string|object',
    defaultText: 'string',
    description: 'all-in-one webhook body: JSON-encoded string (as the original) or plain object',
  },
  {
    name: '--queue-size',
    arity: 'value',
    valueName: 'N',
    defaultText: '100',
    description: 'most tasks waiting + running; 0 = unlimited',
  },
  {
    name: '--queue-history',
    arity: 'value',
    valueName: 'N',
    defaultText: '0',
    description: 'keep the newest N finished tasks, deleting older ones and their files; 0 = keep all',
  },
  {
    name: '--data-dir',
    aliases: ['--output-path'],
    arity: 'value',
    valueName: 'DIR',
    defaultText: './outputs',
    description: 'db.sqlite3, dated output folders and inputs/',
  },
  {
    name: '--models-dir',
    arity: 'value',
    valueName: 'DIR',
    defaultText: './models',
    description: 'checkpoints/, loras/, upscale_models/, ...',
  },
  {
    name: '--fooocus-models',
    arity: 'value',
    valueName: 'DIR',
    defaultText: 'none',
    description: 'a Fooocus models/ folder used as it is: its files listed by Fooocus name, converted on first use',
  },
  {
    name: '--styles-dir',
    arity: 'value',
    valueName: 'DIR',
    defaultText: './styles',
    description: 'Fooocus-format style files',
  },
  {
    name: '--presets-dir',
    arity: 'value',
    valueName: 'DIR',
    defaultText: './presets',
    description: 'Fooocus-format preset files',
  },
  {
    name: '--wildcards-dir',
    arity: 'value',
    valueName: 'DIR',
    defaultText: './wildcards',
    description: 'wildcard word lists',
  },
  {
    name: '--device',
    arity: 'value',
    valueName: 'auto|cuda|webgpu|cpu',
    defaultText: 'auto',
    description: 'execution provider; auto tries CUDA, then WebGPU, then CPU',
  },
  {
    name: '--database-url',
    arity: 'value',
    valueName: 'URL',
    defaultText: 'sqlite:<data-dir>/db.sqlite3',
    description: 'task store: sqlite:<file> for one machine, postgres://user@host/db for a cluster (env DATABASE_URL)',
  },
  {
    name: '--node-name',
    arity: 'value',
    valueName: 'NAME',
    defaultText: '<host name>:<port>',
    description: 'this node in /health; unique in the cluster',
  },
  {
    name: '--engines',
    arity: 'value',
    valueName: 'N',
    defaultText: '1',
    description: 'engine processes on this node, each on --device (tasks run N at a time)',
  },
  {
    name: '--devices',
    arity: 'value',
    valueName: 'LIST',
    defaultText: 'none',
    description: 'one engine per entry, e.g. cuda:0,cuda:1 (each child sees only its GPU); replaces --engines',
  },
  {
    name: '--lease-seconds',
    arity: 'value',
    valueName: 'N',
    defaultText: '30',
    description: 'a running task whose node has not renewed its claim for N s is taken over by another node',
  },
  {
    name: '--default-model',
    arity: 'value',
    valueName: 'NAME',
    defaultText: 'first checkpoint found',
    description: 'default checkpoint folder name',
  },
  {
    name: '--preset',
    arity: 'value',
    valueName: 'NAME',
    defaultText: 'none',
    description: 'server-wide preset applied to request defaults',
  },
  {
    name: '--strict',
    arity: 'none',
    defaultText: 'off',
    description: 'unknown style/model/LoRA/sampler names sent by clients are a 422 instead of a substitution',
  },
  {
    name: '--allow-private-urls',
    arity: 'none',
    defaultText: 'off',
    description: 'let input and webhook URLs reach private, loopback and link-local addresses',
  },
  {
    name: '--no-demo-model',
    arity: 'none',
    defaultText: 'demo model on',
    description: 'do not write the tiny demo checkpoint when none is installed',
  },
  {
    name: '--protect-files',
    arity: 'none',
    defaultText: 'off',
    description: 'require the API key on /files, /outputs and /inputs',
  },
  {
    name: '--legacy-base64',
    arity: 'value',
    valueName: 'raw|data-uri',
    defaultText: 'raw',
    description: 'form of legacy base64 results (data-uri for Fooocus-API v0.5 clients)',
  },
  {
    name: '--wait-for-writable-folders',
    arity: 'none',
    defaultText: 'off: exit',
    description: 'when the data or models folder is not writable, say so and wait (containers) instead of exiting',
  },
  {
    name: '--log-level',
    arity: 'value',
    valueName: 'error|warn|info|debug',
    defaultText: 'info',
    description: 'log verbosity (uvicorn spellings warning/critical/trace accepted)',
  },
  {
    name: '--log-format',
    arity: 'value',
    valueName: 'json|text',
    defaultText: 'text on a terminal, else json',
    description: 'log lines as pino JSON objects or as readable text',
  },
  { name: '--help', aliases: ['-h'], arity: 'none', description: 'print this text and exit' },
];

/** Why a no-op flag is harmless, shown in its start-up warning and in --help. */
export interface NoOpFlagSpec extends FlagSpec {
  readonly origin: 'Fooocus-API' | 'FooocusAPI' | 'Fooocus';
}

const noOp = (origin: NoOpFlagSpec['origin'], arity: FlagArity, names: readonly string[]): NoOpFlagSpec[] =>
  names.map((name) => ({ name, arity, origin, description: `accepted from ${origin}; no effect` }));

/**
 * The originals' launch flags (Fooocus-API base_args.py, FooocusAPI/Fooocus args_manager.py and
 * ldm_patched args_parser.py). Their arity matters: `--gpu-device-id 0` must swallow the `0`, or
 * the next flag would be read as its value. `--listen`, `--port`, `--output-path`, `--preset`, ... are
 * real flags above, not here.
 */
export const NO_OP_FLAGS: readonly NoOpFlagSpec[] = [
  ...noOp('Fooocus-API', 'none', ['--skip-pip', '--preload-pipeline', '--persistent', '--presistent']),
  ...noOp('Fooocus-API', 'value', ['--sync-repo']),
  ...noOp('FooocusAPI', 'none', ['--nowebui']),
  ...noOp('Fooocus', 'value', [
    '--gpu-device-id',
    '--temp-path',
    '--cache-path',
    '--hf-mirror',
    '--language',
    '--theme',
    '--web-upload-size',
    '--preview-option',
    '--external-working-path',
  ]),
  ...noOp('Fooocus', 'optional-value', [
    '--disable-header-check',
    '--directml',
    '--always-cpu',
    '--rebuild-hash-cache',
  ]),
  ...noOp('Fooocus', 'none', [
    '--disable-image-log',
    '--disable-metadata',
    '--disable-preset-download',
    '--disable-preset-selection',
    '--always-download-new-model',
    '--share',
    '--in-browser',
    '--disable-in-browser',
    '--disable-analytics',
    '--enable-describe-uov-image',
    '--enable-auto-describe-image',
    '--disable-enhance-output-sorting',
    '--async-cuda-allocation',
    '--disable-async-cuda-allocation',
    '--disable-attention-upcast',
    '--all-in-fp32',
    '--all-in-fp16',
    '--unet-in-bf16',
    '--unet-in-fp16',
    '--unet-in-fp8-e4m3fn',
    '--unet-in-fp8-e5m2',
    '--vae-in-fp16',
    '--vae-in-fp32',
    '--vae-in-bf16',
    '--vae-in-cpu',
    '--clip-in-fp8-e4m3fn',
    '--clip-in-fp8-e5m2',
    '--clip-in-fp16',
    '--clip-in-fp32',
    '--disable-ipex-hijack',
    '--attention-split',
    '--attention-quad',
    '--attention-pytorch',
    '--disable-xformers',
    '--always-gpu',
    '--always-high-vram',
    '--always-normal-vram',
    '--always-low-vram',
    '--always-no-vram',
    '--always-offload-from-vram',
    '--disable-offload-from-vram',
    '--pytorch-deterministic',
    '--disable-server-log',
    '--debug-mode',
    '--is-windows-embedded-python',
    '--disable-server-info',
    '--multi-user',
  ]),
];

/** Extra advice for no-op flags whose intent the user can still reach another way. */
export const NO_OP_HINTS: Readonly<Record<string, string>> = {
  '--gpu-device-id': 'set CUDA_VISIBLE_DEVICES instead',
  '--persistent': 'history is always stored (in <data-dir>/db.sqlite3 or --database-url)',
  '--presistent': 'history is always stored (in <data-dir>/db.sqlite3 or --database-url)',
  '--nowebui': 'this server has no web UI',
  '--temp-path': 'inputs are stored under <data-dir>/inputs',
};

const byName = new Map<string, FlagSpec>();
for (const spec of [...GATEWAY_FLAGS, ...NO_OP_FLAGS]) {
  for (const name of [spec.name, ...(spec.aliases ?? [])]) byName.set(name, spec);
}

export function findFlag(name: string): FlagSpec | undefined {
  return byName.get(name);
}

export function isNoOpFlag(spec: FlagSpec): boolean {
  return (NO_OP_FLAGS as readonly FlagSpec[]).includes(spec);
}

export function allFlagNames(): string[] {
  return [...byName.keys()];
}
