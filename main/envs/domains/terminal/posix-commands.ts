/**
 * Commands of the POSIX flavours (GNU userland on Linux, BSD userland on macOS), over the simulated file system.
 * Arguments arrive already split, unquoted and glob-expanded by the shell.
 */
import { cloneNode, canRead, newFile, type FsNode, type FsPath } from './fs.ts';
import { fsMessage, USER } from './flavour.ts';
import {
  basename,
  fail,
  isVital,
  modeString,
  ok,
  resolve,
  show,
  sizeOf,
  splitFlags,
  type CmdResult,
  type Ctx,
} from './context.ts';
import { lsDate } from './clock.ts';
import { matchName } from './glob.ts';

export type PosixCommand = (ctx: Ctx, args: string[]) => CmdResult;

const isMac = (ctx: Ctx) => ctx.flavour.id === 'macos';

function ownedCopy(n: FsNode): FsNode {
  const c = cloneNode(n);
  const own = (x: FsNode) => {
    x.owner = 'user';
    x.readonly = false;
    x.mtime = 0;
    if (x.kind === 'dir') for (const ch of x.children.values()) own(ch);
  };
  own(c);
  return c;
}

function longLine(name: string, node: FsNode, linuxGroup: boolean): string {
  const owner = node.owner === 'user' ? USER : 'root';
  const group = node.owner === 'user' ? (linuxGroup ? USER : 'staff') : linuxGroup ? 'root' : 'wheel';
  return `${modeString(node)}  1 ${owner.padEnd(5)} ${group.padEnd(5)} ${String(sizeOf(node)).padStart(6)} ${lsDate(node.mtime)} ${name}`;
}

const pwd: PosixCommand = (ctx) => ok(ctx.flavour.formatPath(ctx.fs.canonical(ctx.cwd)));

const cd: PosixCommand = (ctx, args) => {
  const target = args.length === 0 ? ctx.flavour.home.slice() : resolve(ctx, args[0]);
  const node = target ? ctx.fs.get(target) : undefined;
  const shown = args[0] ?? '~';
  if (!target || !node) {
    return fail(
      isMac(ctx) ? `cd: no such file or directory: ${shown}` : `bash: cd: ${shown}: No such file or directory`,
    );
  }
  if (node.kind !== 'dir')
    return fail(isMac(ctx) ? `cd: not a directory: ${shown}` : `bash: cd: ${shown}: Not a directory`);
  ctx.cwd = ctx.fs.canonical(target);
  return ok();
};

const ls: PosixCommand = (ctx, args) => {
  const { flags, operands } = splitFlags(args);
  const long = flags.has('l');
  const all = flags.has('a') || flags.has('A');
  const targets = operands.length > 0 ? operands : ['.'];
  const blocks: string[] = [];
  const errors: string[] = [];
  const files: string[] = [];
  for (const arg of targets) {
    const p = resolve(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!p || !node) {
      errors.push(
        isMac(ctx) ? `ls: ${arg}: No such file or directory` : `ls: cannot access '${arg}': No such file or directory`,
      );
      continue;
    }
    if (node.kind === 'file' || flags.has('d')) {
      files.push(long ? longLine(arg, node, !isMac(ctx)) : arg);
      continue;
    }
    if (!canRead(node)) {
      errors.push(
        isMac(ctx) ? `ls: ${arg}: Permission denied` : `ls: cannot open directory '${arg}': Permission denied`,
      );
      continue;
    }
    const names = [...node.children.keys()].filter((n) => all || !n.startsWith('.')).sort();
    const lines = long
      ? [`total ${names.length * 8}`, ...names.map((n) => longLine(n, node.children.get(n) as FsNode, !isMac(ctx)))]
      : [names.join('  ')];
    blocks.push((targets.length > 1 ? `${arg}:\n` : '') + lines.join('\n'));
  }
  const out = [...errors, ...(files.length > 0 ? [long ? files.join('\n') : files.join('  ')] : []), ...blocks];
  return { out: out.filter((s) => s !== '').join('\n'), status: errors.length > 0 ? (isMac(ctx) ? 1 : 2) : 0 };
};

