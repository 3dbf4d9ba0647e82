/**
 * The simulated shell: parses one command line with the flavour's rules, expands globs (POSIX), dispatches to the
 * command table of this machine (which depends on the pack's installed tools), and applies `>` / `>>`.
 * Nothing is ever executed on the host.
 */
import { powershell, tar, unzip, zip } from './archive-commands.ts';
import { clipOutput, fail, ok, type CmdResult, type Ctx, type RemoteHost } from './context.ts';
import { FLAVOUR_INFO, REMOTE_HOST, USER } from './flavour.ts';
import { canWrite, newFile } from './fs.ts';
import { expandGlob } from './glob.ts';
import { POSIX_CORE, type PosixCommand } from './posix-commands.ts';
import { pscp, rsync, scp, ssh } from './remote-commands.ts';
import { lineProblem, parseCmdLine, parsePosixLine, type Word } from './shell-parse.ts';
import { WINDOWS_CORE, type WindowsCommand } from './windows-commands.ts';

export interface ShellRun {
  readonly output: string;
  /** The line is not a command at all (empty, several lines, unbalanced quotes): a format error. */
  readonly formatError?: string;
  /** The command would destroy the machine: an illegal action. */
  readonly illegal?: string;
  readonly exit?: boolean;
}

/** Runs one command on the remote host (as `ssh remote_user@remote_host <command>` does). */
function runOnRemote(remote: RemoteHost, line: string): string {
  const ctx: Ctx = {
    fs: remote.fs,
    flavour: FLAVOUR_INFO.linux,
    cwd: remote.home.slice(),
    hostname: REMOTE_HOST,
    archiveTool: 'tar',
    remoteTool: 'scp',
    remote: null,
  };
  const run = new Shell(ctx, { home: remote.home }).run(line);
  return run.illegal ? 'rm: refusing to remove that on the remote host' : run.output;
}

function posixTable(ctx: Ctx): Record<string, PosixCommand> {
  const t: Record<string, PosixCommand> = { ...POSIX_CORE };
  if (ctx.archiveTool === 'tar') t.tar = tar;
  if (ctx.archiveTool === 'zip') {
    t.zip = zip;
    t.unzip = unzip;
  }
  if (ctx.remote) {
    if (ctx.remoteTool === 'scp') t.scp = scp;
    if (ctx.remoteTool === 'rsync') t.rsync = rsync;
    t.ssh = (c, args) => ssh(c, args, runOnRemote);
  }
  t.which = (c, args) => {
    const names = args.filter((a) => !a.startsWith('-'));
    const lines = names.map((n) =>
      Object.hasOwn(t, n) && !['cd', 'exit', 'echo', 'pwd'].includes(n)
        ? `/usr/bin/${n}`
        : c.flavour.id === 'macos'
          ? `${n} not found`
          : '',
    );
    return { out: lines.filter((l) => l !== '').join('\n'), status: names.every((n) => Object.hasOwn(t, n)) ? 0 : 1 };
  };
  return t;
}

function windowsTable(ctx: Ctx): Record<string, WindowsCommand> {
  const t: Record<string, WindowsCommand> = { ...WINDOWS_CORE };
  const texts = (words: readonly Word[]) => words.map((w) => w.text);
  if (ctx.archiveTool === 'tar') t.tar = (c, w) => tar(c, texts(w));
  t.powershell = (c, w) => powershell(c, texts(w));
  if (ctx.remoteTool === 'scp') t.scp = (c, w) => scp(c, texts(w));
  if (ctx.remoteTool === 'pscp') t.pscp = (c, w) => pscp(c, texts(w));
  t.ssh = (c, w) => ssh(c, texts(w), runOnRemote);
  return t;
}

export class Shell {
  private readonly home: readonly string[];

  constructor(
    readonly ctx: Ctx,
    opts: { home?: readonly string[] } = {},
  ) {
    this.home = opts.home ?? ctx.flavour.home;
  }

  prompt(): string {
    return this.ctx.flavour.prompt(this.ctx.fs.canonical(this.ctx.cwd), this.ctx.hostname);
  }

  run(line: string): ShellRun {
    const problem = lineProblem(line);
    if (problem) return { output: '', formatError: problem };
    const text = line.trim();
    return this.ctx.flavour.id === 'windows' ? this.runCmd(text) : this.runPosix(text);
  }

  private env(): Record<string, string> {
    const f = this.ctx.flavour;
    if (f.id === 'windows') {
      return {
        USERPROFILE: f.formatPath(this.home),
        USERNAME: USER,
        HOMEDRIVE: 'C:',
        HOMEPATH: '\\' + this.home.slice(1).join('\\'),
        CD: f.formatPath(this.ctx.fs.canonical(this.ctx.cwd)),
        COMPUTERNAME: this.ctx.hostname,
      };
    }
    return {
      HOME: f.formatPath(this.home),
      USER: this.ctx.remote ? USER : 'remote_user',
      PWD: f.formatPath(this.ctx.fs.canonical(this.ctx.cwd)),
      HOSTNAME: this.ctx.hostname,
      SHELL: f.id === 'macos' ? '/bin/zsh' : '/bin/bash',
    };
  }

