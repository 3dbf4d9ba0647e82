/**
 * Archivers: tar (GNU on Linux, bsdtar on macOS and Windows), zip / unzip, and PowerShell's Compress-Archive /
 * Expand-Archive. Which of them a machine has is part of the pack's hidden structure.
 */
import { archiveFile, formatOfName, packEntries, unpackEntries } from './archive.ts';
import { basename, fail, ok, resolve, show, type CmdResult, type Ctx } from './context.ts';
import type { Archive, FsPath } from './fs.ts';

const bsd = (ctx: Ctx) => ctx.flavour.id !== 'linux';

/** Member-name prefix for an operand as typed: its components, without a leading root or drive. */
function memberPrefix(ctx: Ctx, arg: string): string[] {
  const sep = ctx.flavour.id === 'windows' ? /[\\/]+/ : /\/+/;
  return arg
    .replace(/^[A-Za-z]:/, ctx.flavour.id === 'windows' ? '' : '$&')
    .split(sep)
    .filter((p) => p !== '' && p !== '.' && p !== '~' && p !== '..');
}

interface TarArgs {
  mode: 'c' | 'x' | 't' | null;
  gzip: boolean;
  auto: boolean;
  verbose: boolean;
  file: string | null;
  dir: string | null;
  operands: string[];
  error: string | null;
}

function parseTarArgs(args: readonly string[]): TarArgs {
  const r: TarArgs = {
    mode: null,
    gzip: false,
    auto: false,
    verbose: false,
    file: null,
    dir: null,
    operands: [],
    error: null,
  };
  const tokens = args.slice();
  if (tokens[0] && /^[a-zA-Z]+$/.test(tokens[0])) tokens[0] = '-' + tokens[0]; // old style: tar czf x.tgz d
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.startsWith('--')) {
      const [name, value] = t.split('=', 2);
      if (name === '--create') r.mode = 'c';
      else if (name === '--extract' || name === '--get') r.mode = 'x';
      else if (name === '--list') r.mode = 't';
      else if (name === '--gzip' || name === '--gunzip') r.gzip = true;
      else if (name === '--auto-compress') r.auto = true;
      else if (name === '--verbose') r.verbose = true;
      else if (name === '--file') r.file = value ?? tokens[++i] ?? null;
      else if (name === '--directory') r.dir = value ?? tokens[++i] ?? null;
      else r.error = `unrecognized option '${name}'`;
      continue;
    }
    if (!t.startsWith('-') || t === '-') {
      r.operands.push(t);
      continue;
    }
    const letters = t.slice(1);
    for (let k = 0; k < letters.length; k++) {
      const ch = letters[k];
      if (ch === 'c' || ch === 'x' || ch === 't') {
        if (r.mode && r.mode !== ch) r.error = "You may not specify more than one '-Acdtrux' option";
        r.mode = ch;
      } else if (ch === 'z' || ch === 'j' || ch === 'J') r.gzip = true;
      else if (ch === 'a') r.auto = true;
      else if (ch === 'v') r.verbose = true;
      else if (ch === 'p' || ch === 'k' || ch === 'P') continue;
      else if (ch === 'f' || ch === 'C') {
        const rest = letters.slice(k + 1);
        const value = rest !== '' ? rest : (tokens[++i] ?? null);
        if (ch === 'f') r.file = value;
        else r.dir = value;
        break;
      } else r.error = `invalid option -- '${ch}'`;
    }
  }
  return r;
}

