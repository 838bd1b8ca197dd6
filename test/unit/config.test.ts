import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, configFromEnvForTests, parseConfig, type Config } from '../../src/config/config.ts';

const CWD = '/srv/gateway';

function configOf(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const result = parseConfig(argv, env, CWD);
  assert.ok('config' in result, 'expected a config, got help text');
  return result.config;
}

function assertConfigError(argv: string[], ...fragments: string[]): void {
  assert.throws(
    () => parseConfig(argv, {}, CWD),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
      for (const fragment of fragments) assert.match(error.message, new RegExp(escape(fragment)));
      return true;
    },
  );
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('parseConfig defaults', () => {
  it('gives the documented defaults with no flags and no environment', () => {
    const config = configOf([]);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8888);
    assert.deepEqual(config.alsoListen, []);
    assert.deepEqual(config.apiKeys, []);
    assert.equal(config.baseUrl, 'http://127.0.0.1:8888');
    assert.equal(config.webhookUrl, '');
    assert.equal(config.webhookSecret, '');
    assert.equal(config.webhookFormat, 'string');
    assert.equal(config.queueSize, 100);
    assert.equal(config.queueHistory, 0);
    assert.equal(config.dataDir, '/srv/gateway/outputs');
    assert.equal(config.modelsDir, '/srv/gateway/models');
    assert.equal(config.stylesDir, '/srv/gateway/styles');
    assert.equal(config.presetsDir, '/srv/gateway/presets');
    assert.equal(config.wildcardsDir, '/srv/gateway/wildcards');
    assert.equal(config.device, 'auto');
    assert.equal(config.defaultModel, null);
    assert.equal(config.preset, null);
    assert.equal(config.isStrict, false);
    assert.equal(config.allowPrivateUrls, false);
    assert.equal(config.isDemoModelEnabled, true);
    assert.equal(config.isFileAccessProtected, false);
    assert.equal(config.legacyBase64, 'raw');
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.startupWarnings, []);
  });

  it('returns a frozen config whose arrays cannot be changed either', () => {
    const config = configOf(['--also-listen', '7866']);
    assert.ok(Object.isFrozen(config));
    assert.throws(() => (config.alsoListen as number[]).push(1), TypeError);
  });

  it('sets every switch and value flag', () => {
    const config = configOf([
      '--strict',
      '--allow-private-urls',
      '--no-demo-model',
      '--protect-files',
      '--apikey',
      'k',
      '--device',
      'cuda',
      '--default-model',
      'juggernaut',
      '--preset',
      'realistic',
      '--legacy-base64',
      'data-uri',
      '--webhook-format',
      'object',
      '--webhook-secret',
      's3cret',
      '--queue-size',
      '0',
      '--queue-history',
      '5',
      '--log-level',
      'debug',
      '--models-dir',
      '/mnt/models',
      '--styles-dir',
      'my-styles',
    ]);
    assert.equal(config.isStrict, true);
    assert.equal(config.allowPrivateUrls, true);
    assert.equal(config.isDemoModelEnabled, false);
    assert.equal(config.isFileAccessProtected, true);
    assert.equal(config.device, 'cuda');
    assert.equal(config.defaultModel, 'juggernaut');
    assert.equal(config.preset, 'realistic');
    assert.equal(config.legacyBase64, 'data-uri');
    assert.equal(config.webhookFormat, 'object');
    assert.equal(config.webhookSecret, 's3cret');
    assert.equal(config.queueSize, 0);
    assert.equal(config.queueHistory, 5);
    assert.equal(config.logLevel, 'debug');
    assert.equal(config.modelsDir, '/mnt/models');
    assert.equal(config.stylesDir, '/srv/gateway/my-styles');
  });
});

describe('parseConfig ports', () => {
  it('prefers API_PORT over --port over PORT', () => {
    assert.equal(configOf(['--port', '9000'], { API_PORT: '7000', PORT: '6000' }).port, 7000);
    assert.equal(configOf(['--port', '9000'], { PORT: '6000' }).port, 9000);
    assert.equal(configOf([], { PORT: '6000' }).port, 6000);
  });

  it('warns when API_PORT overrides a different --port', () => {
    const config = configOf(['--port', '9000'], { API_PORT: '7000' });
    assert.ok(config.startupWarnings.some((w) => w.includes('API_PORT=7000 overrides --port 9000')));
  });

  it('treats an empty environment variable as unset', () => {
    assert.equal(configOf([], { API_PORT: '', PORT: ' ' }).port, 8888);
  });

  it('rejects a bad API_PORT naming the variable', () => {
    assert.throws(() => parseConfig([], { API_PORT: 'http' }, CWD), /API_PORT 'http'.*1 to 65535/);
  });

  it('collects repeated and comma-separated --also-listen ports without duplicates', () => {
    assert.deepEqual(configOf(['--also-listen', '7866', '--also-listen=7867,7866']).alsoListen, [7866, 7867]);
  });

  it('rejects an --also-listen port equal to the main port', () => {
    assertConfigError(['--port', '7866', '--also-listen', '7866'], '--also-listen 7866', 'main port');
  });

  for (const bad of ['0', '65536', '80.5', 'abc', '-1', '']) {
    it(`rejects --port '${bad}' naming the flag`, () => assertConfigError([`--port=${bad}`], '--port', '1 to 65535'));
  }
});

