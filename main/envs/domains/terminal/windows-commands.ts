/**
 * cmd.exe built-ins and the usual external commands of a Windows machine, over the simulated file system.
 * cmd reads an unquoted '/' as the start of a switch (so `copy dir/a.txt x` fails as in real life), matches
 * names case-insensitively, and prompts before overwriting — a prompt nobody can answer here counts as "No".
 */
import { fail, isVital, ok, show, type CmdResult, type Ctx } from './context.ts';
import { USER } from './flavour.ts';
import { cloneNode, type DirNode, type FsNode, type FsPath } from './fs.ts';
import { dirDate } from './clock.ts';
import { hasWildcard, matchName } from './glob.ts';
import type { Word } from './shell-parse.ts';

export type WindowsCommand = (ctx: Ctx, words: readonly Word[]) => CmdResult;

interface CmdArgs {
  readonly switches: string[];
  readonly operands: string[];
}

/** Split cmd-style switches from operands: an unquoted '/' starts a switch, even in the middle of a word. */
export function cmdArgs(words: readonly Word[]): CmdArgs {
  const switches: string[] = [];
  const operands: string[] = [];
  for (const w of words) {
    if (w.quoted || !w.text.includes('/')) {
      operands.push(w.text);
      continue;
    }
    const [head, ...rest] = w.text.split('/');
    if (head !== '') operands.push(head);
    for (const r of rest) if (r !== '') switches.push(r.toUpperCase());
  }
  return { switches, operands };
}

const SYNTAX = 'The syntax of the command is incorrect.';
const NOT_FOUND = 'The system cannot find the file specified.';
const DATE = dirDate(0);

function badSwitch(switches: readonly string[], allowed: readonly string[]): string | null {
  for (const s of switches) {
    const base = s.replace(/^-/, '').replace(/:.*$/, '');
    if (!allowed.some((a) => a === base || (a.endsWith('*') && base.startsWith(a.slice(0, -1)))))
      return `Invalid switch - "${s}".`;
  }
  return null;
}

const parse = (ctx: Ctx, arg: string) => ctx.flavour.parsePath(arg, ctx.cwd);

/** Files matching an argument whose last component may hold wildcards: [dir, names]. */
function matches(ctx: Ctx, arg: string, filesOnly: boolean): { dir: FsPath; names: string[] } | null {
  const p = parse(ctx, arg);
  if (!p) return null;
  const last = p[p.length - 1] ?? '';
  if (!hasWildcard(last)) {
    const node = ctx.fs.get(p);
    if (!node) return { dir: p.slice(0, -1), names: [] };
    return { dir: p.slice(0, -1), names: [ctx.fs.canonical(p)[p.length - 1]] };
  }
  const dir = ctx.fs.get(p.slice(0, -1));
  if (!dir || dir.kind !== 'dir') return { dir: p.slice(0, -1), names: [] };
  const names = [...dir.children.keys()]
    .filter((n) => matchName(last, n, true) && (!filesOnly || dir.children.get(n)?.kind === 'file'))
    .sort();
  return { dir: p.slice(0, -1), names };
}

function userCopy(n: FsNode): FsNode {
  const c = cloneNode(n);
  const own = (x: FsNode) => {
    x.owner = 'user';
    x.mtime = 0;
    if (x.kind === 'dir') for (const ch of x.children.values()) own(ch);
  };
  own(c);
  return c;
}

const count = (n: number, what: string) => `${String(n).padStart(9)} ${what}`;

const cd: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  if (operands.length === 0) return ok(show(ctx, ctx.cwd));
  const arg = operands.join(' ');
  const p = parse(ctx, arg);
  const node = p ? ctx.fs.get(p) : undefined;
  if (!p || !node || node.kind !== 'dir')
    return fail(node ? 'The directory name is invalid.' : 'The system cannot find the path specified.');
  // Without /d, cd to another drive changes that drive's directory but not the current drive (a cmd quirk).
  if (p[0] !== ctx.cwd[0] && !switches.includes('D')) return ok();
  ctx.cwd = ctx.fs.canonical(p);
  return ok();
};

