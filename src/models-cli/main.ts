/**
 * `npm run models -- list | pull <owner/repo>[@revision] [--subfolder S] [--kind K] [--name N]
 * | remove <name> [--kind K] | import <fooocus models folder | file> [--base <checkpoint>]
 * | convert ip-adapter|clip-vision <file.safetensors|file.bin> [--name N] [--negative F]
 * [--dim-head N] [--heads N] | convert upscaler|inpaint|expansion <file>`, with
 * `--models-dir DIR` (default ./models) and `--hub-endpoint URL`
 * (default HF_ENDPOINT, else https://huggingface.co). HF_TOKEN is sent to the hub for gated repos.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { list, pull, remove, type CliContext } from './commands.ts';
import { convert } from './convert.ts';
import { importModels } from './import-command.ts';
import { HubClient } from './hub-client.ts';
import { KIND_NAMES, parseKind } from './model-kinds.ts';

const USAGE = `usage: npm run models -- <command> [options]
  list                                   installed models by kind, with sizes
  pull <owner/repo>[@revision]           download and verify (sha256 from the hub), resuming partial files
       [--kind ${KIND_NAMES.join('|')}] (default checkpoint: the diffusers-ONNX layout only)
       [--subfolder S] [--name N]
  remove <name> [--kind K]
  import <fooocus models folder | file>  convert Fooocus's model files (checkpoints, upscaler, inpaint, IP-Adapters,
       CLIP vision, expansion, …) into models/.import-cache, linked where the server finds them
       [--base <checkpoint>] (Control-LoRAs are merged onto it; else onto the job's checkpoint on first use)
  convert ip-adapter <file.safetensors|.bin>  our ONNX conversion into models/ip_adapter/<name>/
       [--name N] [--negative fooocus_ip_negative.safetensors] [--dim-head N (default 64)]
  convert clip-vision <file.safetensors|.bin> our ONNX conversion into models/clip_vision/<name>/
       [--name N] [--heads N (default 16)]
  convert upscaler <fooocus_upscaler_s409985e5.bin>   ESRGAN/RRDBNet into models/upscale_models/<stem>.onnx
  convert inpaint <fooocus_inpaint_head.pth|inpaint_v26.fooocus.patch>   into models/inpaint/*.safetensors
  convert expansion <prompt_expansion/fooocus_expansion>   GPT-2 into models/prompt_expansion/fooocus_expansion/
options: --models-dir DIR (default ./models)  --hub-endpoint URL (default $HF_ENDPOINT or https://huggingface.co)
env: HF_TOKEN for gated or private repos`;

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} '${value}' is not a positive integer`);
  return n;
}

export async function runModelsCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: (line: string) => void,
  fetchImpl?: typeof fetch,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'models-dir': { type: 'string' },
      'hub-endpoint': { type: 'string' },
      kind: { type: 'string' },
      subfolder: { type: 'string' },
      name: { type: 'string' },
      negative: { type: 'string' },
      base: { type: 'string' },
      'dim-head': { type: 'string' },
      heads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, target, source] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const ctx: CliContext = {
    modelsDir: resolve(values['models-dir'] ?? 'models'),
    hub: new HubClient({
      endpoint: values['hub-endpoint'] ?? env.HF_ENDPOINT ?? 'https://huggingface.co',
      token: env.HF_TOKEN || undefined,
      fetch: fetchImpl,
    }),
    fetch: fetchImpl,
    out,
    showProgress: Boolean(process.stderr.isTTY) && !fetchImpl,
  };
  const kind = values.kind ? parseKind(values.kind) : undefined;
  switch (command) {
    case 'list':
      await list(ctx);
      return 0;
    case 'pull':
      if (!target) throw new Error('pull needs <owner/repo>[@revision]');
      await pull(ctx, {
        spec: target,
        kind: kind ?? 'checkpoint',
        subfolder: values.subfolder ?? '',
        name: values.name,
      });
      return 0;
    case 'remove':
      if (!target) throw new Error('remove needs a model name');
      await remove(ctx, target, kind);
      return 0;
    case 'import':
      if (!target) throw new Error('import needs a Fooocus models folder or one of its files');
      await importModels(ctx.modelsDir, resolve(target), out, values.base);
      return 0;
    case 'convert':
      if (!target || !source)
        throw new Error('convert needs ip-adapter|clip-vision|upscaler|inpaint|expansion and a file');
      await convert({
        modelsDir: ctx.modelsDir,
        what: target,
        source: resolve(source),
        name: values.name,
        negative: values.negative ? resolve(values.negative) : undefined,
        dimHead: positiveInt(values['dim-head'], '--dim-head'),
        heads: positiveInt(values.heads, '--heads'),
        out,
      });
      return 0;
    default:
      out(USAGE);
      return 2;
  }
}

const isEntry = process.argv[1] && import.meta.url === new URL(`file://${resolve(process.argv[1])}`).href;
if (isEntry) {
  runModelsCli(process.argv.slice(2), process.env, (line) => console.log(line)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`models: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
