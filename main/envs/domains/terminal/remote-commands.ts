/**
 * Talking to the simulated remote host remote_user@remote_host: scp, rsync (over ssh), PuTTY's pscp, and ssh
 * running one command there. Which copier exists and which port the host's SSH server listens on are hidden per
 * pack; the errors are those the real tools print.
 */
import { basename, fail, ok, resolve, type CmdResult, type Ctx, type RemoteHost } from './context.ts';
import { FLAVOUR_INFO, REMOTE_HOST, REMOTE_USER } from './flavour.ts';
import { cloneNode, type FileSystem, type FsNode, type FsPath } from './fs.ts';
import { parsePosixLine } from './shell-parse.ts';

interface RemoteSpec {
  readonly user: string;
  readonly host: string;
  readonly path: string;
}

/** "user@host:path" or "host:path"; a Windows drive path (C:\x) is local. */
export function remoteSpec(ctx: Ctx, arg: string): RemoteSpec | null {
  if (ctx.flavour.id === 'windows' && /^[A-Za-z]:([\\/]|$)/.test(arg)) return null;
  const m = /^(?:([^@\s:/\\]+)@)?([^@\s:/\\]+):(.*)$/.exec(arg);
  if (!m) return null;
  return { user: m[1] ?? 'user', host: m[2], path: m[3] };
}

function remotePath(remote: RemoteHost, path: string): string[] | null {
  return FLAVOUR_INFO.linux.parsePath(path === '' ? '~' : path, remote.home);
}

type Tool = 'scp' | 'rsync' | 'pscp' | 'ssh';

function connectError(tool: Tool, host: string, port: number, user: string, remote: RemoteHost): string | null {
  if (host !== REMOTE_HOST) {
    if (tool === 'pscp') return `FATAL ERROR: Network error: Host does not exist`;
    const tail =
      tool === 'rsync'
        ? '\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]'
        : tool === 'scp'
          ? '\nscp: Connection closed'
          : '';
    return `ssh: Could not resolve hostname ${host}: Name or service not known${tail}`;
  }
  if (port !== remote.port) {
    if (tool === 'pscp') return 'FATAL ERROR: Network error: Connection refused';
    const tail =
      tool === 'rsync'
        ? '\nrsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: unexplained error (code 255) at io.c(231) [sender=3.2.7]'
        : tool === 'scp'
          ? '\nscp: Connection closed'
          : '';
    return `ssh: connect to host ${host} port ${port}: Connection refused${tail}`;
  }
  if (user !== REMOTE_USER) {
    return tool === 'pscp'
      ? `FATAL ERROR: ${user}@${host}: Permission denied (publickey)`
      : `${user}@${host}: Permission denied (publickey).${tool === 'scp' ? '\nscp: Connection closed' : ''}`;
  }
  return null;
}

/** Copy one tree between two file systems; returns an error text or null. */
function transfer(
  fromFs: FileSystem,
  from: FsPath,
  toFs: FileSystem,
  to: FsPath,
  recursive: boolean,
  show: (p: FsPath) => string,
  tool: Tool,
): string | null {
  const node = fromFs.get(from);
  if (!node) return `${tool}: ${show(from)}: No such file or directory`;
  if (node.kind === 'dir' && !recursive) {
    return tool === 'rsync' ? `skipping directory ${basename(from)}` : `${tool}: ${basename(from)}: not a regular file`;
  }
  const target = toFs.get(to);
  const dest = target && target.kind === 'dir' ? [...to, basename(fromFs.canonical(from))] : to;
  const copy = cloneNode(node);
  const own = (n: FsNode) => {
    n.owner = 'user';
    n.readonly = false;
    n.mtime = 0;
    if (n.kind === 'dir') for (const c of n.children.values()) own(c);
  };
  own(copy);
  const err = toFs.put(dest, copy);
  if (err === 'ENOENT' || err === 'ENOTDIR')
    return `${tool}: dest open "${'/' + to.join('/')}": No such file or directory`;
  if (err) return `${tool}: dest open "${'/' + dest.join('/')}": Permission denied`;
  return null;
}

function copyBetween(
  ctx: Ctx,
  tool: Tool,
  port: number,
  recursive: boolean,
  operands: string[],
  verbose: boolean,
): CmdResult {
  const remote = ctx.remote;
  if (!remote) return fail(`ssh: Could not resolve hostname ${REMOTE_HOST}: Name or service not known`);
  if (operands.length < 2) {
    return fail(
      tool === 'scp'
        ? 'usage: scp [-346ABCOpqRrsTv] [-P port] source ... target'
        : tool === 'pscp'
          ? 'PuTTY Secure Copy client\nUsage: pscp [options] [user@]host:source target\n       pscp [options] source [source...] [user@]host:target'
          : 'rsync error: syntax or usage error (code 1)',
    );
  }
  const destArg = operands[operands.length - 1];
  const destRemote = remoteSpec(ctx, destArg);
  const sources = operands.slice(0, -1);
  const srcRemote = sources.map((s) => remoteSpec(ctx, s));
  if (destRemote && srcRemote.some((s) => s))
    return fail(`${tool}: copying between two remote hosts is not supported here`);
  if (!destRemote && srcRemote.every((s) => !s)) {
    return fail(
      `${tool}: neither source nor target is remote: use cp/copy for local copies (remote is ${REMOTE_USER}@${REMOTE_HOST}:path)`,
    );
  }
  const spec = destRemote ?? (srcRemote.find((s) => s) as RemoteSpec);
  const refused = connectError(tool, spec.host, port, spec.user, remote);
  if (refused) return fail(refused, 255);
  const lines: string[] = [];
  const localShow = (p: FsPath) => ctx.flavour.formatPath(p);
  const remoteShow = (p: FsPath) => '/' + p.join('/');
  if (destRemote) {
    const to = remotePath(remote, destRemote.path);
    if (!to) return fail(`${tool}: invalid remote path`);
    for (const s of sources) {
      const from = resolve(ctx, s);
      const err = from
        ? transfer(ctx.fs, from, remote.fs, to, recursive, localShow, tool)
        : `${tool}: ${s}: No such file or directory`;
      if (err) lines.push(err);
      else if (tool === 'pscp') lines.push(`${basename(from ?? [])} | 1 kB | 1.0 kB/s | ETA: 00:00:00 | 100%`);
      else if (verbose) lines.push(basename(from ?? []));
    }
  } else {
    const to = resolve(ctx, destArg);
    if (!to) return fail(`${tool}: ${destArg}: No such file or directory`);
    for (const s of srcRemote) {
      const from = s ? remotePath(remote, s.path) : null;
      const err = from
        ? transfer(remote.fs, from, ctx.fs, to, recursive, remoteShow, tool)
        : `${tool}: invalid remote path`;
      if (err) lines.push(err);
      else if (verbose) lines.push(basename(from ?? []));
    }
  }
  const failed = lines.some((l) => l.includes(': ') || l.startsWith('skipping'));
  if (tool === 'rsync' && verbose && !failed) lines.unshift('sending incremental file list');
  if (tool === 'rsync' && verbose && !failed)
    lines.push('', 'sent 1,024 bytes  received 35 bytes  2,118.00 bytes/sec', 'total size is 912  speedup is 0.86');
  return { out: lines.join('\n'), status: failed ? 1 : 0 };
}

