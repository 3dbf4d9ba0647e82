/**
 * The paper Terminal's tasks, generated as the reference generates them: trinity/common/workflows/connect_the_dots/
 * terminal/task_gen.py (shiweijiezero/Trinity-RFT @ 622ba7ee), generate_task / the nine single and eight composite
 * generators / build_env_from_task, and goal_check.py (check_goal: every check must hold, reward 1 or 0).
 *
 * Every task is fully determined by its own row seed (examples/research_cod/get_terminal_data.py: one seed per dataset
 * row): the local OS, the remote host 192.168.1.<10-99> and user, the task type (composite with probability 0.5),
 * names, paths and file contents. Nothing is shared between the tasks of a pack. The task description names every
 * path. One departure, on purpose: the reference's distractor files take their content seed from Python's salted
 * hash(name), which differs per process; here it is a stable hash of the name.
 */
import { Rng, stableSeed } from '../../../seed.ts';
import { pyJson } from './commands.ts';
import { TerminalSim } from './env.ts';
import { MachineState, memfsToWindows, VirtualFS, type OsType } from './vfs.ts';

export const SINGLE_TYPES = [
  'upload',
  'download',
  'rename',
  'move',
  'chmod',
  'delete',
  'copy',
  'pack',
  'mkdir',
] as const;
export const COMPOSITE_TYPES = [
  'pack_upload',
  'download_extract',
  'mkdir_upload',
  'upload_chmod',
  'upload_delete_source',
  'pack_upload_extract',
  'download_rename',
  'backup_replace',
] as const;
export type PaperTaskType = (typeof SINGLE_TYPES)[number] | (typeof COMPOSITE_TYPES)[number];

const FILENAMES = [
  'report.txt',
  'data.csv',
  'image.png',
  'config.json',
  'notes.md',
  'script.sh',
  'log.txt',
  'readme.txt',
  'database.db',
  'output.log',
  'results.csv',
  'document.pdf',
  'settings.ini',
  'main.py',
  'index.html',
  'style.css',
  'app.js',
  'server.py',
  'deploy.sh',
  'backup.sql',
  'photo.jpg',
  'diagram.svg',
  'metrics.json',
  'requirements.txt',
  'Makefile',
];
const DIRNAMES = [
  'projects',
  'documents',
  'downloads',
  'backups',
  'config',
  'data',
  'logs',
  'workspace',
  'reports',
  'media',
  'scripts',
  'output',
  'staging',
  'archive',
  'temp',
  'src',
  'build',
  'dist',
  'assets',
  'uploads',
];
const REMOTE_USERS = ['admin', 'deploy', 'user', 'webmaster', 'devops', 'ops', 'ubuntu'];
const PERMISSION_MODES = ['644', '755', '600', '700', '664', '640', '444', '750'];
const ARCHIVE_FORMATS = ['tar', 'tar.gz', 'zip'] as const;
type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];
const EXT: Readonly<Record<ArchiveFormat, string>> = { tar: '.tar', 'tar.gz': '.tar.gz', zip: '.zip' };

export type GoalCheck =
  | { readonly type: 'file_exists'; readonly machine: Side; readonly path: string; readonly content?: string }
  | { readonly type: 'file_not_exists'; readonly machine: Side; readonly path: string }
  | { readonly type: 'dir_exists'; readonly machine: Side; readonly path: string }
  | { readonly type: 'permission_equals'; readonly machine: Side; readonly path: string; readonly value: string }
  | {
      readonly type: 'archive_contains';
      readonly machine: Side;
      readonly path: string;
      readonly entries: Readonly<Record<string, string>>;
    };
type Side = 'local' | 'remote';

export interface FsSpec {
  readonly path: string;
  readonly isDir?: boolean;
  readonly content?: string;
  readonly permissions?: string;
  readonly archiveType?: string;
  readonly archiveEntries?: Record<string, string>;
}

export interface PaperTerminalTask {
  readonly seed: number;
  readonly os: OsType;
  readonly category: 'single' | 'composite';
  readonly type: PaperTaskType;
  readonly remoteHost: string;
  readonly remoteUser: string;
  readonly description: string;
  readonly checks: readonly GoalCheck[];
  readonly localFs: readonly FsSpec[];
  readonly remoteFs: readonly FsSpec[];
}

