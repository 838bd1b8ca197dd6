/** The --help text, rendered from the flag table so it can never miss a flag. */
import { GATEWAY_FLAGS, NO_OP_FLAGS, type FlagSpec } from './flag-table.ts';

export function renderHelp(): string {
  const rows = GATEWAY_FLAGS.map((spec) => [usage(spec), describe(spec)] as const);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const noOpNames = NO_OP_FLAGS.map((spec) => usage(spec));
  return [
    'fooocus-gateway: Fooocus-API (legacy) and FooocusAPI (all-in-one) compatible server',
    '',
    'Usage: npm start -- [flags]      (--flag value and --flag=value both work)',
    '',
    'Flags:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
    'Environment:',
    '  API_PORT      main port; overrides --port',
    '  PORT          main port when neither API_PORT nor --port is given',
    '  WEBHOOK_URL   webhook when --webhook-url is not given',
    '  DATABASE_URL  task store when --database-url is not given',
    '',
    "Accepted for compatibility with the originals' launch scripts, with a warning that they have no effect:",
    ...wrap(noOpNames, 100).map((line) => `  ${line}`),
    '',
  ].join('\n');
}

function usage(spec: FlagSpec): string {
  const names = [spec.name, ...(spec.aliases ?? [])].join(', ');
  if (spec.arity === 'value') return `${names} ${spec.valueName ?? 'VALUE'}`;
  if (spec.arity === 'optional-value') return `${names} [${spec.valueName ?? 'VALUE'}]`;
  return names;
}

function describe(spec: FlagSpec): string {
  return spec.defaultText ? `${spec.description} (default: ${spec.defaultText})` : spec.description;
}

/** Packs items onto lines without splitting one (`--sync-repo VALUE` stays together). */
function wrap(items: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of items) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