function dirLine(name: string, node: FsNode): string {
  const size =
    node.kind === 'dir'
      ? '<DIR>         '
      : String(node.kind === 'file' ? Buffer.byteLength(node.content) : 0).padStart(14);
  return `${dirDate(node.mtime)}    ${size} ${name}`;
}

const dir: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  if (operands.length > 1) {
    // Several filespecs: one listing each, as cmd does.
    const parts = operands.map((o) => dirOne(ctx, switches, o));
    return { out: parts.map((r) => r.out).join('\n'), status: parts.every((r) => r.status === 0) ? 0 : 1 };
  }
  return dirOne(ctx, switches, operands[0] ?? '.');
};

function dirOne(ctx: Ctx, switches: readonly string[], arg: string): CmdResult {
  const bad = badSwitch(switches, ['S', 'B', 'A*', 'O*', 'W', 'P', 'Q', '-C']);
  if (bad) return fail(bad);
  const recursive = switches.includes('S');
  const bare = switches.includes('B');
  const attr = switches.find((s) => s.startsWith('A'));
  const showHidden = attr !== undefined;
  const dirsOnly = attr === 'AD' || attr === 'A:D';
  const filesOnly = attr === 'A-D' || attr === 'A:-D';
  const p = parse(ctx, arg);
  if (!p) return fail('The filename, directory name, or volume label syntax is incorrect.');
  const node = ctx.fs.get(p);
  const base = node && node.kind === 'dir' ? p : p.slice(0, -1);
  const pattern = node && node.kind === 'dir' ? '*' : (p[p.length - 1] ?? '*');
  const baseNode = ctx.fs.get(base);
  if (!baseNode || baseNode.kind !== 'dir') return fail('The system cannot find the path specified.');
  const keep = (name: string, n: FsNode) =>
    matchName(pattern, name, true) &&
    (showHidden || !n.hidden) &&
    !(dirsOnly && n.kind !== 'dir') &&
    !(filesOnly && n.kind !== 'file');
  const groups: Array<{ dir: string[]; entries: Array<[string, FsNode]> }> = [];
  const visit = (d: string[], dn: DirNode) => {
    const entries = [...dn.children.entries()].filter(([n, c]) => keep(n, c)).sort(([a], [b]) => a.localeCompare(b));
    if (entries.length > 0 || !recursive) groups.push({ dir: d, entries });
    if (recursive)
      for (const [n, c] of [...dn.children.entries()].sort(([a], [b]) => a.localeCompare(b)))
        if (c.kind === 'dir') visit([...d, n], c);
  };
  visit(ctx.fs.canonical(base), baseNode);
  const total = groups.reduce((s, g) => s + g.entries.length, 0);
  if (total === 0) return fail(recursive || pattern !== '*' ? 'File Not Found' : '');
  if (bare) {
    const lines = groups.flatMap((g) => g.entries.map(([n]) => (recursive ? show(ctx, [...g.dir, n]) : n)));
    return ok(lines.join('\n'));
  }
  const drive = base[0]?.[0] ?? 'C';
  const lines = [` Volume in drive ${drive} has no label.`, ' Volume Serial Number is 5A1C-3F2E', ''];
  let files = 0;
  let dirs = 0;
  let bytes = 0;
  for (const g of groups) {
    lines.push(` Directory of ${show(ctx, g.dir)}`, '');
    if (!recursive && pattern === '*') lines.push(`${DATE}    <DIR>          .`, `${DATE}    <DIR>          ..`);
    for (const [n, c] of g.entries) {
      lines.push(dirLine(n, c));
      if (c.kind === 'dir') dirs++;
      else {
        files++;
        bytes += Buffer.byteLength(c.content);
      }
    }
    lines.push('');
  }
  lines.push(
    `${count(files, 'File(s)')} ${String(bytes).padStart(14)} bytes`,
    `${count(dirs, 'Dir(s)')}  52,341,123,072 bytes free`,
  );
  return ok(lines.join('\n'));
}

