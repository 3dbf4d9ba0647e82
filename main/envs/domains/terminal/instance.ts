/**
 * The hidden structure of a Terminal pack (a "site"): the OS flavour, which archiver and remote copier this machine
 * has, the port of the remote host's SSH server, and where each kind of file and each named folder lives.
 * None of it is told; commands, errors and the final goal check reveal it.
 */
import { Rng } from '../../seed.ts';
import type { ArchiveTool, RemoteTool } from './context.ts';
import { USER, type Flavour } from './flavour.ts';

export const CATEGORIES = ['docs', 'data', 'logs', 'scripts', 'images', 'archives'] as const;
export type Category = (typeof CATEGORIES)[number];

export const PLACES = ['backups', 'shared', 'releases'] as const;
export type PlaceName = (typeof PLACES)[number];

/** Non-standard SSH ports a site may use; the oracle's probing order is its own business. */
export const SSH_PORTS = [22, 2222, 2022, 2200, 8022, 22222] as const;
export const REMOTE_DIRS = ['incoming', 'uploads', 'drop'] as const;

export function extensionsOf(category: Category, flavour: Flavour): readonly string[] {
  switch (category) {
    case 'docs':
      return ['.txt', '.md'];
    case 'data':
      return ['.csv', '.json'];
    case 'logs':
      return ['.log'];
    case 'scripts':
      return flavour === 'windows' ? ['.bat', '.ps1'] : ['.sh', '.py'];
    case 'images':
      return ['.png', '.jpg'];
    case 'archives':
      return [];
  }
}

const FOLDER_NAMES: Readonly<Record<Category, readonly string[]>> = {
  docs: ['docs', 'reports', 'writeups', 'papers'],
  data: ['data', 'datasets', 'tables', 'exports'],
  logs: ['logs', 'log-archive', 'journal'],
  scripts: ['scripts', 'tools', 'bin-local'],
  images: ['images', 'media', 'pictures'],
  archives: ['archives', 'bundles', 'packages'],
};

const TEAMS = ['atlas', 'borealis', 'cobalt', 'delta', 'ember', 'fjord', 'granite', 'helix'];
const HOSTS: Readonly<Record<Flavour, readonly string[]>> = {
  linux: ['devbox', 'build-07', 'ws-atlas', 'lab-node3'],
  macos: ['Mac-mini', 'MacBook-Pro', 'studio-mac'],
  windows: ['DESKTOP-7Q2KD1M', 'WS-ATLAS-04', 'LAPTOP-JR8H3'],
};

export interface TerminalSite {
  readonly flavour: Flavour;
  readonly hostname: string;
  readonly archiveTool: ArchiveTool;
  readonly remoteTool: RemoteTool;
  readonly sshPort: number;
  readonly categoryDirs: Readonly<Record<Category, readonly string[]>>;
  readonly places: Readonly<Record<PlaceName, readonly string[]>>;
  /** Fixed for the pack: the team name used in folder paths and file names. */
  readonly team: string;
  /** Folders that hold stale copies of some files (older versions with the same names). */
  readonly staleDirs: readonly (readonly string[])[];
  /** Read-only folders that carry a named folder's name (the real one is the writable one). */
  readonly decoyPlaces: readonly (readonly string[])[];
}

const DECOY_PARENTS: Readonly<Record<Flavour, readonly string[][]>> = {
  linux: [
    ['usr', 'share'],
    ['var', 'lib', 'legacy'],
    ['mnt', 'readonly'],
    ['srv', 'archive-2023'],
  ],
  macos: [
    ['Library', 'Application Support'],
    ['Volumes', 'Backup'],
    ['opt', 'archive-2023'],
    ['System', 'Library', 'Templates'],
  ],
  windows: [
    ['C:', 'ProgramData'],
    ['C:', 'Windows', 'Templates'],
    ['D:', 'archive-2023'],
    ['C:', 'Program Files', 'Common Files'],
  ],
};

