/**
 * Building the machines of a task: the local file system (OS skeleton, the site's folders with filler files, the
 * task's own files) and the remote host. Deterministic in the pack seed and the task.
 */
import { Rng } from '../../seed.ts';
import { archiveFile } from './archive.ts';
import type { RemoteHost } from './context.ts';
import { FileSystem, newDir, newFile, type Archive, type FsPath, type Owner } from './fs.ts';
import { FLAVOUR_INFO, REMOTE_USER, USER, type Flavour } from './flavour.ts';
import { CATEGORIES, extensionsOf, PLACES, REMOTE_DIRS, type TerminalSite } from './instance.ts';

export interface PlacedFile {
  readonly path: FsPath;
  readonly content: string;
  readonly mode: number;
  readonly archive: Archive | null;
  /** Minutes before "now" it was last modified (0 = now). */
  readonly age?: number;
}

const WORDS = [
  'alpha',
  'budget',
  'census',
  'draft',
  'export',
  'ledger',
  'minutes',
  'orbit',
  'pilot',
  'quota',
  'roster',
  'survey',
  'tally',
  'venue',
  'widget',
  'yield',
];

/** mkdir -p where new ancestors get `owner` and the leaf gets `leafOwner`. */
function ensureDir(fs: FileSystem, path: FsPath, owner: Owner, leafOwner: Owner, mode = 0o755): void {
  for (let i = 1; i <= path.length; i++) {
    const p = path.slice(0, i);
    const existing = fs.get(p);
    if (existing) continue;
    const parent = fs.get(p.slice(0, -1));
    if (!parent || parent.kind !== 'dir') return;
    // A folder created inside the user's own folder belongs to the user.
    const inherited = parent.owner === 'user' && p.length > 1 ? 'user' : owner;
    parent.children.set(p[p.length - 1], newDir(i === path.length ? leafOwner : inherited, mode));
  }
}

function placeFile(fs: FileSystem, path: FsPath, node: ReturnType<typeof newFile>): void {
  ensureDir(fs, path.slice(0, -1), 'root', 'user');
  const parent = fs.get(path.slice(0, -1));
  if (parent && parent.kind === 'dir') parent.children.set(path[path.length - 1], node);
}

function skeleton(fs: FileSystem, flavour: Flavour, site: TerminalSite): void {
  const home = FLAVOUR_INFO[flavour].home;
  const sys = (path: string[], mode = 0o755) => ensureDir(fs, path, 'root', 'root', mode);
  const sysFile = (path: string[], content: string, mode = 0o644) => {
    sys(path.slice(0, -1));
    const parent = fs.get(path.slice(0, -1));
    if (parent && parent.kind === 'dir') parent.children.set(path[path.length - 1], newFile(content, 'root', mode));
  };
  const notice =
    site.sshPort === 22
      ? `Backups and uploads go to ${REMOTE_USER}@remote_host (SSH on the standard port).\n`
      : `Backups and uploads go to ${REMOTE_USER}@remote_host. Its SSH server listens on port ${site.sshPort} only.\n`;
  if (flavour === 'windows') {
    fs.root.children.set('C:', newDir('root', 0o777));
    fs.root.children.set('D:', newDir('user', 0o755));
    sysFile(['C:', 'Windows', 'System32', 'cmd.exe'], 'MZ (binary)');
    sysFile(['C:', 'Windows', 'System32', 'notepad.exe'], 'MZ (binary)');
    if (site.archiveTool === 'tar') sysFile(['C:', 'Windows', 'System32', 'tar.exe'], 'MZ (binary)');
    sysFile(['C:', 'Windows', 'System32', 'drivers', 'etc', 'hosts'], '127.0.0.1 localhost\n');
    sys(['C:', 'Program Files', 'Common Files']);
    sys(['C:', 'Users', 'Public']);
  } else {
    fs.root.mode = 0o755;
    for (const d of [['bin'], ['etc'], ['usr', 'bin'], ['usr', 'lib'], ['var', 'log'], ['opt'], ['mnt']]) sys(d);
    sys(['tmp'], 0o777);
    sysFile(['etc', 'hosts'], '127.0.0.1 localhost\n10.0.4.17 remote_host\n');
    sysFile(['etc', 'hostname'], site.hostname + '\n');
    if (flavour === 'linux') {
      sys(['root'], 0o700);
      sys(['srv']);
      sysFile(['etc', 'passwd'], `root:x:0:0:root:/root:/bin/bash\n${USER}:x:1000:1000::/home/${USER}:/bin/bash\n`);
      sysFile(['var', 'log', 'syslog'], 'Mar  3 09:00:01 systemd[1]: Started Daily apt upgrade.\n', 0o640);
      // Debian keeps its own root-owned /var/backups: a folder named "backups" the user cannot write to.
      sysFile(['var', 'backups', 'dpkg.status.0'], 'Package: base-files\n');
    } else {
      for (const d of [['Applications'], ['Library', 'Preferences'], ['System', 'Library'], ['Volumes']]) sys(d);
      ensureDir(fs, ['Users', 'Shared'], 'root', 'root', 0o777);
    }
  }
  ensureDir(fs, home, 'root', 'user');
  for (const d of flavour === 'windows' ? ['Desktop', 'Documents', 'Downloads'] : ['Documents', 'Downloads']) {
    ensureDir(fs, [...home, d], 'user', 'user');
  }
  if (flavour === 'linux') placeFile(fs, [...home, '.bashrc'], newFile('# ~/.bashrc\nalias ll="ls -l"\n'));
  if (flavour === 'macos')
    placeFile(fs, [...home, '.zshrc'], newFile('# ~/.zshrc\nexport PATH=/opt/homebrew/bin:$PATH\n'));
  placeFile(fs, [...home, 'NOTICE.txt'], newFile(notice));
}