const mkdir: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  if (switches.length > 0) return fail(`Invalid switch - "${switches[0]}".`);
  if (operands.length === 0) return fail(SYNTAX);
  const out: string[] = [];
  for (const arg of operands) {
    const p = parse(ctx, arg);
    if (!p) {
      out.push('The filename, directory name, or volume label syntax is incorrect.');
      continue;
    }
    if (ctx.fs.get(p)) {
      out.push(`A subdirectory or file ${arg} already exists.`);
      continue;
    }
    const err = ctx.fs.mkdir(p, true);
    if (err) out.push(err === 'EACCES' ? 'Access is denied.' : 'The system cannot find the path specified.');
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const type: WindowsCommand = (ctx, words) => {
  const { operands } = cmdArgs(words);
  if (operands.length === 0) return fail(SYNTAX);
  const out: string[] = [];
  let status = 0;
  for (const arg of operands) {
    if (arg.toLowerCase() === 'nul') continue;
    const p = parse(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!node) {
      out.push(NOT_FOUND);
      status = 1;
    } else if (node.kind === 'dir') {
      out.push('Access is denied.');
      status = 1;
    } else out.push(node.archive ? 'PK♥♦ (binary data)' : node.content.replace(/\n$/, ''));
  }
  return { out: out.join('\n'), status };
};

const echo: WindowsCommand = (_ctx, words) => {
  if (words.length === 0) return ok('ECHO is on.');
  const text = words.map((w) => w.text).join(' ');
  if (text === '.' || text.startsWith('.')) return ok(text.slice(1) + '\n');
  return ok(text + '\n');
};

/** copy: files only; a directory source copies the files directly inside it (not the folder). */
const copy: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const bad = badSwitch(switches, ['Y', '-Y', 'B', 'A', 'V', 'Z', 'D', 'N', 'L']);
  if (bad) return fail(bad);
  if (operands.length === 0 || operands.length > 2) return fail(SYNTAX);
  const overwrite = switches.includes('Y');
  const srcArg = operands[0];
  const srcPath = parse(ctx, srcArg);
  const srcNode = srcPath ? ctx.fs.get(srcPath) : undefined;
  let dirPath: FsPath;
  let names: string[];
  let listed = false;
  if (srcPath && srcNode && srcNode.kind === 'dir') {
    dirPath = srcPath;
    names = [...srcNode.children.entries()]
      .filter(([, c]) => c.kind === 'file')
      .map(([n]) => n)
      .sort();
    listed = true;
  } else {
    const m = matches(ctx, srcArg, true);
    if (!m) return fail(SYNTAX);
    dirPath = m.dir;
    names = m.names;
    listed = hasWildcard(srcArg);
  }
  if (names.length === 0) return fail(`${NOT_FOUND}\n${count(0, 'file(s) copied.')}`);
  const destArg = operands[1] ?? '.';
  const dest = parse(ctx, destArg);
  if (!dest) return fail(SYNTAX);
  const destNode = ctx.fs.get(dest);
  const intoDir = destNode?.kind === 'dir';
  if (!intoDir && names.length > 1)
    return fail(`The syntax of the command is incorrect (several files onto one file '${destArg}').`);
  const out: string[] = [];
  let copied = 0;
  for (const n of names) {
    const from = [...dirPath, n];
    const to = intoDir ? [...dest, n] : dest;
    const existing = ctx.fs.get(to);
    if (listed) out.push(show(ctx, from));
    if (existing && !overwrite) {
      out.push(`Overwrite ${show(ctx, to)}? (Yes/No/All): `);
      continue;
    }
    const node = ctx.fs.get(from) as FsNode;
    const err = ctx.fs.put(to, userCopy(node));
    if (err) {
      out.push(err === 'EACCES' ? 'Access is denied.' : 'The system cannot find the path specified.');
      continue;
    }
    copied++;
  }
  out.push(count(copied, 'file(s) copied.'));
  return { out: out.join('\n'), status: copied === names.length ? 0 : 1 };
};