export function tar(ctx: Ctx, args: string[]): CmdResult {
  const a = parseTarArgs(args);
  if (a.error)
    return fail(
      bsd(ctx) ? `tar: ${a.error}` : `tar: ${a.error}\nTry 'tar --help' or 'tar --usage' for more information.`,
      2,
    );
  if (!a.mode) {
    return fail(
      bsd(ctx)
        ? 'tar: Must specify one of -c, -r, -t, -u, -x'
        : "tar: You must specify one of the '-Acdtrux', '--delete' or '--test-label' options",
      2,
    );
  }
  if (!a.file)
    return fail(
      bsd(ctx)
        ? 'tar: no archive file given (use -f)'
        : 'tar: Refusing to read archive contents from terminal (missing -f option?)',
      2,
    );
  const archivePath = resolve(ctx, a.file);
  if (!archivePath) return fail(`tar: ${a.file}: Cannot open: No such file or directory`, 2);
  if (a.mode === 'c') return tarCreate(ctx, a, archivePath);
  const node = ctx.fs.get(archivePath);
  if (!node || node.kind !== 'file') {
    return fail(
      bsd(ctx)
        ? `tar: Error opening archive: Failed to open '${a.file}'`
        : `tar: ${a.file}: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now`,
      2,
    );
  }
  const arch = node.archive;
  if (!arch || (arch.format === 'zip' && !bsd(ctx))) {
    return fail(
      bsd(ctx)
        ? 'tar: Error opening archive: Unrecognized archive format'
        : 'tar: This does not look like a tar archive\ntar: Exiting with failure status due to previous errors',
      2,
    );
  }
  if (a.gzip && arch.format === 'tar' && !bsd(ctx)) {
    return fail(
      'gzip: stdin: not in gzip format\ntar: Child returned status 1\ntar: Error is not recoverable: exiting now',
      2,
    );
  }
  if (a.mode === 't') return ok(arch.entries.map((e) => e.path.join('/') + (e.kind === 'dir' ? '/' : '')).join('\n'));
  const destArg = a.dir ?? '.';
  const dest = resolve(ctx, destArg);
  const destNode = dest ? ctx.fs.get(dest) : undefined;
  if (!dest || !destNode || destNode.kind !== 'dir') {
    return fail(
      bsd(ctx)
        ? `tar: could not chdir to '${destArg}'`
        : `tar: ${destArg}: Cannot open: No such file or directory\ntar: Error is not recoverable: exiting now`,
      2,
    );
  }
  const { written, failed } = unpackEntries(ctx.fs, dest, arch.entries);
  const lines = a.verbose ? written.map((w) => (bsd(ctx) ? `x ${w}` : w)) : [];
  if (failed)
    lines.push(
      bsd(ctx) ? `tar: ${failed}: Can't create '${failed}'` : `tar: ${failed}: Cannot open: Permission denied`,
    );
  return { out: lines.join('\n'), status: failed ? 2 : 0 };
}

function tarCreate(ctx: Ctx, a: TarArgs, archivePath: FsPath): CmdResult {
  if (a.operands.length === 0)
    return fail(
      bsd(ctx) ? 'tar: no files or directories specified' : 'tar: Cowardly refusing to create an empty archive',
      2,
    );
  const base = a.dir ? resolve(ctx, a.dir) : ctx.cwd;
  if (!base || ctx.fs.get(base)?.kind !== 'dir')
    return fail(`tar: ${a.dir}: Cannot open: No such file or directory`, 2);
  const byName = formatOfName(basename(archivePath));
  let format: Archive['format'] = a.gzip ? 'tar.gz' : 'tar';
  // GNU tar -a knows compressors, not zip; bsdtar -a makes a zip for a .zip name.
  if (a.auto && byName && (byName !== 'zip' || bsd(ctx))) format = byName;
  const lines: string[] = [];
  const entries = [];
  for (const op of a.operands) {
    const src = ctx.flavour.parsePath(op, base);
    if (!src || !ctx.fs.get(src)) {
      lines.push(
        bsd(ctx)
          ? `tar: ${op}: Cannot stat: No such file or directory`
          : `tar: ${op}: Cannot stat: No such file or directory`,
      );
      continue;
    }
    if (!bsd(ctx) && op.startsWith('/') && !lines.some((l) => l.includes('Removing leading'))) {
      lines.push("tar: Removing leading `/' from member names");
    }
    const got = packEntries(ctx.fs, src, memberPrefix(ctx, op));
    entries.push(...got);
    if (a.verbose)
      lines.push(
        ...got.map((e) => (bsd(ctx) ? `a ${e.path.join('/')}` : e.path.join('/') + (e.kind === 'dir' ? '/' : ''))),
      );
  }
  const err = ctx.fs.put(archivePath, archiveFile(format, entries));
  if (err)
    return fail(
      `tar: ${show(ctx, archivePath)}: Cannot open: ${err === 'EACCES' ? 'Permission denied' : 'No such file or directory'}`,
      2,
    );
  const failedStat = lines.some((l) => l.includes('Cannot stat'));
  return { out: lines.join('\n'), status: failedStat ? 2 : 0 };
}