export function homeDir(os: OsType): string {
  return os === 'windows' ? 'C/Users/user' : os === 'mac' ? 'Users/user' : 'home/user';
}

export function displayPath(memfs: string, os: OsType): string {
  if (os === 'windows') return memfsToWindows(memfs);
  return memfs ? '/' + memfs : '/';
}

const content = (filename: string, seed: number) => `[Content of ${filename} | seed=${seed} | size=1024]`;

/** A stable stand-in for the reference's process-salted hash(name) % 10000. */
const nameHash = (name: string) => parseInt(stableSeed('terminal/paper-name', name).slice(0, 8), 16) % 10000;

class Gen {
  constructor(
    readonly rng: Rng,
    readonly seed: number,
    readonly os: OsType,
    readonly host: string,
    readonly user: string,
  ) {}
  subdir(): string {
    return `${homeDir(this.os)}/${this.rng.pick(DIRNAMES)}`;
  }
  /** _pick_remote_dir: both random names are drawn before the form is chosen. */
  remoteDir(): string {
    const a = this.rng.pick(DIRNAMES);
    const b = this.rng.pick(DIRNAMES);
    return this.rng.pick([`home/${this.user}/${a}`, 'var/www/html', `opt/${b}`, `home/${this.user}`]);
  }
  distractors(spec: FsSpec[], base: string, count = 3): void {
    const used = new Set(spec.map((f) => f.path));
    for (let i = 0; i < count; i++) {
      const name = this.rng.pick(FILENAMES);
      const path = `${base}/${name}`;
      if (used.has(path)) continue;
      spec.push({ path, content: content(name, this.seed + nameHash(name)) });
      used.add(path);
    }
  }
  remoteShown(dir: string, file?: string): string {
    return `${this.user}@${this.host}:/${dir}${file === undefined ? '' : `/${file}`}`;
  }
  shown(memfs: string): string {
    return displayPath(memfs, this.os);
  }
  /** rng.sample(FILENAMES, k). */
  files(k: number): string[] {
    return this.rng.shuffle(FILENAMES.slice()).slice(0, k);
  }
  format(local: boolean): ArchiveFormat {
    const f = this.rng.pick(ARCHIVE_FORMATS);
    // On a Windows local machine only zip exists.
    return local && this.os === 'windows' && f.startsWith('tar') ? 'zip' : f;
  }
  task(
    category: 'single' | 'composite',
    type: PaperTaskType,
    description: string,
    checks: GoalCheck[],
    localFs: FsSpec[],
    remoteFs: FsSpec[],
  ): PaperTerminalTask {
    const { seed, os, host, user } = this;
    return { seed, os, category, type, remoteHost: host, remoteUser: user, description, checks, localFs, remoteFs };
  }
}

function onRemote(g: Gen): boolean {
  return g.rng.pick([true, false]);
}