describe('parseConfig bind address', () => {
  it('binds 0.0.0.0 for a bare --listen, even before another flag', () => {
    assert.equal(configOf(['--listen']).host, '0.0.0.0');
    assert.equal(configOf(['--listen', '--port', '9000']).host, '0.0.0.0');
  });

  it('binds the address given to --listen or --host', () => {
    assert.equal(configOf(['--listen', '192.168.1.5']).host, '192.168.1.5');
    assert.equal(configOf(['--listen=10.0.0.2']).host, '10.0.0.2');
    assert.equal(configOf(['--host', '::']).host, '::');
  });

  it('uses the last bind flag and warns when they disagree', () => {
    const config = configOf(['--host', '127.0.0.1', '--listen']);
    assert.equal(config.host, '0.0.0.0');
    assert.ok(config.startupWarnings.some((w) => w.includes('several bind addresses')));
  });
});

describe('parseConfig base URL', () => {
  const cases: Array<[string[], string]> = [
    [['--listen'], 'http://127.0.0.1:8888'],
    [['--host', '::'], 'http://127.0.0.1:8888'],
    [['--host', '::1'], 'http://[::1]:8888'],
    [['--host', '192.168.1.5', '--port', '9000'], 'http://192.168.1.5:9000'],
    [['--base-url', 'example.com'], 'http://example.com:8888'],
    [['--base-url', 'example.com:9999'], 'http://example.com:9999'],
    [['--base-url', 'https://example.com/fooocus/'], 'https://example.com/fooocus'],
    [['--base-url', 'http://example.com'], 'http://example.com'],
    [['--base-url', 'http://example.com:8080//'], 'http://example.com:8080'],
  ];
  for (const [argv, expected] of cases) {
    it(`computes ${expected} from ${argv.join(' ')}`, () => assert.equal(configOf(argv).baseUrl, expected));
  }

  it('uses the API_PORT port for a bare --base-url host', () => {
    assert.equal(configOf(['--base-url', 'gpu.lan'], { API_PORT: '7866' }).baseUrl, 'http://gpu.lan:7866');
  });

  it('rejects a --base-url with a scheme other than http(s)', () => {
    assertConfigError(['--base-url', 'ftp://example.com'], '--base-url', 'http://');
  });
});

describe('parseConfig values', () => {
  it('accepts --flag=value and --flag value alike', () => {
    assert.deepEqual(configOf(['--queue-size=7']).queueSize, configOf(['--queue-size', '7']).queueSize);
    assert.equal(configOf(['--apikey=a=b']).apiKeys[0], 'a=b');
  });

  it('splits comma-separated api keys, trimming and dropping blanks', () => {
    assert.deepEqual(configOf(['--apikey', ' a, b,,a ']).apiKeys, ['a', 'b']);
    assert.deepEqual(configOf(['--apikey', '']).apiKeys, []);
  });

  it('takes --output-path as an alias of --data-dir, resolved against cwd', () => {
    assert.equal(configOf(['--output-path', 'out']).dataDir, '/srv/gateway/out');
    assert.equal(configOf(['--data-dir', '/var/lib/fooocus']).dataDir, '/var/lib/fooocus');
  });

  it('falls back to WEBHOOK_URL when --webhook-url is absent', () => {
    assert.equal(configOf([], { WEBHOOK_URL: 'http://hooks.lan/x' }).webhookUrl, 'http://hooks.lan/x');
    assert.equal(
      configOf(['--webhook-url', 'https://a.example/h'], { WEBHOOK_URL: 'http://b' }).webhookUrl,
      'https://a.example/h',
    );
  });

  it('maps uvicorn log level spellings', () => {
    assert.equal(configOf(['--log-level', 'warning']).logLevel, 'warn');
    assert.equal(configOf(['--log-level', 'CRITICAL']).logLevel, 'error');
  });

  it('lets the last occurrence of a scalar flag win', () => {
    assert.equal(configOf(['--device', 'cpu', '--device', 'webgpu']).device, 'webgpu');
  });

  const badValues: Array<[string[], string[]]> = [
    [
      ['--device', 'tpu'],
      ['--device', "'tpu'", 'auto, cuda, webgpu, cpu'],
    ],
    [
      ['--webhook-format', 'xml'],
      ['--webhook-format', 'string, object'],
    ],
    [
      ['--legacy-base64', 'hex'],
      ['--legacy-base64', 'raw, data-uri'],
    ],
    [
      ['--log-level', 'loud'],
      ['--log-level', 'error, warn, info, debug'],
    ],
    [
      ['--queue-size', '-1'],
      ['--queue-size', '>= 0'],
    ],
    [
      ['--queue-history', '2.5'],
      ['--queue-history', '>= 0'],
    ],
    [
      ['--webhook-url', 'not a url'],
      ['--webhook-url', 'not a URL'],
    ],
    [
      ['--webhook-url', 'file:///etc/passwd'],
      ['--webhook-url', 'http://'],
    ],
    [['--data-dir='], ['--data-dir', 'empty']],
    [['--default-model='], ['--default-model', 'empty']],
    [['--host='], ['--host', 'not an address']],
    [['--strict=yes'], ['--strict takes no value']],
  ];
  for (const [argv, fragments] of badValues) {
    it(`rejects ${argv.join(' ')} with a ConfigError naming the flag`, () => assertConfigError(argv, ...fragments));
  }

  it('rejects a value flag given last or followed by another flag', () => {
    assertConfigError(['--port'], '--port needs a value');
    assertConfigError(['--apikey', '--strict'], '--apikey needs a value');
  });
});