/** xcopy copies the contents of a folder; /E for subfolders, /I to say a missing target is a folder. */
const xcopy: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const bad = badSwitch(switches, ['E', 'S', 'I', 'Y', '-Y', 'Q', 'F', 'H', 'R', 'K', 'C', 'V']);
  if (bad) return fail(bad);
  if (operands.length === 0) return fail('Invalid number of parameters');
  const src = parse(ctx, operands[0]);
  const node = src ? ctx.fs.get(src) : undefined;
  if (!src || !node) return fail(`File not found - ${operands[0]}\n0 File(s) copied`);
  const dest = parse(ctx, operands[1] ?? '.');
  if (!dest) return fail('Invalid path\n0 File(s) copied');
  const destNode = ctx.fs.get(dest);
  const deep = switches.includes('E') || switches.includes('S');
  const overwrite = switches.includes('Y');
  if (!destNode && node.kind === 'dir' && !switches.includes('I')) {
    return fail(
      `Does ${show(ctx, dest)} specify a file name\nor directory name on the target\n(F = file, D = directory)? \n0 File(s) copied`,
    );
  }
  const out: string[] = [];
  let copied = 0;
  const copyFile = (from: FsPath, to: FsPath) => {
    if (ctx.fs.get(to) && !overwrite) {
      out.push(`Overwrite ${show(ctx, to)} (Yes/No/All)? `);
      return;
    }
    for (let i = 1; i < to.length; i++) if (!ctx.fs.get(to.slice(0, i))) ctx.fs.mkdir(to.slice(0, i), false);
    if (!ctx.fs.put(to, userCopy(ctx.fs.get(from) as FsNode))) {
      copied++;
      if (!switches.includes('Q')) out.push(show(ctx, from));
    } else out.push('Access denied');
  };
  if (node.kind === 'file') {
    copyFile(src, destNode?.kind === 'dir' ? [...dest, src[src.length - 1]] : dest);
  } else {
    if (!destNode && ctx.fs.mkdir(dest, true)) return fail('Access denied\n0 File(s) copied');
    const walk = (from: FsPath, to: FsPath, d: DirNode) => {
      for (const [n, c] of [...d.children.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        if (c.kind === 'file') copyFile([...from, n], [...to, n]);
        else if (deep) {
          if (!ctx.fs.get([...to, n])) ctx.fs.mkdir([...to, n], false);
          walk([...from, n], [...to, n], c);
        }
      }
    };
    walk(src, dest, node);
  }
  out.push(`${copied} File(s) copied`);
  return ok(out.join('\n'));
};

const move: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const bad = badSwitch(switches, ['Y', '-Y']);
  if (bad) return fail(bad);
  if (operands.length !== 2) return fail(SYNTAX);
  const m = matches(ctx, operands[0], false);
  if (!m || m.names.length === 0) return fail(NOT_FOUND);
  const dest = parse(ctx, operands[1]);
  if (!dest) return fail(SYNTAX);
  const destNode = ctx.fs.get(dest);
  const intoDir = destNode?.kind === 'dir';
  if (!intoDir && m.names.length > 1) return fail('Cannot move multiple files to a single file.');
  const out: string[] = [];
  let files = 0;
  let dirs = 0;
  for (const n of m.names) {
    const from = [...m.dir, n];
    const to = intoDir ? [...dest, n] : dest;
    const node = ctx.fs.get(from) as FsNode;
    if (ctx.fs.contains(from, to) && !ctx.fs.samePath(from, to)) {
      out.push('The process cannot access the file because it is being used by another process.');
      continue;
    }
    const existing = ctx.fs.samePath(from, to) ? undefined : ctx.fs.get(to);
    if (existing) {
      if (existing.kind === 'dir' || node.kind === 'dir') {
        out.push('Access is denied.');
        continue;
      }
      if (!switches.includes('Y')) {
        out.push(`Overwrite ${show(ctx, to)}? (Yes/No/All): `);
        continue;
      }
    }
    const problem = existing ? undefined : ctx.fs.parentProblem(to);
    if (problem) {
      out.push(problem === 'EACCES' ? 'Access is denied.' : 'The system cannot find the path specified.');
      continue;
    }
    if (ctx.fs.remove(from)) {
      out.push('Access is denied.');
      continue;
    }
    if (existing) ctx.fs.remove(to);
    if (ctx.fs.put(to, node)) {
      ctx.fs.put(from, node);
      out.push('Access is denied.');
      continue;
    }
    if (node.kind === 'dir') dirs++;
    else files++;
  }
  out.push(dirs > 0 ? count(dirs, 'dir(s) moved.') : count(files, 'file(s) moved.'));
  return { out: out.join('\n'), status: files + dirs === m.names.length ? 0 : 1 };
};