const SINGLE: Readonly<Record<(typeof SINGLE_TYPES)[number], (g: Gen) => PaperTerminalTask>> = {
  upload(g) {
    const file = g.rng.pick(FILENAMES);
    const local = g.subdir();
    const remote = g.remoteDir();
    const c = content(file, g.seed);
    const localFs: FsSpec[] = [{ path: `${local}/${file}`, content: c }];
    g.distractors(localFs, local);
    return g.task(
      'single',
      'upload',
      `Upload '${g.shown(`${local}/${file}`)}' to ${g.remoteShown(remote, file)}`,
      [{ type: 'file_exists', machine: 'remote', path: `${remote}/${file}`, content: c }],
      localFs,
      [{ path: remote, isDir: true }],
    );
  },
  download(g) {
    const file = g.rng.pick(FILENAMES);
    const local = g.subdir();
    const remote = g.remoteDir();
    const c = content(file, g.seed);
    const localFs: FsSpec[] = [{ path: local, isDir: true }];
    g.distractors(localFs, local);
    const remoteFs: FsSpec[] = [{ path: `${remote}/${file}`, content: c }];
    g.distractors(remoteFs, remote);
    return g.task(
      'single',
      'download',
      `Download '${g.remoteShown(remote, file)}' to '${g.shown(`${local}/${file}`)}'`,
      [{ type: 'file_exists', machine: 'local', path: `${local}/${file}`, content: c }],
      localFs,
      remoteFs,
    );
  },
  rename(g) {
    const remote = onRemote(g);
    const oldName = g.rng.pick(FILENAMES);
    let newName = g.rng.pick(FILENAMES);
    while (newName === oldName) newName = g.rng.pick(FILENAMES);
    const c = content(oldName, g.seed);
    const dir = remote ? g.remoteDir() : g.subdir();
    const spec: FsSpec[] = [{ path: `${dir}/${oldName}`, content: c }];
    g.distractors(spec, dir);
    const side: Side = remote ? 'remote' : 'local';
    const where = remote ? g.remoteShown(dir) : g.shown(dir);
    return g.task(
      'single',
      'rename',
      `Rename '${oldName}' to '${newName}' in ${remote ? 'remote ' : ''}${where}`,
      [
        { type: 'file_not_exists', machine: side, path: `${dir}/${oldName}` },
        { type: 'file_exists', machine: side, path: `${dir}/${newName}`, content: c },
      ],
      remote ? [] : spec,
      remote ? spec : [],
    );
  },
  move(g) {
    return moveOrCopy(g, 'move');
  },
  copy(g) {
    return moveOrCopy(g, 'copy');
  },
  chmod(g) {
    // chmod exists only on Linux/macOS: a Windows local machine gets the remote variant.
    const remote = onRemote(g) || g.os === 'windows';
    const file = g.rng.pick(FILENAMES);
    const c = content(file, g.seed);
    const oldPerm = g.rng.pick(PERMISSION_MODES);
    let newPerm = g.rng.pick(PERMISSION_MODES);
    while (newPerm === oldPerm) newPerm = g.rng.pick(PERMISSION_MODES);
    const dir = remote ? g.remoteDir() : g.subdir();
    const spec: FsSpec[] = [{ path: `${dir}/${file}`, content: c, permissions: oldPerm }];
    g.distractors(spec, dir);
    const shown = remote ? g.remoteShown(dir, file) : g.shown(`${dir}/${file}`);
    return g.task(
      'single',
      'chmod',
      `Change permissions of '${shown}' to ${newPerm}`,
      [{ type: 'permission_equals', machine: remote ? 'remote' : 'local', path: `${dir}/${file}`, value: newPerm }],
      remote ? [] : spec,
      remote ? spec : [],
    );
  },
  delete(g) {
    const remote = onRemote(g);
    const file = g.rng.pick(FILENAMES);
    const c = content(file, g.seed);
    const dir = remote ? g.remoteDir() : g.subdir();
    const spec: FsSpec[] = [{ path: `${dir}/${file}`, content: c }];
    g.distractors(spec, dir);
    const shown = remote ? g.remoteShown(dir, file) : g.shown(`${dir}/${file}`);
    return g.task(
      'single',
      'delete',
      `Delete the file '${shown}'`,
      [{ type: 'file_not_exists', machine: remote ? 'remote' : 'local', path: `${dir}/${file}` }],
      remote ? [] : spec,
      remote ? spec : [],
    );
  },
  pack(g) {
    const remote = onRemote(g);
    const fmt = g.format(!remote);
    const dirName = g.rng.pick(DIRNAMES);
    const files = g.files(g.rng.int(2, 4));
    const archive = `${dirName}${EXT[fmt]}`;
    const base = remote ? g.remoteDir() : g.subdir();
    const src = `${base}/${dirName}`;
    const entries: Record<string, string> = {};
    const spec: FsSpec[] = files.map((f) => {
      entries[`${dirName}/${f}`] = content(f, g.seed);
      return { path: `${src}/${f}`, content: content(f, g.seed) };
    });
    return g.task(
      'single',
      'pack',
      remote
        ? `Pack the directory '/${src}' into '${archive}' on the remote server`
        : `Pack the directory '${g.shown(src)}' into '${archive}'`,
      [{ type: 'archive_contains', machine: remote ? 'remote' : 'local', path: `${base}/${archive}`, entries }],
      remote ? [] : spec,
      remote ? spec : [],
    );
  },
  mkdir(g) {
    const remote = onRemote(g);
    const parts = g.rng.shuffle(DIRNAMES.slice()).slice(0, g.rng.int(2, 4));
    const target = `${remote ? `home/${g.user}` : homeDir(g.os)}/${parts.join('/')}`;
    return g.task(
      'single',
      'mkdir',
      remote
        ? `Create the directory structure '/${target}' on the remote server`
        : `Create the directory structure '${g.shown(target)}'`,
      [{ type: 'dir_exists', machine: remote ? 'remote' : 'local', path: target }],
      [],
      [],
    );
  },
};

