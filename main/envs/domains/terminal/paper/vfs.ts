/**
 * The paper Terminal's machines (preset 'paper'): the reference's in-memory file system and machine state,
 * re-implemented from trinity/common/workflows/connect_the_dots/terminal/env.py (shiweijiezero/Trinity-RFT
 * @ 622ba7ee): VirtualFS (a tree of directories and text files, one metadata record per canonical path: permissions
 * as a three-digit string, owner, size, and for simulated archives their type and entries) and MachineState (the
 * OS's path syntax, home, working directory and prompt). Paths inside are canonical: '/'-separated, no leading '/',
 * a Windows path starts with its drive letter ('C/Users/user'). It is the workbench's own TypeScript, not a copy;
 * only its behaviour follows the reference (the workbench's own Terminal lives one folder up).
 */

export type OsType = 'windows' | 'mac' | 'linux';

export interface FileMeta {
  permissions: string;
  owner: string;
  group: string;
  size: number;
  /** 'tar' | 'tar.gz' | 'zip' | 'gzip' for a simulated archive. */
  archiveType: string | null;
  archiveEntries: Record<string, string> | null;
}

function newMeta(over: Partial<FileMeta> = {}): FileMeta {
  return {
    permissions: '644',
    owner: 'user',
    group: 'user',
    size: 0,
    archiveType: null,
    archiveEntries: null,
    ...over,
  };
}

/** A directory maps names to children; a file is its text. */
type Node = string | Dir;
interface Dir {
  readonly children: Map<string, Node>;
}

export class FsError extends Error {
  constructor(
    readonly kind: 'ENOENT' | 'ENOTDIR' | 'EEXIST' | 'EISDIR' | 'ENOTEMPTY' | 'EPERM',
    readonly path: string,
  ) {
    super(kind === 'ENOTEMPTY' ? `directory not empty: ${path}` : path);
  }
}

const isDir = (n: Node | undefined): n is Dir => typeof n === 'object';
const dir = (): Dir => ({ children: new Map() });

export class VirtualFS {
  private readonly tree: Dir = dir();
  private readonly meta = new Map<string, FileMeta>();

  static split(path: string): string[] {
    return path
      .replace(/\\/g, '/')
      .split('/')
      .filter((p) => p !== '');
  }

  /** The parent directory of the last part and that part's name; throws like the reference's _navigate. */
  private navigate(parts: readonly string[], createParents = false): [Dir, string] {
    let node = this.tree;
    for (let i = 0; i < parts.length - 1; i++) {
      const child = node.children.get(parts[i]);
      if (child === undefined) {
        if (!createParents) throw new FsError('ENOENT', parts.slice(0, i + 1).join('/'));
        const d = dir();
        node.children.set(parts[i], d);
        this.meta.set(parts.slice(0, i + 1).join('/'), newMeta({ permissions: '755', size: 4096 }));
        node = d;
      } else if (isDir(child)) node = child;
      else throw new FsError('ENOTDIR', parts.slice(0, i + 1).join('/'));
    }
    return [node, parts[parts.length - 1] ?? ''];
  }

  private lookup(path: string): Node | undefined {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) return this.tree;
    try {
      const [parent, key] = this.navigate(parts);
      return parent.children.get(key);
    } catch {
      return undefined;
    }
  }

  exists(path: string): boolean {
    return this.lookup(path) !== undefined;
  }

  isdir(path: string): boolean {
    return isDir(this.lookup(path));
  }

  isfile(path: string): boolean {
    return VirtualFS.split(path).length > 0 && typeof this.lookup(path) === 'string';
  }

  listdir(path: string): string[] {
    const node = this.lookup(path);
    if (node === undefined) throw new FsError('ENOENT', path);
    if (!isDir(node)) throw new FsError('ENOTDIR', path);
    return [...node.children.keys()].sort();
  }

  readtext(path: string): string {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) throw new FsError('EISDIR', path);
    const [parent, key] = this.navigate(parts);
    const val = parent.children.get(key);
    if (val === undefined) throw new FsError('ENOENT', path);
    if (isDir(val)) throw new FsError('EISDIR', path);
    return val;
  }

  writetext(path: string, content: string, createParents = false): void {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) throw new FsError('EISDIR', path);
    const [parent, key] = this.navigate(parts, createParents);
    parent.children.set(key, content);
    const canon = parts.join('/');
    const m = this.meta.get(canon) ?? newMeta();
    this.meta.set(canon, m);
    m.size = content.length;
  }

  makedirs(path: string): void {
    const parts = VirtualFS.split(path);
    let node = this.tree;
    parts.forEach((part, i) => {
      const child = node.children.get(part);
      if (child === undefined) {
        const d = dir();
        node.children.set(part, d);
        this.meta.set(parts.slice(0, i + 1).join('/'), newMeta({ permissions: '755', size: 4096 }));
        node = d;
      } else if (isDir(child)) node = child;
      else throw new FsError('ENOTDIR', parts.slice(0, i + 1).join('/'));
    });
  }

  mkdir(path: string): void {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) return;
    const [parent, key] = this.navigate(parts);
    if (parent.children.has(key)) throw new FsError('EEXIST', path);
    parent.children.set(key, dir());
    this.meta.set(parts.join('/'), newMeta({ permissions: '755', size: 4096 }));
  }

  remove(path: string): void {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) throw new FsError('EPERM', 'cannot remove root');
    const [parent, key] = this.navigate(parts);
    const val = parent.children.get(key);
    if (val === undefined) throw new FsError('ENOENT', path);
    if (isDir(val) && val.children.size > 0) throw new FsError('ENOTEMPTY', path);
    parent.children.delete(key);
    this.meta.delete(parts.join('/'));
  }

  removeRecursive(path: string): void {
    const parts = VirtualFS.split(path);
    if (parts.length === 0) {
      this.tree.children.clear();
      this.meta.clear();
      return;
    }
    const [parent, key] = this.navigate(parts);
    if (!parent.children.has(key)) throw new FsError('ENOENT', path);
    const canon = parts.join('/');
    for (const k of [...this.meta.keys()]) if (k === canon || k.startsWith(canon + '/')) this.meta.delete(k);
    parent.children.delete(key);
  }

  /** The metadata of a path, created on first read as the reference's get_meta does. */
  getMeta(path: string): FileMeta {
    const canon = VirtualFS.split(path).join('/');
    let m = this.meta.get(canon);
    if (!m) {
      m = newMeta();
      if (this.isdir(path)) Object.assign(m, { permissions: '755', size: 4096 });
      else if (this.isfile(path)) m.size = this.readtext(path).length;
      this.meta.set(canon, m);
    }
    return m;
  }

  /** (directory, its subdirectories, its files) for the tree under `path`, sorted, depth first. */
  walk(path = ''): Array<[string, string[], string[]]> {
    const start = this.lookup(path);
    if (!isDir(start)) return [];
    const out: Array<[string, string[], string[]]> = [];
    const visit = (node: Dir, prefix: string) => {
      const names = [...node.children.keys()].sort();
      const dirs = names.filter((n) => isDir(node.children.get(n)));
      const files = names.filter((n) => !isDir(node.children.get(n)));
      out.push([prefix, dirs, files]);
      for (const d of dirs) visit(node.children.get(d) as Dir, prefix ? `${prefix}/${d}` : d);
    };
    visit(start, path);
    return out;
  }

  copyFile(src: string, dst: string): void {
    const content = this.readtext(src);
    const from = this.getMeta(src);
    this.writetext(dst, content, false);
    const to = this.getMeta(dst);
    Object.assign(to, {
      permissions: from.permissions,
      owner: from.owner,
      group: from.group,
      archiveType: from.archiveType,
      archiveEntries: from.archiveEntries ? { ...from.archiveEntries } : null,
    });
  }

  copyTree(src: string, dst: string): void {
    if (this.isfile(src)) {
      this.copyFile(src, dst);
      return;
    }
    this.makedirs(dst);
    for (const name of this.listdir(src)) {
      const s = src ? `${src}/${name}` : name;
      const d = dst ? `${dst}/${name}` : name;
      if (this.isdir(s)) this.copyTree(s, d);
      else this.copyFile(s, d);
    }
  }
}