const STALE_DIRS: Readonly<Record<Flavour, readonly string[][]>> = {
  linux: [
    ['home', USER, 'Downloads'],
    ['tmp', 'sync'],
    ['home', USER, 'old'],
  ],
  macos: [
    ['Users', USER, 'Downloads'],
    ['Users', USER, 'Desktop', 'old'],
    ['tmp', 'sync'],
  ],
  windows: [
    ['C:', 'Users', USER, 'Downloads'],
    ['D:', 'transfer'],
    ['C:', 'Temp', 'sync'],
  ],
};

/** Parents a site folder may sit under: about half inside the home directory, half elsewhere. */
function parents(flavour: Flavour, team: string, project: string): { home: string[][]; system: string[][] } {
  switch (flavour) {
    case 'linux':
      return {
        home: [
          ['home', USER, 'work'],
          ['home', USER, 'Documents'],
          ['home', USER, 'projects', project],
        ],
        system: [['srv', team], ['opt', team], ['data'], ['var', 'lib', team], ['mnt', 'storage']],
      };
    case 'macos':
      return {
        home: [
          ['Users', USER, 'Documents'],
          ['Users', USER, 'Desktop'],
          ['Users', USER, 'Projects', project],
        ],
        system: [
          ['Users', 'Shared', team],
          ['Volumes', 'Data'],
          ['opt', team],
        ],
      };
    case 'windows':
      return {
        home: [
          ['C:', 'Users', USER, 'Documents'],
          ['C:', 'Users', USER, 'Desktop'],
          ['C:', 'Users', USER, 'OneDrive', 'Work'],
        ],
        system: [['C:', 'Projects', project], ['D:'], ['D:', team], ['C:', 'Data']],
      };
  }
}

export function terminalSite(seed: string, flavours: readonly Flavour[]): TerminalSite {
  const rng = Rng.of('terminal', seed, 'site');
  const flavour = rng.pick(flavours);
  const team = rng.pick(TEAMS);
  const project = rng.pick(['apollo', 'kestrel', 'nimbus', 'orion', 'quartz']);
  const pool = parents(flavour, team, project);
  const where = () => (rng.next() < 0.5 ? rng.pick(pool.home) : rng.pick(pool.system));
  const categoryDirs = {} as Record<Category, string[]>;
  for (const c of CATEGORIES) categoryDirs[c] = [...where(), rng.pick(FOLDER_NAMES[c])];
  const places = {} as Record<PlaceName, string[]>;
  for (const p of PLACES) places[p] = [...where(), p];
  const posix = flavour !== 'windows';
  return {
    flavour,
    hostname: rng.pick(HOSTS[flavour]),
    archiveTool: posix ? rng.pick<ArchiveTool>(['tar', 'zip']) : rng.pick<ArchiveTool>(['tar', 'powershell']),
    remoteTool: posix ? rng.pick<RemoteTool>(['scp', 'rsync']) : rng.pick<RemoteTool>(['scp', 'pscp']),
    sshPort: rng.next() < 0.2 ? 22 : rng.pick(SSH_PORTS.slice(1)),
    categoryDirs,
    places,
    team,
    staleDirs: rng.shuffle(STALE_DIRS[flavour].slice()).slice(0, 2),
    // Each named folder gets zero to two read-only namesakes elsewhere.
    decoyPlaces: PLACES.flatMap((p) =>
      rng
        .shuffle(DECOY_PARENTS[flavour].slice())
        .slice(0, rng.int(0, 2))
        .map((parent) => [...parent, p]),
    ),
  };
}

/** The archive format this machine's archiver produces by default (what a task's archive must be). */
export function archiveExtension(site: TerminalSite): '.tar.gz' | '.zip' {
  return site.archiveTool === 'tar' && site.flavour !== 'windows' ? '.tar.gz' : '.zip';
}
