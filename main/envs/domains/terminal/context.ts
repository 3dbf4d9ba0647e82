/**
 * What a command sees: the file system it runs on, the flavour, the current directory, the tools installed on
 * this machine, and (on the local machine) the remote host. Plus small helpers every command uses.
 */
import type { FileSystem, FsNode, FsPath } from './fs.ts';
import type { FlavourInfo } from './flavour.ts';

/** Optional tools whose presence differs per pack (hidden): which archiver and which remote copier exist. */
export type ArchiveTool = 'tar' | 'zip' | 'powershell';
export type RemoteTool = 'scp' | 'rsync' | 'pscp';

export interface RemoteHost {
  readonly fs: FileSystem;
  readonly home: FsPath;
  /** The only port its SSH server accepts. */
  readonly port: number;
}

export interface Ctx {
  readonly fs: FileSystem;
  readonly flavour: FlavourInfo;
  cwd: string[];
  readonly hostname: string;
  readonly archiveTool: ArchiveTool;
  readonly remoteTool: RemoteTool;
  /** The remote host as seen from the local machine; null inside an ssh session on the remote. */
  readonly remote: RemoteHost | null;
}

export interface CmdResult {
  readonly out: string;
  readonly status: number;
  /** Set when the command would destroy the system (ends the episode as an illegal action). */
  readonly illegal?: string;
  /** Set by `exit`. */
  readonly exit?: boolean;
}

export const ok = (out = ''): CmdResult => ({ out, status: 0 });
export const fail = (out: string, status = 1): CmdResult => ({ out, status });

export function resolve(ctx: Ctx, arg: string): string[] | null {
  return ctx.flavour.parsePath(arg, ctx.cwd);
}

export function show(ctx: Ctx, path: FsPath): string {
  return ctx.flavour.formatPath(ctx.fs.canonical(path));
}

export function basename(path: FsPath): string {
  return path.length > 0 ? path[path.length - 1] : '';
}

/** Split "-abc" style flags (and "--long") from operands; "--" ends the flags. */
export function splitFlags(args: readonly string[]): { flags: Set<string>; long: string[]; operands: string[] } {
  const flags = new Set<string>();
  const long: string[] = [];
  const operands: string[] = [];
  let done = false;
  for (const a of args) {
    if (done || !a.startsWith('-') || a === '-') operands.push(a);
    else if (a === '--') done = true;
    else if (a.startsWith('--')) long.push(a);
    else for (const ch of a.slice(1)) flags.add(ch);
  }
  return { flags, long, operands };
}

/** True when removing `path` would take the root, a drive, the home directory or one of its ancestors. */
export function isVital(ctx: Ctx, path: FsPath): boolean {
  if (path.length === 0) return true;
  if (ctx.flavour.id === 'windows' && path.length === 1) return true;
  const home = ctx.remote ? ctx.flavour.home : ['home', 'remote_user'];
  return ctx.fs.contains(path, home);
}

export function modeString(node: FsNode): string {
  const bits = ['r', 'w', 'x'];
  let s = node.kind === 'dir' ? 'd' : '-';
  for (let i = 8; i >= 0; i--) s += node.mode & (1 << i) ? bits[(8 - i) % 3] : '-';
  return s;
}

export function sizeOf(node: FsNode): number {
  if (node.kind === 'dir') return 4096;
  if (node.archive) return 180 + node.archive.entries.reduce((s, e) => s + e.content.length + 64, 0);
  return Buffer.byteLength(node.content, 'utf8');
}

/** Keep outputs readable and bounded: the model sees at most this many lines of one command. */
export const MAX_OUTPUT_LINES = 60;

export function clipOutput(out: string): string {
  const lines = out.split('\n');
  if (lines.length <= MAX_OUTPUT_LINES)
    return out.length > 6000 ? out.slice(0, 6000) + '\n... (output truncated)' : out;
  return [...lines.slice(0, MAX_OUTPUT_LINES), `... (${lines.length - MAX_OUTPUT_LINES} more lines not shown)`].join(
    '\n',
  );
}