const ren: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  if (switches.length > 0 || operands.length !== 2) return fail(SYNTAX);
  const [srcArg, newName] = operands;
  // The new name is a name, never a path: a classic trap.
  if (/[\\/:]/.test(newName)) return fail(SYNTAX);
  const src = parse(ctx, srcArg);
  const node = src ? ctx.fs.get(src) : undefined;
  if (!src || !node) return fail(NOT_FOUND);
  const target = [...src.slice(0, -1), newName];
  if (ctx.fs.get(target) && !ctx.fs.samePath(src, target))
    return fail('A duplicate file name exists, or the file\ncannot be found.');
  if (ctx.fs.remove(src)) return fail('Access is denied.');
  if (ctx.fs.put(target, node)) {
    ctx.fs.put(src, node);
    return fail('Access is denied.');
  }
  return ok();
};

const del: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const bad = badSwitch(switches, ['P', 'F', 'S', 'Q', 'A*']);
  if (bad) return fail(bad);
  if (operands.length === 0) return fail(SYNTAX);
  const force = switches.includes('F');
  const quiet = switches.includes('Q');
  const out: string[] = [];
  for (const arg of operands) {
    const p = parse(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    let dirPath: FsPath;
    let names: string[];
    if (p && node && node.kind === 'dir') {
      if (!quiet) {
        out.push(`${show(ctx, p)}\\*, Are you sure (Y/N)? `);
        continue;
      }
      dirPath = p;
      names = [...node.children.entries()].filter(([, c]) => c.kind === 'file').map(([n]) => n);
    } else {
      const m = matches(ctx, arg, true);
      if (!m || m.names.length === 0) {
        out.push(`Could Not Find ${p ? show(ctx, p) : arg}`);
        continue;
      }
      dirPath = m.dir;
      names = m.names;
    }
    for (const n of names) {
      const f = ctx.fs.get([...dirPath, n]);
      if (f && f.readonly) {
        if (!force) {
          out.push(`${show(ctx, [...dirPath, n])}\nAccess is denied.`);
          continue;
        }
        f.readonly = false;
      }
      if (ctx.fs.remove([...dirPath, n])) out.push(`${show(ctx, [...dirPath, n])}\nAccess is denied.`);
    }
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const rmdir: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const bad = badSwitch(switches, ['S', 'Q']);
  if (bad) return fail(bad);
  if (operands.length === 0) return fail(SYNTAX);
  const out: string[] = [];
  for (const arg of operands) {
    const p = parse(ctx, arg);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!p || !node) {
      out.push(NOT_FOUND);
      continue;
    }
    if (node.kind !== 'dir') {
      out.push('The directory name is invalid.');
      continue;
    }
    if (switches.includes('S') && isVital(ctx, p))
      return { out: 'Access is denied.', status: 1, illegal: `recursive removal of ${show(ctx, p)}` };
    if (node.children.size > 0 && !switches.includes('S')) {
      out.push('The directory is not empty.');
      continue;
    }
    if (switches.includes('S') && !switches.includes('Q')) {
      out.push(`${arg}, Are you sure (Y/N)? `);
      continue;
    }
    if (isVital(ctx, p)) return { out: 'Access is denied.', status: 1, illegal: `removal of ${show(ctx, p)}` };
    if (ctx.fs.remove(p)) out.push('Access is denied.');
  }
  return { out: out.join('\n'), status: out.length > 0 ? 1 : 0 };
};

