/**
 * The simulator's in-memory file system: a tree of directories and files with an owner, a POSIX mode and the
 * Windows read-only / hidden attributes. Operations return error codes (never throw); each shell turns a code into
 * its own flavour of message. Paths are arrays of components from the root (a Windows path starts with its drive).
 */

export type Owner = 'user' | 'root';

export interface ArchiveEntry {
  /** Member path components, e.g. ['project', 'src', 'a.txt']. */
  readonly path: readonly string[];
  readonly kind: 'file' | 'dir';
  readonly content: string;
  readonly mode: number;
}

export interface Archive {
  readonly format: 'tar' | 'tar.gz' | 'zip';
  readonly entries: readonly ArchiveEntry[];
}

interface NodeBase {
  owner: Owner;
  mode: number;
  /** Minutes relative to the simulator's "now" (0 = now, negative = in the past). */
  mtime: number;
  readonly: boolean;
  hidden: boolean;
}

export interface FileNode extends NodeBase {
  readonly kind: 'file';
  content: string;
  /** Set when the file is an archive made or shipped by the simulator. */
  archive: Archive | null;
}

export interface DirNode extends NodeBase {
  readonly kind: 'dir';
  readonly children: Map<string, FsNode>;
}

export type FsNode = FileNode | DirNode;
export type FsPath = readonly string[];
export type FsError = 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'EACCES' | 'ENOTEMPTY' | 'EINVAL';

export function newDir(owner: Owner = 'user', mode = 0o755): DirNode {
  return { kind: 'dir', children: new Map(), owner, mode, mtime: 0, readonly: false, hidden: false };
}

export function newFile(
  content: string,
  owner: Owner = 'user',
  mode = 0o644,
  archive: Archive | null = null,
): FileNode {
  return { kind: 'file', content, archive, owner, mode, mtime: 0, readonly: false, hidden: false };
}

export function cloneNode(n: FsNode): FsNode {
  if (n.kind === 'file') return { ...n };
  const d: DirNode = { ...n, children: new Map() };
  for (const [k, v] of n.children) d.children.set(k, cloneNode(v));
  return d;
}

export class FileSystem {
  readonly root: DirNode = newDir('root', 0o755);

  constructor(readonly caseInsensitive: boolean) {}

  /** The stored name of `name` inside `dir` (case-preserving lookup on case-insensitive systems). */
  childKey(dir: DirNode, name: string): string | undefined {
    if (dir.children.has(name)) return name;
    if (!this.caseInsensitive) return undefined;
    const low = name.toLowerCase();
    for (const k of dir.children.keys()) if (k.toLowerCase() === low) return k;
    return undefined;
  }

  get(path: FsPath): FsNode | undefined {
    let node: FsNode = this.root;
    for (const part of path) {
      if (node.kind !== 'dir') return undefined;
      const key = this.childKey(node, part);
      if (key === undefined) return undefined;
      node = node.children.get(key) as FsNode;
    }
    return node;
  }

  /** The path with each component spelled as stored (for display), as far as it exists. */
  canonical(path: FsPath): string[] {
    const out: string[] = [];
    let node: FsNode | undefined = this.root;
    for (const part of path) {
      const key: string | undefined = node && node.kind === 'dir' ? this.childKey(node, part) : undefined;
      out.push(key ?? part);
      node = key !== undefined && node && node.kind === 'dir' ? node.children.get(key) : undefined;
    }
    return out;
  }

  /** Why `path`'s parent cannot take a new entry, if it cannot. */
  parentProblem(path: FsPath): FsError | undefined {
    if (path.length === 0) return 'EEXIST';
    const parent = this.get(path.slice(0, -1));
    if (!parent) return 'ENOENT';
    if (parent.kind !== 'dir') return 'ENOTDIR';
    if (!canWrite(parent)) return 'EACCES';
    return undefined;
  }

  /** Create or replace an entry. Replacing a directory by a file (or the reverse) is refused. */
  put(path: FsPath, node: FsNode): FsError | undefined {
    const problem = this.parentProblem(path);
    if (problem) return problem;
    const parent = this.get(path.slice(0, -1)) as DirNode;
    const name = path[path.length - 1];
    const key = this.childKey(parent, name);
    if (key !== undefined) {
      const old = parent.children.get(key) as FsNode;
      if (old.kind !== node.kind) return old.kind === 'dir' ? 'EISDIR' : 'EEXIST';
      if (old.kind === 'file' && old.readonly) return 'EACCES';
      parent.children.delete(key);
      parent.children.set(key, node);
      return undefined;
    }
    parent.children.set(name, node);
    return undefined;
  }

  remove(path: FsPath): FsError | undefined {
    if (path.length === 0) return 'EACCES';
    const parent = this.get(path.slice(0, -1));
    if (!parent || parent.kind !== 'dir') return 'ENOENT';
    const key = this.childKey(parent, path[path.length - 1]);
    if (key === undefined) return 'ENOENT';
    if (!canWrite(parent)) return 'EACCES';
    const node = parent.children.get(key) as FsNode;
    if (node.kind === 'file' && node.readonly) return 'EACCES';
    parent.children.delete(key);
    return undefined;
  }

  /** mkdir; with `parents`, creates the missing ancestors and accepts an existing directory. */
  mkdir(path: FsPath, parents: boolean): FsError | undefined {
    if (parents) {
      for (let i = 1; i <= path.length; i++) {
        const node = this.get(path.slice(0, i));
        if (node && node.kind === 'dir') continue;
        if (node) return 'EEXIST';
        const err = this.put(path.slice(0, i), newDir());
        if (err) return err;
      }
      return undefined;
    }
    if (this.get(path)) return 'EEXIST';
    return this.put(path, newDir());
  }

  /** Every entry under `path` (depth first, sorted), as [path, node], including `path` itself. */
  walk(path: FsPath): Array<[string[], FsNode]> {
    const start = this.get(path);
    if (!start) return [];
    const out: Array<[string[], FsNode]> = [];
    const visit = (p: string[], n: FsNode) => {
      out.push([p, n]);
      if (n.kind === 'dir') {
        for (const k of [...n.children.keys()].sort()) visit([...p, k], n.children.get(k) as FsNode);
      }
    };
    visit(this.canonical(path), start);
    return out;
  }

  samePath(a: FsPath, b: FsPath): boolean {
    if (a.length !== b.length) return false;
    return a.every((x, i) => (this.caseInsensitive ? x.toLowerCase() === b[i].toLowerCase() : x === b[i]));
  }

  /** True when `inner` is `outer` or inside it. */
  contains(outer: FsPath, inner: FsPath): boolean {
    return inner.length >= outer.length && this.samePath(outer, inner.slice(0, outer.length));
  }
}

/** The simulated user may write into a directory it owns with u+w, or a root-owned one with o+w (like /tmp). */
export function canWrite(dir: FsNode): boolean {
  return dir.owner === 'user' ? (dir.mode & 0o200) !== 0 : (dir.mode & 0o002) !== 0;
}

export function canRead(node: FsNode): boolean {
  return node.owner === 'user' ? (node.mode & 0o400) !== 0 : (node.mode & 0o004) !== 0;
}