const mkdir: PosixCommand = (ctx, args) => {
  const { flags, operands } = splitFlags(args);
  if (operands.length === 0)
    return fail(isMac(ctx) ? 'usage: mkdir [-pv] [-m mode] directory_name ...' : 'mkdir: missing operand');
  const out: string[] = [];
  for (const arg of operands) {
    const p = resolve(ctx, arg);
    const err = p ? ctx.fs.mkdir(p, flags.has('p')) : 'ENOENT';
    if (err) out.push(fsMessage(ctx.flavour.id, 'mkdir', arg, err, 'create directory'));
    else if (flags.has('v')) out.push(isMac(ctx) ? arg : `mkdir: created directory '${arg}'`);
  }
  return { out: out.join('\n'), status: out.some((l) => l.includes(': ')) ? 1 : 0 };
};

const touch: PosixCommand = (ctx, args) => {
  const { operands } = splitFlags(args);
  if (operands.length === 0)
    return fail(
      isMac(ctx) ? 'usage: touch [-A [-][[hh]mm]SS] [-achm] [-r file] file ...' : 'touch: missing file operand',
    );
  const out: string[] = [];
  for (const arg of operands) {
    const p = resolve(ctx, arg);
    if (p && ctx.fs.get(p)) continue;
    const err = p ? ctx.fs.put(p, newFile('')) : 'ENOENT';
    if (err) out.push(fsMessage(ctx.flavour.id, 'touch', arg, err, 'touch'));
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const echo: PosixCommand = (_ctx, args) => {
  const noNewline = args[0] === '-n';
  const text = (noNewline ? args.slice(1) : args).join(' ');
  return ok(noNewline ? text : text + '\n');
};

const cat: PosixCommand = (ctx, args) => {
  const { operands } = splitFlags(args);
  const out: string[] = [];
  let status = 0;
  for (const arg of operands) {
    const p = resolve(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!node) {
      out.push(`cat: ${arg}: No such file or directory`);
      status = 1;
    } else if (node.kind === 'dir') {
      out.push(`cat: ${arg}: Is a directory`);
      status = 1;
    } else if (!canRead(node)) {
      out.push(`cat: ${arg}: Permission denied`);
      status = 1;
    } else out.push(node.archive ? `[binary data, ${sizeOf(node)} bytes]` : node.content.replace(/\n$/, ''));
  }
  return { out: out.join('\n'), status };
};

/** Shared by cp and mv: where each source goes. */
function destinations(
  ctx: Ctx,
  cmd: string,
  operands: string[],
): { pairs: Array<[string, FsPath, FsPath]>; error?: string } {
  if (operands.length < 2) {
    const usage = isMac(ctx)
      ? cmd === 'cp'
        ? 'usage: cp [-R [-H | -L | -P]] [-fi | -n] [-aclpSsvXx] source_file target_file'
        : 'usage: mv [-f | -i | -n] [-hv] source target'
      : `${cmd}: missing ${operands.length === 0 ? 'file operand' : `destination file operand after '${operands[0]}'`}`;
    return { pairs: [], error: usage };
  }
  const destArg = operands[operands.length - 1];
  const dest = resolve(ctx, destArg);
  if (!dest) return { pairs: [], error: fsMessage(ctx.flavour.id, cmd, destArg, 'ENOENT') };
  const destNode = ctx.fs.get(dest);
  const sources = operands.slice(0, -1);
  if (sources.length > 1 && (!destNode || destNode.kind !== 'dir')) {
    return {
      pairs: [],
      error: isMac(ctx) ? `${cmd}: ${destArg} is not a directory` : `${cmd}: target '${destArg}' is not a directory`,
    };
  }
  const pairs: Array<[string, FsPath, FsPath]> = [];
  for (const s of sources) {
    const src = resolve(ctx, s);
    if (!src) continue;
    const target = destNode && destNode.kind === 'dir' ? [...dest, basename(ctx.fs.canonical(src))] : dest;
    pairs.push([s, src, target]);
  }
  return { pairs };
}

const cp: PosixCommand = (ctx, args) => {
  const { flags, operands } = splitFlags(args);
  const recursive = flags.has('r') || flags.has('R') || flags.has('a');
  const { pairs, error } = destinations(ctx, 'cp', operands);
  if (error) return fail(error);
  const out: string[] = [];
  for (const [arg, src, target] of pairs) {
    const node = ctx.fs.get(src);
    if (!node) {
      out.push(fsMessage(ctx.flavour.id, 'cp', arg, 'ENOENT', 'stat'));
      continue;
    }
    if (node.kind === 'dir' && !recursive) {
      out.push(
        isMac(ctx) ? `cp: ${arg} is a directory (not copied).` : `cp: -r not specified; omitting directory '${arg}'`,
      );
      continue;
    }
    if (!canRead(node)) {
      out.push(fsMessage(ctx.flavour.id, 'cp', arg, 'EACCES', 'open'));
      continue;
    }
    if (ctx.fs.contains(src, target)) {
      out.push(
        isMac(ctx) ? `cp: ${arg} and its copy would overlap` : `cp: cannot copy a directory, '${arg}', into itself`,
      );
      continue;
    }
    if (flags.has('n') && ctx.fs.get(target)) continue;
    const err = ctx.fs.put(target, ownedCopy(node));
    if (err)
      out.push(
        fsMessage(
          ctx.flavour.id,
          'cp',
          show(ctx, target),
          err,
          node.kind === 'dir' ? 'create directory' : 'create regular file',
        ),
      );
    else if (flags.has('v')) out.push(`'${arg}' -> '${show(ctx, target)}'`);
  }
  return { out: out.join('\n'), status: out.some((l) => !l.startsWith("'")) ? 1 : 0 };
};

const mv: PosixCommand = (ctx, args) => {
  const { flags, operands } = splitFlags(args);
  const { pairs, error } = destinations(ctx, 'mv', operands);
  if (error) return fail(error);
  const out: string[] = [];
  for (const [arg, src, target] of pairs) {
    const node = ctx.fs.get(src);
    const shownTarget = show(ctx, target);
    if (!node) {
      out.push(
        isMac(ctx)
          ? `mv: rename ${arg} to ${shownTarget}: No such file or directory`
          : `mv: cannot stat '${arg}': No such file or directory`,
      );
      continue;
    }
    const same = ctx.fs.samePath(src, target);
    if (same && basename(ctx.fs.canonical(src)) === basename(target)) {
      out.push(
        isMac(ctx)
          ? `mv: ${arg} and ${shownTarget} are identical`
          : `mv: '${arg}' and '${shownTarget}' are the same file`,
      );
      continue;
    }
    if (!same && ctx.fs.contains(src, target)) {
      out.push(`mv: cannot move '${arg}' to a subdirectory of itself, '${shownTarget}'`);
      continue;
    }
    const existing = same ? undefined : ctx.fs.get(target);
    if (existing && existing.kind === 'dir' && node.kind === 'file') {
      out.push(
        isMac(ctx)
          ? `mv: ${arg}: Is a directory`
          : `mv: cannot overwrite directory '${shownTarget}' with non-directory`,
      );
      continue;
    }
    if (existing && existing.kind === 'file' && node.kind === 'dir') {
      out.push(
        isMac(ctx)
          ? `mv: ${shownTarget}: Not a directory`
          : `mv: cannot overwrite non-directory '${shownTarget}' with directory '${arg}'`,
      );
      continue;
    }
    if (existing && existing.kind === 'dir' && existing.children.size > 0) {
      out.push(
        isMac(ctx)
          ? `mv: rename ${arg} to ${shownTarget}: Directory not empty`
          : `mv: cannot move '${arg}' to '${shownTarget}': Directory not empty`,
      );
      continue;
    }
    if (flags.has('n') && existing) continue;
    const targetProblem = existing ? undefined : ctx.fs.parentProblem(target);
    if (targetProblem) {
      out.push(fsMessage(ctx.flavour.id, 'mv', shownTarget, targetProblem, 'move'));
      continue;
    }
    // Remove first so a case-only rename on a case-insensitive system takes the new spelling.
    const removeErr = ctx.fs.remove(src);
    if (removeErr) {
      out.push(fsMessage(ctx.flavour.id, 'mv', arg, removeErr, 'move'));
      continue;
    }
    if (existing) ctx.fs.remove(target);
    const err = ctx.fs.put(target, node);
    if (err) {
      ctx.fs.put(src, node);
      out.push(fsMessage(ctx.flavour.id, 'mv', shownTarget, err, 'move'));
    } else if (flags.has('v')) out.push(`renamed '${arg}' -> '${shownTarget}'`);
  }
  return { out: out.join('\n'), status: out.some((l) => !l.startsWith('renamed')) ? 1 : 0 };
};

const rm: PosixCommand = (ctx, args) => {
  const { flags, operands } = splitFlags(args);
  const recursive = flags.has('r') || flags.has('R');
  if (operands.length === 0)
    return fail(isMac(ctx) ? 'usage: rm [-f | -i] [-dIPRrvWx] file ...' : 'rm: missing operand');
  const out: string[] = [];
  for (const arg of operands) {
    const p = resolve(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!p || !node) {
      if (!flags.has('f'))
        out.push(
          isMac(ctx)
            ? `rm: ${arg}: No such file or directory`
            : `rm: cannot remove '${arg}': No such file or directory`,
        );
      continue;
    }
    if (node.kind === 'dir' && !recursive) {
      out.push(isMac(ctx) ? `rm: ${arg}: is a directory` : `rm: cannot remove '${arg}': Is a directory`);
      continue;
    }
    if (recursive && isVital(ctx, p)) {
      return { out: `rm: refusing to remove '${arg}'`, status: 1, illegal: `recursive removal of ${show(ctx, p)}` };
    }
    const err = ctx.fs.remove(p);
    if (err) out.push(fsMessage(ctx.flavour.id, 'rm', arg, err, 'remove'));
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const rmdir: PosixCommand = (ctx, args) => {
  const { operands } = splitFlags(args);
  const out: string[] = [];
  for (const arg of operands) {
    const p = resolve(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!p || !node) out.push(fsMessage(ctx.flavour.id, 'rmdir', arg, 'ENOENT', 'remove'));
    else if (node.kind !== 'dir') out.push(fsMessage(ctx.flavour.id, 'rmdir', arg, 'ENOTDIR', 'remove'));
    else if (node.children.size > 0) out.push(fsMessage(ctx.flavour.id, 'rmdir', arg, 'ENOTEMPTY', 'remove'));
    else if (isVital(ctx, p))
      return { out: `rmdir: refusing to remove '${arg}'`, status: 1, illegal: `removal of ${show(ctx, p)}` };
    else {
      const err = ctx.fs.remove(p);
      if (err) out.push(fsMessage(ctx.flavour.id, 'rmdir', arg, err, 'remove'));
    }
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const find: PosixCommand = (ctx, args) => {
  const starts: string[] = [];
  let i = 0;
  while (i < args.length && !args[i].startsWith('-') && args[i] !== '!' && args[i] !== '(') starts.push(args[i++]);
  if (starts.length === 0) {
    if (isMac(ctx)) {
      const opt = args[0]?.[1] ?? '';
      return fail(
        `find: illegal option -- ${opt}\nusage: find [-H | -L | -P] [-EXdsx] [-f path] path ... [expression]\n       find [-H | -L | -P] [-EXdsx] -f path [path ...] [expression]`,
      );
    }
    starts.push('.');
  }
  let name: string | null = null;
  let iname = false;
  let type: 'f' | 'd' | null = null;
  let maxDepth = Infinity;
  for (; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    if ((a === '-name' || a === '-iname') && v !== undefined) {
      name = v;
      iname = a === '-iname';
      i++;
    } else if (a === '-type' && (v === 'f' || v === 'd')) {
      type = v;
      i++;
    } else if (a === '-maxdepth' && v !== undefined && /^\d{1,3}$/.test(v)) {
      maxDepth = Number(v);
      i++;
    } else if (a === '-print') {
      continue;
    } else {
      return fail(isMac(ctx) ? `find: ${a}: unknown primary or operator` : `find: unknown predicate '${a}'`);
    }
  }
  const out: string[] = [];
  let status = 0;
  for (const start of starts) {
    const p = resolve(ctx, start);
    const root = p ? ctx.fs.get(p) : undefined;
    if (!p || !root) {
      out.push(
        isMac(ctx) ? `find: ${start}: No such file or directory` : `find: '${start}': No such file or directory`,
      );
      status = 1;
      continue;
    }
    const visit = (path: string[], shown: string, node: FsNode, depth: number) => {
      const label = depth === 0 ? start : shown;
      const nm = depth === 0 ? basename(path) || start : basename(path);
      const nameOk = name === null || matchName(name, nm, iname);
      if (nameOk && (type === null || (type === 'f') === (node.kind === 'file'))) out.push(label);
      if (node.kind !== 'dir' || depth >= maxDepth) return;
      if (!canRead(node)) {
        out.push(isMac(ctx) ? `find: ${label}: Permission denied` : `find: '${label}': Permission denied`);
        status = 1;
        return;
      }
      const sep = label.endsWith('/') ? '' : '/';
      for (const k of [...node.children.keys()].sort())
        visit([...path, k], `${label}${sep}${k}`, node.children.get(k) as FsNode, depth + 1);
    };
    visit(p, start, root, 0);
  }
  return { out: out.join('\n'), status };
};

/** Apply an octal or symbolic (u+x, go-w, a=r, +x) mode to `mode`; null when the mode is malformed. */
export function applyMode(spec: string, mode: number): number | null {
  if (/^[0-7]{3,4}$/.test(spec)) return parseInt(spec, 8) & 0o777;
  let m = mode;
  for (const clause of spec.split(',')) {
    const c = /^([ugoa]*)([-+=])([rwx]*)$/.exec(clause);
    if (!c) return null;
    const who = c[1] === '' || c[1].includes('a') ? 'ugo' : c[1];
    let bits = 0;
    for (const w of who) {
      const shift = w === 'u' ? 6 : w === 'g' ? 3 : 0;
      for (const p of c[3]) bits |= (p === 'r' ? 4 : p === 'w' ? 2 : 1) << shift;
    }
    if (c[2] === '+') m |= bits;
    else if (c[2] === '-') m &= ~bits;
    else {
      let clear = 0;
      for (const w of who) clear |= 7 << (w === 'u' ? 6 : w === 'g' ? 3 : 0);
      m = (m & ~clear) | bits;
    }
  }
  return m;
}

const chmod: PosixCommand = (ctx, args) => {
  const rest = args.filter((a) => a !== '-R' && a !== '-v');
  if (rest.length < 2)
    return fail(
      isMac(ctx)
        ? 'usage: chmod [-fhv] [-R [-H | -L | -P]] mode file ...'
        : `chmod: missing operand${rest.length === 1 ? ` after '${rest[0]}'` : ''}`,
    );
  const [spec, ...files] = rest;
  if (applyMode(spec, 0) === null)
    return fail(isMac(ctx) ? `chmod: Invalid file mode: ${spec}` : `chmod: invalid mode: '${spec}'`);
  const out: string[] = [];
  for (const arg of files) {
    const p = resolve(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!node) {
      out.push(
        isMac(ctx)
          ? `chmod: ${arg}: No such file or directory`
          : `chmod: cannot access '${arg}': No such file or directory`,
      );
      continue;
    }
    if (node.owner !== 'user') {
      out.push(
        isMac(ctx)
          ? `chmod: Unable to change file mode on ${arg}: Operation not permitted`
          : `chmod: changing permissions of '${arg}': Operation not permitted`,
      );
      continue;
    }
    node.mode = applyMode(spec, node.mode) ?? node.mode;
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const uname: PosixCommand = (ctx, args) => {
  const kernel = isMac(ctx) ? 'Darwin' : 'Linux';
  if (args.includes('-a')) {
    return ok(
      isMac(ctx)
        ? `Darwin ${ctx.hostname} 23.4.0 Darwin Kernel Version 23.4.0 arm64`
        : `Linux ${ctx.hostname} 6.1.0-18-amd64 #1 SMP x86_64 GNU/Linux`,
    );
  }
  return ok(kernel);
};

export const POSIX_CORE: Readonly<Record<string, PosixCommand>> = {
  pwd,
  cd,
  ls,
  mkdir,
  touch,
  echo,
  cat,
  cp,
  mv,
  rm,
  rmdir,
  find,
  chmod,
  uname,
  whoami: () => ok(USER),
  hostname: (ctx) => ok(ctx.hostname),
  clear: () => ok(),
  exit: () => ({ out: '', status: 0, exit: true }),
  sudo: (ctx) =>
    fail(
      isMac(ctx)
        ? 'Password:\nsudo: a password is required'
        : `[sudo] password for ${USER}: \nsudo: a password is required`,
    ),
};
