/**
 * The public engine API (package.json exports["./engine"]) is built JavaScript that plain `node`
 * imports with no loader: build it, then import `fooocus-gateway/engine` from a child `node`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let built = false;
/** `npm run build` once per file: both tests read the same dist/, and a build is a full tsc run (~4 s). */
function buildOnce(): void {
  if (!built) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe' });
  built = true;
}

const probe = `
const engine = await import('fooocus-gateway/engine');
const tokenizer = await engine.ClipTokenizer.fromFiles('engine/assets/clip-tokenizer/vocab.json', 'engine/assets/clip-tokenizer/merges.txt');
const sigmas = engine.schedule('karras', 10, engine.SDXL_SIGMA_MIN, engine.SDXL_SIGMA_MAX);
const x = new Float32Array(4).fill(1);
const out = await engine.sample('euler', (v) => v.map((e) => e * 0.5), x, sigmas, { seed: 1n });
console.log(JSON.stringify({
  ids: tokenizer.encode('a photo of a cat'),
  samplers: engine.SAMPLERS.length,
  schedulers: engine.SCHEDULERS.length,
  sigmas: sigmas.length,
  last: sigmas[sigmas.length - 1],
  out: out.length,
  loader: process.execArgv,
}));
`;

test('npm run build produces an engine library that plain node imports as fooocus-gateway/engine', () => {
  buildOnce();
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const result = JSON.parse(output.trim().split('\n').pop() ?? '{}');
  // 'a photo of a cat' → CLIP BPE ids (same as the parity reference for this text).
  assert.deepEqual(result.ids, [320, 1125, 539, 320, 2368]);
  assert.ok(result.samplers >= 20);
  assert.equal(result.schedulers, 12, "Fooocus's eleven and ComfyUI's beta");
  assert.equal(result.sigmas, 11);
  assert.equal(result.last, 0);
  assert.equal(result.out, 4);
  assert.ok(
    !(result.loader as string[]).some((arg) => /^--(import|loader|require)|tsx/.test(arg)),
    'no loader in the child',
  );
});

test('the same build exports the typed client as fooocus-gateway/client for plain node', async () => {
  buildOnce();
  const { createServer } = await import('node:http');
  const server = createServer((req, res) =>
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ path: req.url, key: req.headers['x-api-key'] })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const client = `
const { createClient } = await import('fooocus-gateway/client');
const client = createClient({ baseUrl: ${JSON.stringify(url)}, apiKey: 'k1' });
console.log(JSON.stringify(await client.health()));
`;
  const output = await new Promise<string>((resolve, reject) => {
    import('node:child_process').then(({ execFile }) =>
      execFile(
        process.execPath,
        ['--input-type=module', '-e', client],
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '' } },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
  });
  server.close();
  assert.deepEqual(JSON.parse(output.trim()), { path: '/health', key: 'k1' });
});
