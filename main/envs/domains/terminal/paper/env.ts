/**
 * The paper Terminal's shell: one command line run against the local machine (or the remote one after `ssh`),
 * as the reference's TerminalEnv does (trinity/common/workflows/connect_the_dots/terminal/env.py,
 * shiweijiezero/Trinity-RFT @ 622ba7ee): environment variables and `~` expanded first; an unquoted pipe or
 * redirection refused with an error line; the line split on unquoted `&&` and `;` (a failed command stops an `&&`
 * chain; failure is read off the output's wording, as the reference does); each part tokenised with shlex (posix
 * except in the local Windows shell), Windows names aliased onto the handlers (dir → ls, type → cat, copy → cp,
 * move → mv, del → rm, ren/rename → mv), unknown or unavailable commands answered in the OS's words.
 */
import { COMMANDS } from './commands.ts';
import { shlexSplit, ShlexError } from './shlex.ts';
import type { MachineState } from './vfs.ts';

const ALIASES: Readonly<Record<string, string>> = {
  dir: 'ls',
  type: 'cat',
  copy: 'cp',
  move: 'mv',
  del: 'rm',
  ren: 'mv',
  rename: 'mv',
};

/** Commands whose "name: message" first line marks a failure (the reference's is_err list). */
const ERROR_PREFIXES = new Set([
  'ls',
  'cd',
  'cat',
  'mkdir',
  'chmod',
  'cp',
  'mv',
  'rm',
  'scp',
  'rsync',
  'tar',
  'zip',
  'unzip',
  'gzip',
  'gunzip',
  'ssh',
  'touch',
  'del',
]);

/** Whether `ch` ('|', '>' or '<') occurs outside quotes (_contains_unquoted). */
function containsUnquoted(text: string, ch: string): boolean {
  let single = false;
  let double = false;
  for (const c of text) {
    if (c === "'" && !double) single = !single;
    else if (c === '"' && !single) double = !double;
    else if (c === ch && !single && !double) return true;
  }
  return false;
}

/** Split on unquoted `&&` and `;`: [command, the operator after it] (_split_command_chain). */
export function splitChain(text: string): Array<[string, '&&' | ';' | null]> {
  const out: Array<[string, '&&' | ';' | null]> = [];
  let current = '';
  let single = false;
  let double = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" && !double) {
      single = !single;
      current += c;
    } else if (c === '"' && !single) {
      double = !double;
      current += c;
    } else if (!single && !double && c === ';') {
      out.push([current, ';']);
      current = '';
    } else if (!single && !double && c === '&' && text[i + 1] === '&') {
      out.push([current, '&&']);
      current = '';
      i++;
    } else current += c;
  }
  if (current.trim() !== '') out.push([current.trim(), null]);
  return out;
}

export class TerminalSim {
  current: MachineState;
  sshConnected = false;
  stepCount = 0;

  constructor(
    readonly local: MachineState,
    readonly remote: MachineState,
  ) {
    this.current = local;
  }

  connect(): void {
    this.sshConnected = true;
    this.current = this.remote;
  }

  disconnect(): void {
    this.sshConnected = false;
    this.current = this.local;
  }

  promptString(): string {
    return this.current.promptString();
  }

  /** One command line; returns what the terminal prints. */
  execute(rawCommand: string): string {
    const raw = rawCommand.trim();
    if (raw === '') return '';
    this.stepCount++;
    const expanded = this.expand(raw);
    if (containsUnquoted(expanded, '|')) return 'Error: pipes (|) are not supported in this environment.';
    if (containsUnquoted(expanded, '>') || containsUnquoted(expanded, '<'))
      return 'Error: redirects (>, >>, <) are not supported in this environment.';
    const parts: string[] = [];
    let failed = false;
    let previous: '&&' | ';' | null = null;
    for (const [text, operator] of splitChain(expanded)) {
      const cmd = text.trim();
      if (cmd === '') {
        previous = operator;
        continue;
      }
      if (previous === '&&' && failed) break;
      const [out, isError] = this.executeSingle(cmd);
      failed = isError;
      if (out) parts.push(out);
      previous = operator;
    }
    return parts.join('\n');
  }

  private executeSingle(cmd: string): [string, boolean] {
    let tokens: string[];
    try {
      tokens = shlexSplit(cmd, this.current.osType !== 'windows' || this.sshConnected);
    } catch (e) {
      if (e instanceof ShlexError) return ['bash: syntax error: unexpected end of file', true];
      throw e;
    }
    if (tokens.length === 0) return ['', false];
    const [name, ...args] = tokens;
    const lower = name.toLowerCase();
    const key = Object.hasOwn(ALIASES, lower) ? ALIASES[lower] : lower;
    const handler = Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
    const available = handler && (this.sshConnected || !handler.os || handler.os.includes(this.current.osType));
    if (!handler || !available) return [this.unknown(name), true];
    let result: string;
    try {
      result = handler.run(args, this);
    } catch (e) {
      return [`Error: ${e instanceof Error ? e.message : String(e)}`, true];
    }
    if (result === '') return ['', false];
    if (['Error:', 'bash:', "'", 'The system', 'Could Not'].some((p) => result.startsWith(p))) return [result, true];
    if (!result.split('\n')[0].includes(': ')) return [result, false];
    const words = result.split(':')[0].trim().split(/\s+/);
    // The reference indexes the last word of an empty list here and reports the IndexError as the output.
    if (words[0] === '') return ['Error: list index out of range', true];
    return [result, ERROR_PREFIXES.has(words[words.length - 1].toLowerCase())];
  }

  private expand(cmd: string): string {
    const m = this.current;
    if (m.osType === 'windows' && !this.sshConnected) {
      for (const [k, v] of Object.entries(m.envVars)) cmd = cmd.split(`%${k}%`).join(v);
      return cmd;
    }
    const home = m.envVars.HOME ?? m.toDisplayPath(m.homeDir);
    // A standalone ~ or ~/… (not after ':' as in user@host:~/dir, nor inside a word).
    cmd = cmd.replace(/(?<![\\~\w:])~(?=\/|\s|$)/g, () => home);
    if (cmd.startsWith('~/') || cmd === '~') cmd = home + cmd.slice(1);
    for (const [k, v] of Object.entries(m.envVars).sort((a, b) => b[0].length - a[0].length)) {
      cmd = cmd.split(`\${${k}}`).join(v).split(`$${k}`).join(v);
    }
    return cmd;
  }

  private unknown(name: string): string {
    if (this.current.osType === 'windows' && !this.sshConnected)
      return `'${name}' is not recognized as an internal or external command,\noperable program or batch file.`;
    return `bash: ${name}: command not found`;
  }
}
