/**
 * The paper Terminal's commands, behaving as the reference's handlers do (trinity/common/workflows/connect_the_dots/
 * terminal/commands.py, shiweijiezero/Trinity-RFT @ 622ba7ee): ls cd pwd cat mkdir chmod cp mv rm touch echo whoami
 * ssh exit scp rsync tar zip unzip gzip gunzip, each returning its output text; archives are simulated (a JSON body
 * plus their type and entries in the metadata). Availability: chmod, touch, rsync, tar, gzip and gunzip are missing
 * from the local Windows shell; over ssh everything runs (the remote is Linux).
 */
import type { TerminalSim } from './env.ts';
import { FsError, type MachineState, type OsType } from './vfs.ts';

export interface Command {
  /** OSes of the local machine where it exists; undefined = all. */
  readonly os?: readonly OsType[];
  run(args: readonly string[], env: TerminalSim): string;
}

const POSIX_ONLY: readonly OsType[] = ['linux', 'mac'];

const machine = (env: TerminalSim): MachineState => env.current;
const resolve = (env: TerminalSim, path: string): string => env.current.resolvePath(path);
const dirname = (p: string) => p.split('/').slice(0, -1).join('/');
const basename = (p: string) => p.split('/').pop() ?? '';
const winLocal = (env: TerminalSim) => env.current.osType === 'windows' && !env.sshConnected;

