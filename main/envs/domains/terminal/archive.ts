/** Archives in the simulated file system: packing a tree into entries and unpacking entries into a directory. */
import { newDir, newFile, type Archive, type ArchiveEntry, type FileSystem, type FsPath } from './fs.ts';

export function formatOfName(name: string): Archive['format'] | null {
  const low = name.toLowerCase();
  if (low.endsWith('.zip')) return 'zip';
  if (low.endsWith('.tar.gz') || low.endsWith('.tgz')) return 'tar.gz';
  if (low.endsWith('.tar')) return 'tar';
  return null;
}

/** Entries for `src` (a file or a whole tree) with member names starting with `prefix`. */
export function packEntries(fs: FileSystem, src: FsPath, prefix: readonly string[]): ArchiveEntry[] {
  const out: ArchiveEntry[] = [];
  const base = fs.canonical(src).length;
  for (const [path, node] of fs.walk(src)) {
    const member = [...prefix, ...path.slice(base)];
    if (member.length === 0) continue;
    out.push({
      path: member,
      kind: node.kind,
      content: node.kind === 'file' ? node.content : '',
      mode: node.mode,
    });
  }
  return out;
}

/** Recreate entries under `dest`; returns the member names written and the first failure, if any. */
export function unpackEntries(
  fs: FileSystem,
  dest: FsPath,
  entries: readonly ArchiveEntry[],
): { written: string[]; failed: string | null } {
  const written: string[] = [];
  for (const e of entries) {
    const target = [...dest, ...e.path];
    for (let i = dest.length + 1; i < target.length; i++) {
      const p = target.slice(0, i);
      if (!fs.get(p) && fs.put(p, newDir())) return { written, failed: e.path.join('/') };
    }
    const existing = fs.get(target);
    if (e.kind === 'dir') {
      if (!existing && fs.put(target, newDir('user', e.mode))) return { written, failed: e.path.join('/') };
    } else if (fs.put(target, newFile(e.content, 'user', e.mode))) {
      return { written, failed: e.path.join('/') };
    }
    written.push(e.path.join('/') + (e.kind === 'dir' ? '/' : ''));
  }
  return { written, failed: null };
}

export function archiveFile(format: Archive['format'], entries: readonly ArchiveEntry[]) {
  return newFile(format === 'zip' ? 'PK (zip archive data)' : '(tar archive data)', 'user', 0o644, { format, entries });
}