/** Plausible, unique file names and contents for the site's folders. */
export function fillerName(rng: Rng, ext: string): string {
  return `${rng.pick(WORDS)}_${rng.int(10, 99)}${ext}`;
}

export function textContent(rng: Rng, label: string): string {
  return `${label}\nid ${rng.int(100000, 999999)}\n${rng.pick(WORDS)} ${rng.int(1, 9999)}\n`;
}

export function buildLocal(
  site: TerminalSite,
  packSeed: string,
  taskFiles: readonly PlacedFile[],
  extraDirs: readonly FsPath[],
): FileSystem {
  const flavour = site.flavour;
  const fs = new FileSystem(FLAVOUR_INFO[flavour].caseInsensitive);
  skeleton(fs, flavour, site);
  const rng = Rng.of('terminal', packSeed, 'filler');
  for (const c of CATEGORIES) {
    const dir = site.categoryDirs[c];
    const owner: Owner = 'root';
    ensureDir(fs, dir, owner, 'user');
    const exts = extensionsOf(c, flavour);
    for (let k = 0; k < 3 && exts.length > 0; k++) {
      const ext = rng.pick(exts);
      const mode = ext === '.sh' || ext === '.py' ? 0o755 : 0o644;
      placeFile(fs, [...dir, fillerName(rng, ext)], newFile(textContent(rng, `${c} file`), 'user', mode));
    }
  }
  for (const p of PLACES) ensureDir(fs, site.places[p], 'root', 'user');
  // Same-named folders the user cannot write to (old mounts, system copies): the right one must be found out.
  for (const d of site.decoyPlaces) ensureDir(fs, d, 'root', 'root');
  for (const d of extraDirs) ensureDir(fs, d, 'user', 'user');
  for (const d of site.staleDirs) ensureDir(fs, d, 'root', 'user', d[0] === 'tmp' ? 0o777 : 0o755);
  for (const f of taskFiles) {
    const node = f.archive ? archiveFile(f.archive.format, f.archive.entries) : newFile(f.content, 'user', f.mode);
    node.mtime = -(f.age ?? 0);
    placeFile(fs, f.path, node);
  }
  return fs;
}

export const REMOTE_HOME: FsPath = ['home', REMOTE_USER];

export function buildRemote(site: TerminalSite): RemoteHost {
  const fs = new FileSystem(false);
  ensureDir(fs, ['etc'], 'root', 'root');
  ensureDir(fs, ['tmp'], 'root', 'root', 0o777);
  ensureDir(fs, REMOTE_HOME, 'root', 'user');
  for (const d of REMOTE_DIRS) ensureDir(fs, [...REMOTE_HOME, d], 'user', 'user');
  placeFile(fs, [...REMOTE_HOME, '.profile'], newFile('# remote profile\n'));
  return { fs, home: REMOTE_HOME, port: site.sshPort };
}