/** _format_size: bytes, then one decimal in K / M. */
export function formatSize(size: number): string {
  if (size < 1024) return String(size);
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)}K`;
  return `${(size / (1024 * 1024)).toFixed(1)}M`;
}

/** _parse_scp_target: user@host:path, user@host: or user@host (the remote home); else a local path. */
function scpTarget(arg: string): { user: string | null; host: string | null; path: string } {
  if (arg.includes(':') && arg.split(':')[0].includes('@')) {
    const colon = arg.indexOf(':');
    const [user, ...host] = arg.slice(0, colon).split('@');
    return { user, host: host.join('@'), path: arg.slice(colon + 1) };
  }
  if (arg.includes('@') && !arg.includes('/') && !arg.includes('\\')) {
    const at = arg.indexOf('@');
    return { user: arg.slice(0, at), host: arg.slice(at + 1), path: '' };
  }
  return { user: null, host: null, path: arg };
}

/** Python's str.rjust for the listing columns. */
const right = (v: number | string, width: number) => String(v).padStart(width);

function longEntry(env: TerminalSim, path: string, name: string): string {
  const fs = machine(env).fs;
  const meta = fs.getMeta(path);
  const isDir = fs.isdir(path);
  const mode = /^\d+$/.test(meta.permissions) ? parseInt(meta.permissions, 8) : 0o644;
  let perm = isDir ? 'd' : '-';
  for (const shift of [6, 3, 0]) {
    const bits = (mode >> shift) & 7;
    perm += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  const size = isDir ? 4096 : meta.size;
  return `${perm}  1 ${meta.owner} ${meta.group} ${right(size, 8)} Jan 15 10:30 ${name}${isDir ? '/' : ''}`;
}

function dirListing(env: TerminalSim, mp: string, entries: readonly string[], truncated: boolean, total: number) {
  const fs = machine(env).fs;
  const parts = mp.split('/');
  const display =
    parts.length > 0 && /^[A-Za-z]$/.test(parts[0])
      ? `${parts[0].toUpperCase()}:\\` + parts.slice(1).join('\\')
      : '/' + mp;
  const lines = [' Volume in drive C has no label.', ` Directory of ${display}`, ''];
  let files = 0;
  let dirs = 0;
  let bytes = 0;
  for (const name of entries) {
    const child = mp ? `${mp}/${name}` : name;
    const meta = fs.getMeta(child);
    if (fs.isdir(child)) {
      dirs++;
      lines.push(`01/15/2024  10:30 AM    <DIR>          ${name}`);
    } else {
      files++;
      bytes += meta.size;
      lines.push(`01/15/2024  10:30 AM          ${right(meta.size, 8)} ${name}`);
    }
  }
  if (truncated) lines.push(`... (${total - 50} more entries)`);
  lines.push(`               ${files} File(s)    ${right(bytes, 10)} bytes`);
  lines.push(`               ${dirs} Dir(s)   500,000,000 bytes free`);
  return lines.join('\n');
}

const ls: Command = {
  run(args, env) {
    const m = machine(env);
    const fs = m.fs;
    let long = false;
    let all = false;
    const paths: string[] = [];
    for (const a of args) {
      if (a.startsWith('--')) {
        if (a === '--all') all = true;
        else if (a === '--long') long = true;
      } else if (a.startsWith('-')) {
        for (const ch of a.slice(1)) {
          if (ch === 'l') long = true;
          else if (ch === 'a') all = true;
        }
      } else paths.push(a);
    }
    if (paths.length === 0) paths.push(m.toDisplayPath(m.cwd));
    const out: string[] = [];
    for (const p of paths) {
      const mp = resolve(env, p);
      if (!fs.exists(mp)) {
        out.push(`ls: cannot access '${p}': No such file or directory`);
        continue;
      }
      if (fs.isfile(mp)) {
        out.push(long ? longEntry(env, mp, basename(mp)) : basename(mp));
        continue;
      }
      let entries = fs.listdir(mp);
      if (!all) entries = entries.filter((e) => !e.startsWith('.'));
      const total = entries.length;
      const truncated = total > 50;
      if (truncated) entries = entries.slice(0, 50);
      const child = (name: string) => (mp ? `${mp}/${name}` : name);
      if (long) {
        const lines = entries.map((name) => longEntry(env, child(name), name));
        if (truncated) lines.push(`... (${total - 50} more entries)`);
        out.push(lines.join('\n'));
      } else if (winLocal(env)) {
        out.push(dirListing(env, mp, entries, truncated, total));
      } else {
        let line = entries.map((name) => (fs.isdir(child(name)) ? `${name}/` : name)).join('  ');
        if (truncated) line += `\n... (${total - 50} more entries)`;
        out.push(line);
      }
    }
    return out.join('\n');
  },
};

function updatePwd(m: MachineState): void {
  m.envVars[m.osType === 'windows' ? 'CD' : 'PWD'] = m.toDisplayPath(m.cwd);
}

const cd: Command = {
  run(args, env) {
    const m = machine(env);
    const win = winLocal(env);
    if (args.length === 0) {
      if (win) return m.toDisplayPath(m.cwd);
      m.cwd = m.homeDir;
      updatePwd(m);
      return '';
    }
    const target = args[0];
    const mp = resolve(env, target);
    if (!m.fs.exists(mp))
      return win ? 'The system cannot find the path specified.' : `bash: cd: ${target}: No such file or directory`;
    if (!m.fs.isdir(mp)) return win ? 'The directory name is invalid.' : `bash: cd: ${target}: Not a directory`;
    m.cwd = mp;
    updatePwd(m);
    return win ? m.toDisplayPath(m.cwd) : '';
  },
};

const pwd: Command = { run: (_a, env) => machine(env).toDisplayPath(machine(env).cwd) };

const cat: Command = {
  run(args, env) {
    if (args.length === 0) return 'cat: missing operand';
    const fs = machine(env).fs;
    return args
      .map((f) => {
        const mp = resolve(env, f);
        if (!fs.exists(mp)) return `cat: ${f}: No such file or directory`;
        if (fs.isdir(mp)) return `cat: ${f}: Is a directory`;
        const meta = fs.getMeta(mp);
        if (meta.archiveType) {
          return `[Binary file - ${meta.archiveType} archive, ${Object.keys(meta.archiveEntries ?? {}).length} entries]`;
        }
        return fs.readtext(mp);
      })
      .join('\n');
  },
};

const mkdir: Command = {
  run(args, env) {
    const fs = machine(env).fs;
    let parents = false;
    const paths: string[] = [];
    for (const a of args) {
      if (a === '-p' || a === '--parents') parents = true;
      else paths.push(a);
    }
    if (paths.length === 0) return 'mkdir: missing operand';
    const out: string[] = [];
    for (const p of paths) {
      try {
        if (parents) fs.makedirs(resolve(env, p));
        else fs.mkdir(resolve(env, p));
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        const why =
          e.kind === 'EEXIST' ? 'File exists' : e.kind === 'ENOENT' ? 'No such file or directory' : 'Not a directory';
        out.push(`mkdir: cannot create directory '${p}': ${why}`);
      }
    }
    return out.join('\n');
  },
};

const chmod: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    if (args.length < 2) return 'chmod: missing operand';
    const fs = machine(env).fs;
    let recursive = false;
    let mode: string | null = null;
    const paths: string[] = [];
    for (const a of args) {
      if (a === '-R' || a === '--recursive') recursive = true;
      else if (mode === null && /^[0-7]{3}$/.test(a)) mode = a;
      else paths.push(a);
    }
    if (mode === null) return `chmod: invalid mode: '${args[0]}'`;
    if (paths.length === 0) return 'chmod: missing operand';
    const out: string[] = [];
    for (const p of paths) {
      const mp = resolve(env, p);
      if (!fs.exists(mp)) {
        out.push(`chmod: cannot access '${p}': No such file or directory`);
        continue;
      }
      if (recursive && fs.isdir(mp)) {
        for (const [dp, dirs, files] of fs.walk(mp)) {
          for (const name of [...dirs, ...files]) fs.getMeta(dp ? `${dp}/${name}` : name).permissions = mode;
        }
      } else fs.getMeta(mp).permissions = mode;
    }
    return out.join('\n');
  },
};

/** The reference formats a caught exception with str(e): the path, or the directory-not-empty message. */
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const cp: Command = {
  run(args, env) {
    let recursive = false;
    const paths: string[] = [];
    for (const a of args) {
      if (a === '-r' || a === '-R' || a === '--recursive') recursive = true;
      else paths.push(a);
    }
    if (paths.length < 2) return 'cp: missing destination operand';
    const fs = machine(env).fs;
    const src = resolve(env, paths[0]);
    let dst = resolve(env, paths[1]);
    if (!fs.exists(src)) return `cp: cannot stat '${paths[0]}': No such file or directory`;
    if (fs.isdir(src) && !recursive) return `cp: -r not specified; omitting directory '${paths[0]}'`;
    if (fs.isdir(dst)) dst = `${dst}/${basename(src)}`;
    try {
      if (fs.isdir(src)) fs.copyTree(src, dst);
      else {
        const parent = dirname(dst);
        if (parent && !fs.exists(parent))
          return `cp: cannot create regular file '${paths[1]}': No such file or directory`;
        fs.copyFile(src, dst);
      }
    } catch (e) {
      return `cp: ${errText(e)}`;
    }
    return '';
  },
};

const mv: Command = {
  run(args, env) {
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.length < 2) return 'mv: missing destination operand';
    const fs = machine(env).fs;
    const src = resolve(env, paths[0]);
    let dst = resolve(env, paths[1]);
    if (!fs.exists(src)) return `mv: cannot stat '${paths[0]}': No such file or directory`;
    if (fs.isdir(dst)) dst = `${dst}/${basename(src)}`;
    const parent = dirname(dst);
    if (parent && !fs.isdir(parent)) return `mv: cannot move '${paths[0]}' to '${paths[1]}': No such file or directory`;
    try {
      if (fs.isdir(src)) fs.copyTree(src, dst);
      else fs.copyFile(src, dst);
      fs.removeRecursive(src);
    } catch (e) {
      return `mv: ${errText(e)}`;
    }
    return '';
  },
};

const rm: Command = {
  run(args, env) {
    let recursive = false;
    let force = false;
    const paths: string[] = [];
    for (const a of args) {
      if (a.startsWith('-')) {
        const flags = a.replace(/^-+/, '');
        if (flags.includes('r') || flags.includes('R')) recursive = true;
        if (flags.includes('f')) force = true;
      } else paths.push(a);
    }
    if (paths.length === 0) return 'rm: missing operand';
    const fs = machine(env).fs;
    const out: string[] = [];
    for (const p of paths) {
      const mp = resolve(env, p);
      if (!fs.exists(mp)) {
        if (!force) out.push(`rm: cannot remove '${p}': No such file or directory`);
        continue;
      }
      if (fs.isdir(mp) && !recursive) {
        out.push(`rm: cannot remove '${p}': Is a directory`);
        continue;
      }
      try {
        if (recursive) fs.removeRecursive(mp);
        else fs.remove(mp);
      } catch (e) {
        out.push(`rm: ${errText(e)}`);
      }
    }
    return out.join('\n');
  },
};

const touch: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    if (args.length === 0) return 'touch: missing file operand';
    const fs = machine(env).fs;
    for (const f of args) {
      if (f.startsWith('-')) continue;
      const mp = resolve(env, f);
      if (!fs.exists(mp)) {
        const parent = dirname(mp);
        if (parent && !fs.isdir(parent)) return `touch: cannot touch '${f}': No such file or directory`;
        fs.writetext(mp, '');
      }
    }
    return '';
  },
};

const echo: Command = { run: (args) => args.join(' ') };
const whoami: Command = { run: (_a, env) => machine(env).username };

const ssh: Command = {
  run(args, env) {
    if (env.sshConnected) return "bash: already connected to remote host. Use 'exit' first.";
    let target: string | undefined;
    for (let i = 0; i < args.length; i++) {
      if ((args[i] === '-p' || args[i] === '-i') && i + 1 < args.length) {
        i++;
        continue;
      }
      if (!args[i].startsWith('-')) {
        target = args[i];
        break;
      }
    }
    if (target === undefined) return 'usage: ssh [user@]hostname';
    if (!target.includes('@')) return `ssh: Could not resolve hostname ${target}: Name or service not known`;
    const at = target.indexOf('@');
    const user = target.slice(0, at);
    const host = target.slice(at + 1);
    if (host !== env.remote.hostname && host !== (env.remote.envVars.IP ?? '')) {
      return `ssh: connect to host ${host} port 22: Connection refused`;
    }
    if (user !== env.remote.username) return 'Permission denied (publickey,password).';
    env.connect();
    return `Welcome to Ubuntu 22.04 LTS (${env.remote.hostname})\nLast login: Mon Jan 15 10:30:00 2024`;
  },
};

const exit: Command = {
  run(_args, env) {
    if (!env.sshConnected) return '';
    env.disconnect();
    return `Connection to ${env.remote.hostname} closed.`;
  },
};

function crossCopy(src: MachineState, srcPath: string, dst: MachineState, dstPath: string, recursive: boolean): void {
  if (src.fs.isfile(srcPath)) {
    dst.fs.writetext(dstPath, src.fs.readtext(srcPath), false);
    const from = src.fs.getMeta(srcPath);
    Object.assign(dst.fs.getMeta(dstPath), {
      permissions: from.permissions,
      owner: dst.username,
      group: dst.username,
      archiveType: from.archiveType,
      archiveEntries: from.archiveEntries ? { ...from.archiveEntries } : null,
    });
  } else if (recursive) {
    dst.fs.makedirs(dstPath);
    for (const name of src.fs.listdir(srcPath)) crossCopy(src, `${srcPath}/${name}`, dst, `${dstPath}/${name}`, true);
  }
}

const knownHost = (env: TerminalSim, host: string) =>
  host === env.remote.hostname || host === (env.remote.envVars.IP ?? '');

function scpRun(args: readonly string[], env: TerminalSim): string {
  if (env.sshConnected) return "bash: scp must be run from local machine. Use 'exit' to disconnect first.";
  let recursive = false;
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-r' || a === '-R') recursive = true;
    else if ((a === '-P' || a === '-i') && i + 1 < args.length) i++;
    else if (!a.startsWith('-')) positional.push(a);
  }
  if (positional.length < 2) return 'usage: scp [-r] source ... target';
  const s = scpTarget(positional[0]);
  const d = scpTarget(positional[1]);
  let from: MachineState;
  let to: MachineState;
  if (s.host && d.host) return 'scp: copying between two remote hosts is not supported';
  if (s.host) {
    [from, to] = [env.remote, env.local];
    if (!knownHost(env, s.host)) return `ssh: connect to host ${s.host} port 22: Connection refused`;
  } else if (d.host) {
    [from, to] = [env.local, env.remote];
    if (!knownHost(env, d.host)) return `ssh: connect to host ${d.host} port 22: Connection refused`;
  } else return 'scp: use cp for local-to-local copy';
  const srcPath = from.resolvePath(s.path);
  let dstPath = to.resolvePath(d.path);
  if (!from.fs.exists(srcPath)) return `scp: ${s.path}: No such file or directory`;
  if (from.fs.isdir(srcPath) && !recursive) return `scp: ${s.path}: not a regular file`;
  if (to.fs.isdir(dstPath)) dstPath = `${dstPath}/${basename(srcPath)}`;
  const parent = dirname(dstPath);
  if (parent && !to.fs.isdir(parent)) return `scp: ${d.path}: No such file or directory`;
  try {
    crossCopy(from, srcPath, to, dstPath, recursive);
  } catch (e) {
    return `scp: ${errText(e)}`;
  }
  return `${basename(srcPath)}                    100% ${formatSize(from.fs.getMeta(srcPath).size)}     transferred`;
}

const scp: Command = { run: scpRun };

const rsync: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    if (env.sshConnected) return "bash: rsync must be run from local machine. Use 'exit' to disconnect first.";
    const positional: string[] = [];
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-e' && i + 1 < args.length) i++;
      else if (!args[i].startsWith('-')) positional.push(args[i]);
    }
    if (positional.length < 2) return 'usage: rsync [options] source destination';
    const result = scpRun(['-r', positional[0], positional[1]], env);
    if (!result.includes('transferred')) return result;
    const name = positional[0].replace(/\/+$/, '').split('/').pop() ?? '';
    return (
      `sending incremental file list\n${name}\n` +
      '\nsent 1024 bytes  received 42 bytes  2132.00 bytes/sec\ntotal size is 1024  speedup is 0.96'
    );
  },
};

/** Entries of a directory tree as the reference's tar and zip record them: "<dir name>/<relative path>". */
function treeEntries(env: TerminalSim, dirPath: string, onEach?: (rel: string) => void): Record<string, string> {
  const fs = machine(env).fs;
  const entries: Record<string, string> = {};
  const base = dirPath.replace(/\/+$/, '').split('/').pop() ?? '';
  for (const [dp, , files] of fs.walk(dirPath)) {
    for (const f of files) {
      const child = dp ? `${dp}/${f}` : f;
      const rel = child.startsWith(dirPath) ? child.slice(dirPath.length).replace(/^\/+/, '') : child;
      const full = rel ? `${base}/${rel}` : base;
      entries[full] = fs.readtext(child);
      onEach?.(full);
    }
  }
  return entries;
}

/** Python's json.dumps with its default separators (the archive's body). */
export function pyJson(value: { type: string; entries: Record<string, string> }): string {
  const s = (x: string) =>
    JSON.stringify(x).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const body = Object.entries(value.entries)
    .map(([k, v]) => `${s(k)}: ${s(v)}`)
    .join(', ');
  return `{"type": ${s(value.type)}, "entries": {${body}}}`;
}

function writeArchive(env: TerminalSim, path: string, type: string, entries: Record<string, string>): void {
  const fs = machine(env).fs;
  fs.writetext(path, pyJson({ type, entries }));
  Object.assign(fs.getMeta(path), {
    archiveType: type,
    archiveEntries: entries,
    size: Object.values(entries).reduce((n, v) => n + v.length, 0),
  });
}

function extract(
  env: TerminalSim,
  entries: Record<string, string>,
  prefix: string | null,
  onEach?: (rel: string) => void,
) {
  const m = machine(env);
  for (const [rel, content] of Object.entries(entries)) {
    const out = resolve(env, prefix ? `${prefix}/${rel}` : rel);
    const parent = dirname(out);
    if (parent) m.fs.makedirs(parent);
    m.fs.writetext(out, content);
    Object.assign(m.fs.getMeta(out), { owner: m.username, group: m.username });
    onEach?.(rel);
  }
}

const tar: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    if (args.length === 0) return "tar: You must specify one of the '-Acdtrux' options";
    const fs = machine(env).fs;
    let mode: 'create' | 'extract' | 'list' | null = null;
    let gzip = false;
    let archive: string | null = null;
    const files: string[] = [];
    let expectArchive = false;
    for (const a of args) {
      if (expectArchive) {
        archive = a;
        expectArchive = false;
        continue;
      }
      if (a.startsWith('--')) {
        if (a === '--create') mode = 'create';
        else if (a === '--extract' || a === '--get') mode = 'extract';
        else if (a === '--list') mode = 'list';
        else if (a === '--gzip' || a === '--gunzip' || a === '--ungzip') gzip = true;
        else if (a.startsWith('--file=')) archive = a.slice('--file='.length);
        else if (a === '--file') expectArchive = true;
        continue;
      }
      // Short flags: -czf, or a bundle like czf as the first argument.
      if (a.startsWith('-') || (a === args[0] && a.length <= 6 && 'cxtzvf'.includes(a[0]))) {
        for (const ch of a.replace(/^-+/, '')) {
          if (ch === 'c') mode = 'create';
          else if (ch === 'x') mode = 'extract';
          else if (ch === 't') mode = 'list';
          else if (ch === 'z') gzip = true;
          else if (ch === 'f') expectArchive = true;
        }
        continue;
      }
      files.push(a);
    }
    if (archive === null) return 'tar: Refusing to read archive contents from terminal';
    const mp = resolve(env, archive);
    const type = gzip ? 'tar.gz' : 'tar';
    if (mode === 'create') {
      if (files.length === 0) return 'tar: Cowardly refusing to create an empty archive';
      const entries: Record<string, string> = {};
      for (const f of files) {
        const fmp = resolve(env, f);
        if (!fs.exists(fmp)) return `tar: ${f}: Cannot open: No such file or directory`;
        if (fs.isfile(fmp)) entries[basename(fmp)] = fs.readtext(fmp);
        else if (fs.isdir(fmp)) Object.assign(entries, treeEntries(env, fmp));
      }
      const parent = dirname(mp);
      if (parent && !fs.isdir(parent)) return `tar: ${archive}: Cannot open: No such file or directory`;
      writeArchive(env, mp, type, entries);
      return '';
    }
    if (mode === 'extract' || mode === 'list') {
      if (!fs.exists(mp)) return `tar: ${archive}: Cannot open: No such file or directory`;
      const meta = fs.getMeta(mp);
      if (!meta.archiveType || !meta.archiveType.includes('tar')) {
        return `tar: ${archive}: This does not look like a tar archive`;
      }
      const entries = meta.archiveEntries ?? {};
      if (mode === 'list') return Object.keys(entries).sort().join('\n');
      extract(env, entries, null);
      return '';
    }
    return "tar: You must specify one of the '-Acdtrux' options";
  },
};

const zip: Command = {
  run(args, env) {
    if (args.length < 2) return 'zip: missing archive name or files';
    const fs = machine(env).fs;
    let recursive = false;
    const positional: string[] = [];
    for (const a of args) {
      if (a === '-r' || a === '-R') recursive = true;
      else if (!a.startsWith('-')) positional.push(a);
    }
    if (positional.length < 2) return 'zip: missing archive name or files';
    const [name, ...files] = positional;
    const mp = resolve(env, name);
    const entries: Record<string, string> = {};
    const lines: string[] = [];
    for (const f of files) {
      const fmp = resolve(env, f);
      if (!fs.exists(fmp)) return `zip error: Nothing to do! (${f} not found)`;
      if (fs.isfile(fmp)) {
        entries[basename(fmp)] = fs.readtext(fmp);
        lines.push(`  adding: ${basename(fmp)} (stored 0%)`);
      } else if (fs.isdir(fmp)) {
        if (!recursive) {
          lines.push(`  adding: ${f}/ (stored 0%)`);
          continue;
        }
        Object.assign(
          entries,
          treeEntries(env, fmp, (rel) => lines.push(`  adding: ${rel} (stored 0%)`)),
        );
      }
    }
    const parent = dirname(mp);
    if (parent && !fs.isdir(parent)) fs.makedirs(parent);
    writeArchive(env, mp, 'zip', entries);
    return lines.join('\n');
  },
};

const unzip: Command = {
  run(args, env) {
    if (args.length === 0) return 'unzip: missing archive name';
    const fs = machine(env).fs;
    let name: string | null = null;
    let dest: string | null = null;
    for (let i = 0; i < args.length; i++) {
      if (args[i] === '-d' && i + 1 < args.length) {
        dest = args[++i];
        continue;
      }
      if (!args[i].startsWith('-')) name = args[i];
    }
    if (name === null) return 'unzip: missing archive name';
    const mp = resolve(env, name);
    if (!fs.exists(mp)) return `unzip: cannot find or open ${name}`;
    const meta = fs.getMeta(mp);
    if (meta.archiveType !== 'zip') return `unzip: ${name} is not a zip archive`;
    const lines = [`Archive:  ${name}`];
    extract(env, meta.archiveEntries ?? {}, dest, (rel) => lines.push(`  extracting: ${rel}`));
    return lines.join('\n');
  },
};

const gzip: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.length === 0) return 'gzip: missing file operand';
    const fs = machine(env).fs;
    for (const f of paths) {
      const mp = resolve(env, f);
      if (!fs.exists(mp)) return `gzip: ${f}: No such file or directory`;
      if (fs.isdir(mp)) return `gzip: ${f}: Is a directory`;
      const content = fs.readtext(mp);
      writeArchive(env, mp + '.gz', 'gzip', { [f]: content });
      fs.getMeta(mp + '.gz').size = content.length;
      fs.remove(mp);
    }
    return '';
  },
};

const gunzip: Command = {
  os: POSIX_ONLY,
  run(args, env) {
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.length === 0) return 'gunzip: missing file operand';
    const fs = machine(env).fs;
    for (const f of paths) {
      const mp = resolve(env, f);
      if (!fs.exists(mp)) return `gunzip: ${f}: No such file or directory`;
      const meta = fs.getMeta(mp);
      if (meta.archiveType !== 'gzip') return `gunzip: ${f}: not in gzip format`;
      for (const [orig, content] of Object.entries(meta.archiveEntries ?? {}))
        fs.writetext(resolve(env, orig), content);
      fs.remove(mp);
    }
    return '';
  },
};

/** build_command_registry. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  ls,
  cd,
  pwd,
  cat,
  mkdir,
  chmod,
  cp,
  mv,
  rm,
  touch,
  echo,
  whoami,
  ssh,
  exit,
  scp,
  rsync,
  tar,
  zip,
  unzip,
  gzip,
  gunzip,
};
