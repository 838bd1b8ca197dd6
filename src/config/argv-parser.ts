/**
 * Splits argv into flag occurrences using the flag table. Knows the syntax only (`--flag value`,
 * `--flag=value`, switches, optional values); what a value means is config.ts's business.
 */
import { ConfigError } from './config-error.ts';
import { allFlagNames, findFlag, type FlagSpec } from './flag-table.ts';

export interface FlagOccurrence {
  readonly spec: FlagSpec;
  /** The spelling the user typed (an alias such as `--output-path` is kept for messages). */
  readonly typed: string;
  /** null for a switch, or for an optional-value flag given bare (`--listen`). */
  readonly value: string | null;
}

export function parseArgv(argv: readonly string[]): FlagOccurrence[] {
  const occurrences: FlagOccurrence[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-') || token === '--' || token === '-') {
      throw new ConfigError(`unexpected argument '${token}': every setting is a --flag; run with --help to list them`);
    }
    const eq = token.indexOf('=');
    const typed = eq === -1 ? token : token.slice(0, eq);
    const inline = eq === -1 ? null : token.slice(eq + 1);
    const spec = findFlag(typed);
    if (!spec) throw new ConfigError(unknownFlagMessage(typed));

    if (spec.arity === 'none') {
      if (inline !== null) throw new ConfigError(`${typed} takes no value (got '${token}')`);
      occurrences.push({ spec, typed, value: null });
      continue;
    }
    if (inline !== null) {
      occurrences.push({ spec, typed, value: inline });
      continue;
    }
    const next = argv[i + 1];
    if (spec.arity === 'value') {
      // A following flag is never taken as a value, so `--apikey --port 1` fails here instead of
      // silently setting the key to "--port". Values starting with `--` need `--flag=value`.
      if (next === undefined || next.startsWith('--') || next === '-h') {
        throw new ConfigError(`${typed} needs a value: ${typed} ${spec.valueName ?? 'VALUE'}`);
      }
      occurrences.push({ spec, typed, value: next });
      i++;
      continue;
    }
    // Optional value, as argparse's nargs="?": the next token is the value unless it looks like a flag.
    const isValueNext = next !== undefined && !next.startsWith('-');
    occurrences.push({ spec, typed, value: isValueNext ? next : null });
    if (isValueNext) i++;
  }
  return occurrences;
}

function unknownFlagMessage(typed: string): string {
  const suggestion = closestFlag(typed);
  const hint = suggestion ? ` (did you mean ${suggestion}?)` : '';
  return `unknown flag ${typed}${hint}; run with --help to list the flags`;
}

/** Nearest known flag by edit distance, only when it is close enough to be a typo. */
function closestFlag(typed: string): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(typed.length / 4)) + 1;
  for (const name of allFlagNames()) {
    const distance = editDistance(typed, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}