function moveOrCopy(g: Gen, kind: 'move' | 'copy'): PaperTerminalTask {
  const remote = onRemote(g);
  const file = g.rng.pick(FILENAMES);
  const c = content(file, g.seed);
  const pick = () => (remote ? g.remoteDir() : g.subdir());
  const src = pick();
  let dst = pick();
  while (dst === src) dst = pick();
  const spec: FsSpec[] = [
    { path: `${src}/${file}`, content: c },
    { path: dst, isDir: true },
  ];
  // move adds distractors next to the source; copy does not.
  if (kind === 'move') g.distractors(spec, src);
  const side: Side = remote ? 'remote' : 'local';
  const from = remote ? `/${src}/${file}` : g.shown(`${src}/${file}`);
  const to =
    kind === 'move' ? (remote ? `/${dst}/` : g.shown(dst)) : remote ? `/${dst}/${file}` : g.shown(`${dst}/${file}`);
  const checks: GoalCheck[] =
    kind === 'move'
      ? [
          { type: 'file_not_exists', machine: side, path: `${src}/${file}` },
          { type: 'file_exists', machine: side, path: `${dst}/${file}`, content: c },
        ]
      : [
          { type: 'file_exists', machine: side, path: `${src}/${file}`, content: c },
          { type: 'file_exists', machine: side, path: `${dst}/${file}`, content: c },
        ];
  return g.task(
    'single',
    kind,
    `${kind === 'move' ? 'Move' : 'Copy'} '${from}' to '${to}'${remote ? ' on remote server' : ''}`,
    checks,
    remote ? [] : spec,
    remote ? spec : [],
  );
}

function packedFiles(g: Gen, dirName: string, src: string): { spec: FsSpec[]; entries: Record<string, string> } {
  const entries: Record<string, string> = {};
  const spec = g.files(g.rng.int(2, 4)).map((f) => {
    entries[`${dirName}/${f}`] = content(f, g.seed);
    return { path: `${src}/${f}`, content: content(f, g.seed) };
  });
  return { spec, entries };
}