export function zip(ctx: Ctx, args: string[]): CmdResult {
  const flags = new Set<string>();
  const operands: string[] = [];
  for (const a of args) {
    if (a.startsWith('-') && a.length > 1) for (const ch of a.slice(1)) flags.add(ch);
    else operands.push(a);
  }
  if (operands.length < 2) return fail('zip error: Nothing to do! (try: zip -r archive.zip folder)', 12);
  let name = operands[0];
  if (!/\.[A-Za-z0-9]+$/.test(basename(name.split('/')))) name += '.zip';
  const zipPath = resolve(ctx, name);
  if (!zipPath)
    return fail(`zip I/O error: No such file or directory\nzip error: Could not create output file (${name})`, 15);
  const existing = ctx.fs.get(zipPath);
  const entries =
    existing && existing.kind === 'file' && existing.archive?.format === 'zip' ? existing.archive.entries.slice() : [];
  const lines: string[] = [];
  let added = 0;
  for (const op of operands.slice(1)) {
    const src = resolve(ctx, op);
    const node = src ? ctx.fs.get(src) : undefined;
    if (!src || !node) {
      lines.push(`\tzip warning: name not matched: ${op}`);
      continue;
    }
    const prefix = flags.has('j') ? [basename(ctx.fs.canonical(src))] : memberPrefix(ctx, op);
    // Without -r, zip stores a directory as an empty entry: a classic pitfall.
    const got =
      node.kind === 'dir' && !flags.has('r')
        ? [{ path: prefix, kind: 'dir' as const, content: '', mode: node.mode }]
        : packEntries(ctx.fs, src, prefix);
    for (const e of got) {
      const key = e.path.join('/');
      const i = entries.findIndex((x) => x.path.join('/') === key);
      if (i >= 0) entries.splice(i, 1);
      entries.push(e);
      added++;
      if (!flags.has('q')) lines.push(`  adding: ${key}${e.kind === 'dir' ? '/ (stored 0%)' : ' (deflated 42%)'}`);
    }
  }
  if (added === 0) return fail([...lines, 'zip error: Nothing to do!'].join('\n'), 12);
  const err = ctx.fs.put(zipPath, archiveFile('zip', entries));
  if (err)
    return fail(
      `zip I/O error: ${err === 'EACCES' ? 'Permission denied' : 'No such file or directory'}\nzip error: Could not create output file (${name})`,
      15,
    );
  return ok(lines.join('\n'));
}