const attrib: WindowsCommand = (ctx, words) => {
  const { switches, operands } = cmdArgs(words);
  const changes = operands.filter((o) => /^[+-][RHAS]$/i.test(o));
  const targets = operands.filter((o) => !/^[+-][RHAS]$/i.test(o));
  const bad = badSwitch(switches, ['S', 'D', 'L']);
  if (bad) return fail(`Parameter format not correct - "${switches[0]}".`);
  const out: string[] = [];
  for (const arg of targets.length > 0 ? targets : ['*']) {
    const m = matches(ctx, arg, false);
    if (!m || m.names.length === 0) {
      out.push(`File not found - ${arg}`);
      continue;
    }
    for (const n of m.names) {
      const node = ctx.fs.get([...m.dir, n]) as FsNode;
      if (changes.length === 0) {
        const flags = `A    ${node.readonly ? 'R' : ' '} ${node.hidden ? 'H' : ' '}`.padEnd(21);
        out.push(`${flags}${show(ctx, [...m.dir, n])}`);
        continue;
      }
      if (node.owner !== 'user') {
        out.push(`Access denied - ${show(ctx, [...m.dir, n])}`);
        continue;
      }
      for (const c of changes) {
        const on = c[0] === '+';
        const which = c[1].toUpperCase();
        if (which === 'R') node.readonly = on;
        else if (which === 'H') node.hidden = on;
      }
    }
  }
  return {
    out: out.join('\n'),
    status: out.some((l) => l.startsWith('File not found') || l.startsWith('Access')) ? 1 : 0,
  };
};

const where: WindowsCommand = (ctx, words) => {
  const args = words.map((w) => w.text);
  let root: FsPath | null = null;
  const patterns: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (/^\/r$/i.test(args[i])) {
      root = parse(ctx, args[++i] ?? '') ?? null;
      if (!root || ctx.fs.get(root)?.kind !== 'dir') return fail(`ERROR: Invalid directory specified.`, 2);
    } else if (/^\/[qft]$/i.test(args[i])) continue;
    else patterns.push(args[i]);
  }
  if (patterns.length === 0) return fail('ERROR: A search pattern must be specified.\nType "WHERE /?" for usage.', 2);
  const found: string[] = [];
  const search = (d: FsPath, deep: boolean) => {
    const node = ctx.fs.get(d);
    if (!node || node.kind !== 'dir') return;
    for (const [n, c] of [...node.children.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (c.kind === 'file' && patterns.some((p) => matchName(p, n, true) || matchName(p + '.*', n, true)))
        found.push(show(ctx, [...d, n]));
      if (c.kind === 'dir' && deep) search([...d, n], true);
    }
  };
  if (root) search(root, true);
  else {
    search(ctx.cwd, false);
    search(['C:', 'Windows', 'System32'], false);
  }
  if (found.length === 0) return fail('INFO: Could not find files for the given pattern(s).');
  return ok(found.join('\n'));
};

export const WINDOWS_CORE: Readonly<Record<string, WindowsCommand>> = {
  cd,
  chdir: cd,
  dir,
  mkdir,
  md: mkdir,
  type,
  echo,
  copy,
  xcopy,
  move,
  ren,
  rename: ren,
  del,
  erase: del,
  rmdir,
  rd: rmdir,
  attrib,
  where,
  cls: () => ok(),
  exit: () => ({ out: '', status: 0, exit: true }),
  whoami: (ctx) => ok(`${ctx.hostname.toLowerCase()}\\${USER}`),
  hostname: (ctx) => ok(ctx.hostname),
  ver: () => ok('\nMicrosoft Windows [Version 10.0.19045.4170]'),
};