const COMPOSITE: Readonly<Record<(typeof COMPOSITE_TYPES)[number], (g: Gen) => PaperTerminalTask>> = {
  pack_upload(g) {
    const fmt = g.format(true);
    const dirName = g.rng.pick(DIRNAMES);
    const local = g.subdir();
    const remote = g.remoteDir();
    const src = `${local}/${dirName}`;
    const { spec, entries } = packedFiles(g, dirName, src);
    return g.task(
      'composite',
      'pack_upload',
      `Pack '${g.shown(src)}' into a ${fmt} archive and upload it to ${g.remoteShown(remote)}/`,
      [{ type: 'archive_contains', machine: 'remote', path: `${remote}/${dirName}${EXT[fmt]}`, entries }],
      spec,
      [{ path: remote, isDir: true }],
    );
  },
  download_extract(g) {
    const fmt = g.format(true);
    const dirName = g.rng.pick(DIRNAMES);
    const local = g.subdir();
    const remote = g.remoteDir();
    const archive = `${dirName}${EXT[fmt]}`;
    const entries: Record<string, string> = {};
    for (const f of g.files(g.rng.int(2, 4))) entries[`${dirName}/${f}`] = content(f, g.seed);
    return g.task(
      'composite',
      'download_extract',
      `Download '${archive}' from ${g.remoteShown(remote)}/ and extract its contents to '${g.shown(local)}'`,
      Object.entries(entries).map(([rel, c]) => ({
        type: 'file_exists',
        machine: 'local',
        path: `${local}/${rel}`,
        content: c,
      })),
      [{ path: local, isDir: true }],
      [
        {
          path: `${remote}/${archive}`,
          content: pyJson({ type: fmt, entries }),
          archiveType: fmt,
          archiveEntries: entries,
        },
      ],
    );
  },
  mkdir_upload(g) {
    const file = g.rng.pick(FILENAMES);
    const c = content(file, g.seed);
    const local = g.subdir();
    const remote = `home/${g.user}/` + g.rng.shuffle(DIRNAMES.slice()).slice(0, g.rng.int(2, 3)).join('/');
    const localFs: FsSpec[] = [{ path: `${local}/${file}`, content: c }];
    g.distractors(localFs, local);
    return g.task(
      'composite',
      'mkdir_upload',
      `Create the directory '/${remote}' on the remote server, then upload '${g.shown(`${local}/${file}`)}' there`,
      [
        { type: 'dir_exists', machine: 'remote', path: remote },
        { type: 'file_exists', machine: 'remote', path: `${remote}/${file}`, content: c },
      ],
      localFs,
      [],
    );
  },
  upload_chmod(g) {
    const file = g.rng.pick(FILENAMES);
    const c = content(file, g.seed);
    const local = g.subdir();
    const remote = g.remoteDir();
    const perm = g.rng.pick(['755', '700', '600', '444']);
    return g.task(
      'composite',
      'upload_chmod',
      `Upload '${g.shown(`${local}/${file}`)}' to ${g.remoteShown(remote)}/ and set its permissions to ${perm}`,
      [
        { type: 'file_exists', machine: 'remote', path: `${remote}/${file}`, content: c },
        { type: 'permission_equals', machine: 'remote', path: `${remote}/${file}`, value: perm },
      ],
      [{ path: `${local}/${file}`, content: c }],
      [{ path: remote, isDir: true }],
    );
  },
  upload_delete_source(g) {
    const file = g.rng.pick(FILENAMES);
    const c = content(file, g.seed);
    const local = g.subdir();
    const remote = g.remoteDir();
    const localFs: FsSpec[] = [{ path: `${local}/${file}`, content: c }];
    g.distractors(localFs, local);
    return g.task(
      'composite',
      'upload_delete_source',
      `Upload '${g.shown(`${local}/${file}`)}' to ${g.remoteShown(remote)}/ and then delete the local copy`,
      [
        { type: 'file_exists', machine: 'remote', path: `${remote}/${file}`, content: c },
        { type: 'file_not_exists', machine: 'local', path: `${local}/${file}` },
      ],
      localFs,
      [{ path: remote, isDir: true }],
    );
  },
  pack_upload_extract(g) {
    const fmt = g.format(true);
    const dirName = g.rng.pick(DIRNAMES);
    const local = g.subdir();
    const remote = g.remoteDir();
    const src = `${local}/${dirName}`;
    const { spec, entries } = packedFiles(g, dirName, src);
    return g.task(
      'composite',
      'pack_upload_extract',
      `Pack '${g.shown(src)}' into a ${fmt} archive, upload to ${g.remoteShown(remote)}/, and extract it there`,
      Object.entries(entries).map(([rel, c]) => ({
        type: 'file_exists',
        machine: 'remote',
        path: `${remote}/${rel}`,
        content: c,
      })),
      spec,
      [{ path: remote, isDir: true }],
    );
  },
  download_rename(g) {
    const oldName = g.rng.pick(FILENAMES);
    let newName = g.rng.pick(FILENAMES);
    while (newName === oldName) newName = g.rng.pick(FILENAMES);
    const c = content(oldName, g.seed);
    const local = g.subdir();
    const remote = g.remoteDir();
    return g.task(
      'composite',
      'download_rename',
      `Download '${oldName}' from ${g.remoteShown(remote)}/ and rename it to '${newName}' in '${g.shown(local)}'`,
      [
        { type: 'file_exists', machine: 'local', path: `${local}/${newName}`, content: c },
        { type: 'file_not_exists', machine: 'local', path: `${local}/${oldName}` },
      ],
      [{ path: local, isDir: true }],
      [{ path: `${remote}/${oldName}`, content: c }],
    );
  },
  backup_replace(g) {
    const file = g.rng.pick(FILENAMES);
    const oldC = content(file, g.seed);
    const newC = content(file, g.seed + 99999);
    const local = g.subdir();
    const remote = g.remoteDir();
    const bak = `${file}.bak`;
    return g.task(
      'composite',
      'backup_replace',
      `On the remote server, rename '/${remote}/${file}' to '${bak}' as a backup, then upload the new version from ` +
        `'${g.shown(`${local}/${file}`)}'`,
      [
        { type: 'file_exists', machine: 'remote', path: `${remote}/${bak}`, content: oldC },
        { type: 'file_exists', machine: 'remote', path: `${remote}/${file}`, content: newC },
      ],
      [{ path: `${local}/${file}`, content: newC }],
      [{ path: `${remote}/${file}`, content: oldC }],
    );
  },
};