  private runPosix(text: string): ShellRun {
    const ctx = this.ctx;
    const zsh = ctx.flavour.id === 'macos';
    const parsed = parsePosixLine(text, this.env());
    if (parsed.kind === 'invalid') return { output: '', formatError: parsed.reason };
    if (parsed.kind === 'unsupported') {
      return {
        output: `${zsh ? 'zsh' : 'bash'}: '${parsed.operator}' is not available in this simulated shell: run one simple command per turn`,
      };
    }
    const args: string[] = [];
    for (const w of parsed.words) {
      if (!w.glob) {
        args.push(w.text);
        continue;
      }
      const expanded = this.expand(w.text);
      if (expanded.length > 0) args.push(...expanded);
      else if (zsh) return { output: `zsh: no matches found: ${w.text}` };
      else args.push(w.text);
    }
    if (args.length === 0) {
      if (parsed.redirect) return this.finish(ok(), parsed.redirect.target.text, parsed.redirect.append);
      return { output: '' };
    }
    const [name, ...rest] = args;
    const table = posixTable(ctx);
    let cmd = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!cmd && name.includes('/')) {
      const base = name.split('/').pop() ?? '';
      if (/^\/(usr\/)?s?bin\/[a-z]+$/.test(name) && Object.hasOwn(table, base)) cmd = table[base];
      else return this.finish(this.execFile(name), parsed.redirect?.target.text, parsed.redirect?.append);
    }
    if (!cmd) return { output: ctx.flavour.notFound(name) };
    const result = cmd(ctx, rest);
    return this.finish(result, parsed.redirect?.target.text, parsed.redirect?.append);
  }

  /** Running a file: the simulator never executes anything. */
  private execFile(name: string): CmdResult {
    const shell = this.ctx.flavour.id === 'macos' ? 'zsh' : 'bash';
    const p = this.ctx.flavour.parsePath(name, this.ctx.cwd);
    const node = p ? this.ctx.fs.get(p) : undefined;
    if (!node) return fail(`${shell}: ${name}: No such file or directory`, 127);
    if (node.kind === 'dir') return fail(`${shell}: ${name}: Is a directory`, 126);
    if ((node.mode & 0o100) === 0) return fail(`${shell}: ${name}: Permission denied`, 126);
    return fail(`${shell}: ${name}: this simulator does not run programs or scripts`, 126);
  }

  private expand(pattern: string): string[] {
    const ctx = this.ctx;
    const parts = ctx.flavour.parsePath(pattern, ctx.cwd);
    if (!parts) return [];
    const found = expandGlob(ctx.fs, parts);
    const absolute = pattern.startsWith('/') || pattern.startsWith('~') || pattern.includes('..');
    return found.map((m) => {
      if (!absolute && ctx.fs.contains(ctx.cwd, m)) return m.slice(ctx.cwd.length).join('/');
      return ctx.flavour.formatPath(m);
    });
  }

  private runCmd(text: string): ShellRun {
    const ctx = this.ctx;
    const parsed = parseCmdLine(text, this.env());
    if (parsed.kind === 'invalid') return { output: '', formatError: parsed.reason };
    if (parsed.kind === 'unsupported') {
      return {
        output: `'${parsed.operator}' is not available in this simulated cmd.exe: run one simple command per turn.`,
      };
    }
    if (parsed.words.length === 0) {
      if (parsed.redirect) return this.finish(ok(), parsed.redirect.target.text, parsed.redirect.append);
      return { output: '' };
    }
    const [first, ...rest] = parsed.words;
    let name = first.text.toLowerCase();
    // cmd splits "cd\" or "dir/s" at the first '\' or '/' after the command name.
    const glued = /^([a-z]+)([\\/].*)$/.exec(name);
    let words = rest;
    if (glued && Object.hasOwn(WINDOWS_CORE, glued[1])) {
      name = glued[1];
      words = [{ text: first.text.slice(glued[1].length), glob: false, quoted: false }, ...rest];
    }
    if (/^[a-z]:$/.test(name)) {
      const drive = [name.toUpperCase()];
      if (!ctx.fs.get(drive)) return { output: 'The system cannot find the drive specified.' };
      ctx.cwd = drive;
      return { output: '' };
    }
    name = name.replace(/\.exe$/, '');
    const table = windowsTable(ctx);
    const cmd = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!cmd) return { output: ctx.flavour.notFound(first.text) };
    return this.finish(cmd(ctx, words), parsed.redirect?.target.text, parsed.redirect?.append);
  }

  /** Apply a redirection (stdout only: a failing command's message still shows) and package the run. */
  private finish(result: CmdResult, target: string | undefined, append: boolean | undefined): ShellRun {
    const base = { illegal: result.illegal, exit: result.exit };
    if (target === undefined) return { output: clipOutput(result.out.replace(/\n$/, '')), ...base };
    const ctx = this.ctx;
    const path = ctx.flavour.parsePath(target, ctx.cwd);
    const windows = ctx.flavour.id === 'windows';
    const shellName = ctx.flavour.id === 'macos' ? 'zsh' : 'bash';
    const refuse = (why: 'ENOENT' | 'EACCES' | 'EISDIR') =>
      windows
        ? why === 'EACCES'
          ? 'Access is denied.'
          : 'The system cannot find the path specified.'
        : `${shellName}: ${target}: ${why === 'ENOENT' ? 'No such file or directory' : why === 'EACCES' ? 'Permission denied' : 'Is a directory'}`;
    if (!path) return { output: refuse('ENOENT'), ...base };
    const existing = ctx.fs.get(path);
    if (existing && existing.kind === 'dir') return { output: refuse('EISDIR'), ...base };
    const stdout = result.status === 0 ? result.out : '';
    const shown = result.status === 0 ? '' : clipOutput(result.out.replace(/\n$/, ''));
    if (existing) {
      if (existing.readonly || !canWrite(existing)) return { output: refuse('EACCES'), ...base };
      existing.content = append ? existing.content + stdout : stdout;
      existing.archive = null;
      return { output: shown, ...base };
    }
    const err = ctx.fs.put(path, newFile(stdout));
    if (err) return { output: refuse(err === 'EACCES' ? 'EACCES' : 'ENOENT'), ...base };
    return { output: shown, ...base };
  }
}