describe('parseConfig unknown and no-op flags', () => {
  it('rejects an unknown flag, naming it, suggesting a near spelling and --help', () => {
    assertConfigError(['--prot', '1'], 'unknown flag --prot', 'did you mean --port?', '--help');
    assertConfigError(['--frobnicate'], 'unknown flag --frobnicate', '--help');
  });

  it('rejects a stray positional argument', () => {
    assertConfigError(['8888'], "unexpected argument '8888'");
  });

  it("accepts the originals' launch flags with one warning each", () => {
    const config = configOf([
      '--nowebui',
      '--persistent',
      '--skip-pip',
      '--preload-pipeline',
      '--disable-image-log',
      '--disable-metadata',
      '--nowebui',
    ]);
    for (const flag of [
      '--nowebui',
      '--persistent',
      '--skip-pip',
      '--preload-pipeline',
      '--disable-image-log',
      '--disable-metadata',
    ]) {
      assert.equal(config.startupWarnings.filter((w) => w.startsWith(`${flag} `)).length, 1, flag);
    }
    assert.ok(config.startupWarnings.every((w) => !w.includes('\n')));
  });

  it('lets no-op flags that take a value swallow it', () => {
    const config = configOf(['--gpu-device-id', '1', '--sync-repo', 'skip', '--temp-path=/tmp/x', '--port', '9000']);
    assert.equal(config.port, 9000);
    assert.equal(config.startupWarnings.length, 3);
    assert.match(config.startupWarnings[0], /CUDA_VISIBLE_DEVICES/);
  });

  it('lets optional-value no-op flags take a value only when one follows', () => {
    assert.equal(configOf(['--always-cpu', '4', '--port', '9001']).port, 9001);
    assert.equal(configOf(['--always-cpu', '--port', '9002']).port, 9002);
  });

  it('warns that --protect-files does nothing without an api key', () => {
    assert.ok(configOf(['--protect-files']).startupWarnings.some((w) => w.includes('--protect-files')));
  });
});

describe('parseConfig --help', () => {
  it('returns help text listing every flag with its default', () => {
    const result = parseConfig(['--port', '9000', '--help'], {}, CWD);
    assert.ok('help' in result);
    for (const flag of [
      '--host',
      '--listen',
      '--port',
      '--also-listen',
      '--apikey',
      '--base-url',
      '--webhook-url',
      '--webhook-secret',
      '--webhook-format',
      '--queue-size',
      '--queue-history',
      '--data-dir',
      '--output-path',
      '--models-dir',
      '--styles-dir',
      '--presets-dir',
      '--wildcards-dir',
      '--device',
      '--default-model',
      '--preset',
      '--strict',
      '--allow-private-urls',
      '--no-demo-model',
      '--protect-files',
      '--legacy-base64',
      '--log-level',
      '--nowebui',
      '--gpu-device-id',
    ]) {
      assert.ok(result.help.includes(flag), `help lacks ${flag}`);
    }
    assert.match(result.help, /--port N\s+.*\(default: 8888\)/);
    assert.match(result.help, /--queue-size N\s+.*\(default: 100\)/);
  });

  it('answers -h too, even next to an unknown flag', () => {
    assert.ok('help' in parseConfig(['--bogus', '-h'], {}, CWD));
  });
});

describe('configFromEnvForTests', () => {
  it('builds a frozen loopback config on port 0 from the given directories', () => {
    const config = configFromEnvForTests({ dataDir: '/tmp/data', modelsDir: '/tmp/models', apiKeys: ['k'] });
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 0);
    assert.equal(config.dataDir, '/tmp/data');
    assert.deepEqual(config.apiKeys, ['k']);
    assert.equal(config.isDemoModelEnabled, false);
    assert.ok(Object.isFrozen(config));
  });

  it('requires dataDir and modelsDir', () => {
    assert.throws(() => configFromEnvForTests({ dataDir: '/tmp/data' }), ConfigError);
  });
});