export function unzip(ctx: Ctx, args: string[]): CmdResult {
  let dest: string | null = null;
  let overwrite = false;
  let list = false;
  let quiet = false;
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-d') dest = args[++i] ?? null;
    else if (a.startsWith('-') && a.length > 1) {
      overwrite ||= a.includes('o');
      list ||= a.includes('l');
      quiet ||= a.includes('q');
    } else operands.push(a);
  }
  if (operands.length === 0) return fail('UnZip 6.00 of 20 April 2009. Usage: unzip [-opts] file[.zip] [-d exdir]', 10);
  const name = operands[0];
  const path = resolve(ctx, name) ?? [];
  const node = ctx.fs.get(path) ?? ctx.fs.get(resolve(ctx, name + '.zip') ?? []);
  if (!node || node.kind !== 'file') return fail(`unzip:  cannot find or open ${name}, ${name}.zip or ${name}.ZIP.`, 9);
  if (!node.archive || node.archive.format !== 'zip') {
    return fail(
      `Archive:  ${name}\n  End-of-central-directory signature not found.  Either this file is not\n  a zipfile, or it constitutes one disk of a multi-part archive.`,
      9,
    );
  }
  if (list) return ok(node.archive.entries.map((e) => e.path.join('/') + (e.kind === 'dir' ? '/' : '')).join('\n'));
  const target = dest === null ? ctx.cwd : resolve(ctx, dest);
  if (!target) return fail(`checkdir:  cannot create extraction directory: ${dest}`, 50);
  if (!ctx.fs.get(target) && ctx.fs.mkdir(target, true))
    return fail(`checkdir:  cannot create extraction directory: ${dest}`, 50);
  const fresh = overwrite
    ? node.archive.entries
    : node.archive.entries.filter((e) => e.kind === 'dir' || !ctx.fs.get([...target, ...e.path]));
  const skipped = node.archive.entries.length - fresh.length;
  const { written, failed } = unpackEntries(ctx.fs, target, fresh);
  const shown = (w: string) => (dest === null ? w : `${dest.replace(/\/$/, '')}/${w}`);
  const lines = quiet
    ? []
    : [
        `Archive:  ${name}`,
        ...written.map((w) => (w.endsWith('/') ? `   creating: ${shown(w)}` : `  inflating: ${shown(w)}`)),
      ];
  if (skipped > 0)
    lines.push(
      `replace? [y]es, [n]o, [A]ll, [N]one, [r]ename: NULL\n(EOF or read error, treating as "[N]one" ...) — ${skipped} existing file(s) kept; use -o to overwrite`,
    );
  if (failed) lines.push(`error:  cannot create ${failed}`);
  return { out: lines.join('\n'), status: failed ? 50 : 0 };
}

/** PowerShell's tokenizer, enough for cmdlet calls: whitespace separated, '…' and "…" quoted. */
function psTokens(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i])) {
      i++;
      continue;
    }
    const q = text[i];
    if (q === "'" || q === '"') {
      const close = text.indexOf(q, i + 1);
      const end = close < 0 ? text.length : close;
      out.push(text.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j])) j++;
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

function psError(cmdlet: string, message: string, id: string): CmdResult {
  return fail(
    `${cmdlet} : ${message}\n    + CategoryInfo          : InvalidArgument\n    + FullyQualifiedErrorId : ${id},${cmdlet}`,
  );
}

/** `powershell [-NoProfile] [-Command] <cmdlet …>`: only the archive cmdlets are simulated. */
export function powershell(ctx: Ctx, args: string[]): CmdResult {
  const rest = args.filter((a) => !/^-(noprofile|nologo|noninteractive)$/i.test(a));
  const body = /^-(command|c)$/i.test(rest[0] ?? '') ? rest.slice(1) : rest;
  const tokens = psTokens(body.join(' '));
  if (tokens.length === 0)
    return fail('This simulator runs one PowerShell command per call: powershell -Command <cmdlet ...>');
  const cmdlet = tokens[0];
  const known = /^(compress-archive|expand-archive)$/i.test(cmdlet);
  if (!known || ctx.archiveTool !== 'powershell') {
    return fail(
      `${cmdlet} : The term '${cmdlet}' is not recognized as the name of a cmdlet, function, script file, or operable program.\n` +
        'Check the spelling of the name, or if a path was included, verify that the path is correct and try again.',
    );
  }
  const params: Record<string, string> = {};
  const positional: string[] = [];
  let force = false;
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i];
    if (/^-force$/i.test(t)) force = true;
    else if (/^-(path|literalpath)$/i.test(t)) params.path = tokens[++i] ?? '';
    else if (/^-destinationpath$/i.test(t)) params.dest = tokens[++i] ?? '';
    else if (t.startsWith('-'))
      return psError(
        cmdlet,
        `A parameter cannot be found that matches parameter name '${t.slice(1)}'.`,
        'NamedParameterNotFound',
      );
    else positional.push(t);
  }
  const src = params.path ?? positional[0];
  const dst = params.dest ?? positional[1];
  if (/^compress/i.test(cmdlet)) return compressArchive(ctx, src, dst, force);
  return expandArchive(ctx, src, dst, force);
}