export function scp(ctx: Ctx, args: string[]): CmdResult {
  return scpLike(ctx, args, 'scp');
}

export function pscp(ctx: Ctx, args: string[]): CmdResult {
  return scpLike(ctx, args, 'pscp');
}

function scpLike(ctx: Ctx, args: string[], tool: 'scp' | 'pscp'): CmdResult {
  let port = 22;
  let recursive = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-P') {
      const v = args[++i];
      if (!v || !/^\d{1,5}$/.test(v)) return fail(`${tool}: bad port '${v ?? ''}'`);
      port = Number(v);
    } else if (/^-P\d{1,5}$/.test(a)) port = Number(a.slice(2));
    else if (a === '-p' && tool === 'scp')
      continue; // preserve times
    else if (a.startsWith('-') && a.length > 1) {
      if (a.includes('r')) recursive = true;
      else if (!/^-[qvCpB346]+$/.test(a)) return fail(`${tool}: unknown option -- ${a.slice(1)}`);
    } else operands.push(a);
  }
  return copyBetween(ctx, tool, port, recursive, operands, false);
}

export function rsync(ctx: Ctx, args: string[]): CmdResult {
  let port = 22;
  let recursive = false;
  let verbose = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const rsh =
      a === '-e'
        ? args[++i]
        : a.startsWith('--rsh=')
          ? a.slice(6)
          : a.startsWith('-e') && a.length > 2 && !a.startsWith('--')
            ? a.slice(2)
            : null;
    if (rsh !== null && rsh !== undefined) {
      const m = /^ssh(?:\s+-p\s*(\d{1,5}))?\s*$/.exec(rsh.trim());
      if (!m)
        return fail(
          `rsync: Failed to exec ${rsh.split(' ')[0]}: No such file or directory (2)\nrsync error: error in IPC code (code 14)`,
        );
      if (m[1]) port = Number(m[1]);
      continue;
    }
    if (a.startsWith('--')) {
      if (a === '--recursive' || a === '--archive') recursive = true;
      else if (a === '--verbose') verbose = true;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (/[ar]/.test(a)) recursive = true;
      if (a.includes('v')) verbose = true;
      continue;
    }
    operands.push(a);
  }
  return copyBetween(ctx, 'rsync', port, recursive, operands, verbose);
}

/** Commands the remote host's shell offers to `ssh remote_user@remote_host <command>`. */
export type RemoteRunner = (remote: RemoteHost, line: string) => string;

export function ssh(ctx: Ctx, args: string[], runRemote: RemoteRunner): CmdResult {
  const remote = ctx.remote;
  if (!remote) return fail(`ssh: Could not resolve hostname ${REMOTE_HOST}: Name or service not known`, 255);
  let port = 22;
  let i = 0;
  for (; i < args.length && args[i].startsWith('-'); i++) {
    if (args[i] === '-p') {
      const v = args[++i];
      if (!v || !/^\d{1,5}$/.test(v)) return fail(`Bad port '${v ?? ''}'`, 255);
      port = Number(v);
    } else if (/^-p\d{1,5}$/.test(args[i])) port = Number(args[i].slice(2));
    else if (args[i] === '-o') i++;
  }
  const target = args[i];
  if (!target) return fail('usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-p port] destination [command [argument ...]]', 255);
  const m = /^(?:([^@\s]+)@)?([^@\s]+)$/.exec(target);
  const user = m?.[1] ?? 'user';
  const host = m?.[2] ?? target;
  const refused = connectError('ssh', host, port, user, remote);
  if (refused) return fail(refused, 255);
  const command = args
    .slice(i + 1)
    .join(' ')
    .trim();
  if (command === '') {
    return fail(
      'Pseudo-terminal will not be allocated because stdin is not a terminal.\n' +
        `This simulator runs one remote command per call: ssh ${REMOTE_USER}@${REMOTE_HOST} <command>`,
    );
  }
  const parsed = parsePosixLine(command, {});
  if (parsed.kind !== 'ok') return fail(`bash: remote command not supported: ${command.slice(0, 60)}`);
  return ok(runRemote(remote, command));
}