const OS_WINDOWS: OsType = 'windows';

export class MachineState {
  constructor(
    readonly osType: OsType,
    readonly hostname: string,
    readonly username: string,
    readonly homeDir: string,
    public cwd: string,
    readonly fs: VirtualFS,
    readonly envVars: Record<string, string>,
  ) {}

  toMemfsPath(userPath: string): string {
    return this.osType === OS_WINDOWS ? this.winToMemfs(userPath) : this.unixToMemfs(userPath);
  }

  toDisplayPath(memfs: string): string {
    if (this.osType === OS_WINDOWS) return memfsToWindows(memfs);
    return memfs ? '/' + memfs : '/';
  }

  private winToMemfs(path: string): string {
    const p = path.replace(/\//g, '\\');
    if (p.length >= 2 && p[1] === ':') {
      const rest = p.slice(2).replace(/^\\+/, '');
      return [p[0].toUpperCase(), ...rest.split('\\').filter((x) => x !== '')].join('/');
    }
    const parts = p.split('\\').filter((x) => x !== '');
    return parts.length === 0 ? this.cwd : `${this.cwd}/${parts.join('/')}`;
  }

  private unixToMemfs(p: string): string {
    if (p.startsWith('/')) return p.replace(/^\/+/, '');
    if (p === '' || p === '.') return this.cwd;
    if (p === '..') {
      const parts = this.cwd.split('/');
      return parts.length > 1 ? parts.slice(0, -1).join('/') : '';
    }
    return this.cwd ? `${this.cwd}/${p}` : p;
  }

  /** A user path to its canonical form, with '.' and '..' resolved. */
  resolvePath(userPath: string): string {
    const out: string[] = [];
    for (const p of this.toMemfsPath(userPath).split('/')) {
      if (p === '' || p === '.') continue;
      if (p === '..') out.pop();
      else out.push(p);
    }
    return out.join('/');
  }

  private displayCwd(): string {
    const display = this.toDisplayPath(this.cwd);
    if (this.osType === OS_WINDOWS) return display;
    const home = this.toDisplayPath(this.homeDir);
    if (display === home) return '~';
    if (display.startsWith(home + '/')) return '~' + display.slice(home.length);
    return display;
  }

  promptString(): string {
    if (this.osType === OS_WINDOWS) return `${this.toDisplayPath(this.cwd)}>`;
    if (this.osType === 'mac') return `${this.username}@MacBook ${this.displayCwd()} % `;
    return `${this.username}@${this.hostname}:${this.displayCwd()}$ `;
  }
}

/** 'C/Users/x' → 'C:\Users\x' (the reference's _memfs_to_win / task_gen._display_path for Windows). */
export function memfsToWindows(memfs: string): string {
  const parts = memfs.split('/');
  if (parts.length > 0 && parts[0].length === 1 && /^[A-Za-z]$/.test(parts[0])) {
    const rest = parts.slice(1).join('\\');
    return rest ? `${parts[0].toUpperCase()}:\\${rest}` : `${parts[0].toUpperCase()}:\\`;
  }
  return parts.join('\\');
}