function compressArchive(ctx: Ctx, src: string | undefined, dst: string | undefined, force: boolean): CmdResult {
  const name = 'Compress-Archive';
  if (!src || !dst)
    return psError(
      name,
      'Cannot process command because of one or more missing mandatory parameters: Path DestinationPath.',
      'MissingMandatoryParameter',
    );
  let destArg = dst;
  if (!/\.zip$/i.test(destArg)) destArg += '.zip';
  const destPath = resolve(ctx, destArg);
  if (!destPath) return psError(name, `The path '${dst}' is not valid.`, 'ArchiveCmdletPathNotFound');
  if (ctx.fs.get(destPath) && !force) {
    return psError(
      name,
      `The archive file ${show(ctx, destPath)} already exists. Use the -Update parameter to update the existing archive file or use the -Force parameter to overwrite the existing archive file.`,
      'ArchiveFileExists',
    );
  }
  const entries = [];
  for (const one of src.split(',').map((s) => s.trim())) {
    const contents = /[\\/]\*$/.test(one);
    const p = resolve(ctx, contents ? one.slice(0, -2) : one);
    const node = p ? ctx.fs.get(p) : undefined;
    if (!p || !node)
      return psError(
        name,
        `The path '${one}' either does not exist or is not a valid file system path.`,
        'ArchiveCmdletPathNotFound',
      );
    if (contents && node.kind === 'dir') {
      for (const k of [...node.children.keys()].sort()) entries.push(...packEntries(ctx.fs, [...p, k], [k]));
    } else entries.push(...packEntries(ctx.fs, p, [basename(ctx.fs.canonical(p))]));
  }
  const err = ctx.fs.put(destPath, archiveFile('zip', entries));
  if (err) return psError(name, `Access to the path '${show(ctx, destPath)}' is denied.`, 'UnauthorizedAccess');
  return ok();
}

function expandArchive(ctx: Ctx, src: string | undefined, dst: string | undefined, force: boolean): CmdResult {
  const name = 'Expand-Archive';
  if (!src)
    return psError(
      name,
      'Cannot process command because of one or more missing mandatory parameters: Path.',
      'MissingMandatoryParameter',
    );
  const p = resolve(ctx, src);
  const node = p ? ctx.fs.get(p) : undefined;
  if (!p || !node || node.kind !== 'file')
    return psError(
      name,
      `The path '${src}' either does not exist or is not a valid file system path.`,
      'ArchiveCmdletPathNotFound',
    );
  if (!/\.zip$/i.test(basename(p)) || !node.archive || node.archive.format !== 'zip') {
    return psError(
      name,
      `.${basename(p).split('.').pop()} is not a supported archive file format. .zip is the only supported archive file format.`,
      'NotSupportedArchiveFileExtension',
    );
  }
  const dest = dst ? resolve(ctx, dst) : ctx.cwd;
  if (!dest) return psError(name, `The path '${dst}' is not valid.`, 'ArchiveCmdletPathNotFound');
  if (!ctx.fs.get(dest) && ctx.fs.mkdir(dest, true))
    return psError(name, `Access to the path '${dst}' is denied.`, 'UnauthorizedAccess');
  if (!force) {
    const clash = node.archive.entries.find((e) => e.kind === 'file' && ctx.fs.get([...dest, ...e.path]));
    if (clash)
      return psError(
        name,
        `Failed to create file '${show(ctx, [...dest, ...clash.path])}' while expanding the archive file, because the file already exists. Use the -Force parameter.`,
        'ExpandArchiveFileExists',
      );
  }
  const { failed } = unpackEntries(ctx.fs, dest, node.archive.entries);
  if (failed) return psError(name, `Access to the path '${failed}' is denied.`, 'UnauthorizedAccess');
  return ok();
}