/** The integer seed of dataset row `index` of a pack (the reference's rows hold seeds below 10,000,000). */
export function rowSeed(packSeed: string, index: number): number {
  return parseInt(stableSeed('terminal/paper-row', packSeed, index).slice(0, 12), 16) % 10_000_000;
}

/** generate_task. */
export function generatePaperTask(seed: number, compositeRatio: number): PaperTerminalTask {
  const rng = Rng.of('terminal/paper-task', seed);
  const os = rng.pick<OsType>(['windows', 'mac', 'linux']);
  const host = `192.168.1.${rng.int(10, 99)}`;
  const user = rng.pick(REMOTE_USERS);
  const g = new Gen(rng, seed, os, host, user);
  if (rng.next() < compositeRatio) return COMPOSITE[rng.pick(COMPOSITE_TYPES)](g);
  return SINGLE[rng.pick(SINGLE_TYPES)](g);
}

function populate(fs: VirtualFS, specs: readonly FsSpec[]): void {
  for (const s of specs) {
    if (s.isDir) {
      fs.makedirs(s.path);
      continue;
    }
    const parent = s.path.split('/').slice(0, -1).join('/');
    if (parent) fs.makedirs(parent);
    fs.writetext(s.path, s.content ?? '');
    const meta = fs.getMeta(s.path);
    if (s.permissions !== undefined) meta.permissions = s.permissions;
    if (s.archiveType !== undefined) {
      meta.archiveType = s.archiveType;
      meta.archiveEntries = s.archiveEntries ?? null;
    }
  }
}

/** build_env_from_task: the local machine (home, the task's files) and the Linux remote. */
export function buildSim(task: PaperTerminalTask): TerminalSim {
  const home = homeDir(task.os);
  const localFs = new VirtualFS();
  localFs.makedirs(home);
  const shownHome = displayPath(home, task.os);
  const env: Record<string, string> =
    task.os === 'windows'
      ? { USERPROFILE: shownHome, USERNAME: 'user', CD: shownHome }
      : { HOME: shownHome, USER: 'user', PWD: shownHome };
  populate(localFs, task.localFs);
  const local = new MachineState(task.os, 'localhost', 'user', home, home, localFs, env);
  const remoteHome = `home/${task.remoteUser}`;
  const remoteFs = new VirtualFS();
  remoteFs.makedirs(remoteHome);
  populate(remoteFs, task.remoteFs);
  const remote = new MachineState('linux', task.remoteHost, task.remoteUser, remoteHome, remoteHome, remoteFs, {
    HOME: `/home/${task.remoteUser}`,
    USER: task.remoteUser,
    IP: task.remoteHost,
  });
  return new TerminalSim(local, remote);
}

function holds(check: GoalCheck, sim: TerminalSim): boolean {
  const fs = (check.machine === 'remote' ? sim.remote : sim.local).fs;
  switch (check.type) {
    case 'file_exists':
      return fs.isfile(check.path) && (check.content === undefined || fs.readtext(check.path) === check.content);
    case 'file_not_exists':
      return !fs.exists(check.path);
    case 'dir_exists':
      return fs.isdir(check.path);
    case 'permission_equals':
      return fs.exists(check.path) && fs.getMeta(check.path).permissions === check.value;
    case 'archive_contains': {
      if (!fs.isfile(check.path)) return false;
      const meta = fs.getMeta(check.path);
      if (meta.archiveType === null) return false;
      const actual = meta.archiveEntries ?? {};
      return Object.entries(check.entries).every(([k, v]) => Object.hasOwn(actual, k) && actual[k] === v);
    }
  }
}

/** check_goal: 1 when every check holds, else 0. */
export function checkGoal(task: PaperTerminalTask, sim: TerminalSim): number {
  return task.checks.every((c) => holds(c, sim)) ? 1 : 0;
}
