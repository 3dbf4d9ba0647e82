/**
 * The goal check: predicates on the final state of both machines. Each step of a task contributes one goal; the
 * reward is the fraction met (success when > 0.5), 1.0 as soon as all are met.
 */
import { formatOfName } from './archive.ts';
import type { FileSystem, FsNode, FsPath } from './fs.ts';

export type Permission = 'exec' | 'private' | 'readonly' | 'hidden';

export type Condition =
  | { readonly type: 'dir'; readonly path: FsPath }
  | { readonly type: 'file'; readonly path: FsPath; readonly content: string }
  | { readonly type: 'absent'; readonly path: FsPath }
  /** Some file directly in `dir` holds `content`. */
  | { readonly type: 'contentIn'; readonly dir: FsPath; readonly content: string }
  /** A file `name` with `content` somewhere under `dir`. */
  | { readonly type: 'fileUnder'; readonly dir: FsPath; readonly name: string; readonly content: string }
  | { readonly type: 'perm'; readonly path: FsPath; readonly perm: Permission }
  /** An archive named `baseName` + a known archive extension in `dir`, holding these files (matched by folder/name). */
  | {
      readonly type: 'archive';
      readonly dir: FsPath;
      readonly baseName: string;
      readonly members: readonly { readonly folder: string; readonly name: string; readonly content: string }[];
    };

export interface Goal {
  /** What the final feedback says about this goal, with concrete paths. */
  readonly description: string;
  readonly machine: 'local' | 'remote';
  readonly all: readonly Condition[];
}

const same = (a: string, b: string) => a.trim() === b.trim();

function filesUnder(fs: FileSystem, dir: FsPath): Array<[string[], FsNode]> {
  return fs.walk(dir).filter(([, n]) => n.kind === 'file');
}

export function holds(fs: FileSystem, c: Condition): boolean {
  switch (c.type) {
    case 'dir':
      return fs.get(c.path)?.kind === 'dir';
    case 'file': {
      const n = fs.get(c.path);
      return n?.kind === 'file' && n.archive === null && same(n.content, c.content);
    }
    case 'absent':
      return fs.get(c.path) === undefined;
    case 'contentIn': {
      const d = fs.get(c.dir);
      if (!d || d.kind !== 'dir') return false;
      return [...d.children.values()].some(
        (n) => n.kind === 'file' && n.archive === null && same(n.content, c.content),
      );
    }
    case 'fileUnder': {
      const eq = (a: string) => (fs.caseInsensitive ? a.toLowerCase() === c.name.toLowerCase() : a === c.name);
      return filesUnder(fs, c.dir).some(
        ([p, n]) => eq(p[p.length - 1]) && n.kind === 'file' && same(n.content, c.content),
      );
    }
    case 'perm': {
      const n = fs.get(c.path);
      if (!n) return false;
      switch (c.perm) {
        case 'exec':
          return (n.mode & 0o100) !== 0;
        case 'private':
          return (n.mode & 0o777) === 0o600;
        case 'readonly':
          return n.readonly || (n.mode & 0o222) === 0;
        case 'hidden':
          return n.hidden;
      }
      break;
    }
    case 'archive': {
      const d = fs.get(c.dir);
      if (!d || d.kind !== 'dir') return false;
      for (const [name, n] of d.children) {
        if (n.kind !== 'file' || !n.archive) continue;
        const fmt = formatOfName(name);
        if (!fmt || (fmt === 'zip') !== (n.archive.format === 'zip')) continue;
        const base = name.replace(/\.(zip|tar\.gz|tgz|tar)$/i, '');
        if (fs.caseInsensitive ? base.toLowerCase() !== c.baseName.toLowerCase() : base !== c.baseName) continue;
        const entries = n.archive.entries;
        const ok = c.members.every((m) =>
          entries.some((e) => {
            const k = e.path.length;
            return (
              e.kind === 'file' &&
              k >= 2 &&
              e.path[k - 1] === m.name &&
              e.path[k - 2] === m.folder &&
              same(e.content, m.content)
            );
          }),
        );
        if (ok) return true;
      }
      return false;
    }
  }
}

export function goalMet(goal: Goal, local: FileSystem, remote: FileSystem): boolean {
  const fs = goal.machine === 'local' ? local : remote;
  return goal.all.every((c) => holds(fs, c));
}
