import { CodError, isCodError } from '../base/errors.ts';
import type { CliCommand } from './command.ts';
import { commands } from './commands/index.ts';

function usage(list: readonly CliCommand[]): string {
  const lines = ['usage: cod <command> [options]', '', 'commands:'];
  for (const c of list) lines.push(`  cod ${c.path.join(' ').padEnd(18)} ${c.summary}`);
  lines.push('', 'Run `cod <command> --help` for its options.');
  return lines.join('\n');
}

/** Longest-prefix match of argv against the registered command paths. */
function resolve(argv: string[]): { cmd: CliCommand; rest: string[] } | undefined {
  let best: CliCommand | undefined;
  for (const c of commands) {
    if (c.path.every((w, i) => argv[i] === w) && (!best || c.path.length > best.path.length)) best = c;
  }
  return best ? { cmd: best, rest: argv.slice(best.path.length) } : undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h') {
    console.log(usage(commands));
    return argv.length === 0 ? 2 : 0;
  }
  const hit = resolve(argv);
  if (!hit) {
    console.error(`cod: unknown command '${argv.join(' ')}'\n\n${usage(commands)}`);
    return 2;
  }
  if (hit.rest.includes('--help') || hit.rest.includes('-h')) {
    console.log(`usage: cod ${hit.cmd.path.join(' ')} ${hit.cmd.usage}\n\n${hit.cmd.summary}`);
    return 0;
  }
  try {
    return await hit.cmd.run(hit.rest);
  } catch (e) {
    return reportError(e);
  }
}

/** One clear line for bad input; a stack only for real bugs, and only when COD_DEBUG is set. */
export function reportError(e: unknown): number {
  if (isCodError(e)) {
    console.error(`cod: error: ${e.message}`);
    return 2;
  }
  const err = e as { code?: string; message?: string };
  if (err && err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`cod: error: ${err.message}`);
    return 2;
  }
  if (
    err &&
    (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
  ) {
    console.error(`cod: error: ${err.message}`);
    return 2;
  }
  console.error(`cod: internal error: ${err?.message ?? String(e)}`);
  if (process.env.COD_DEBUG) console.error(e);
  return 1;
}

export { CodError };
