/**
 * Terminal tasks: everyday file chores as a short list of steps (create, copy, move, rename, find, permissions,
 * archive / extract, copy to the remote host). Half the tasks are composite (one object carried through several
 * steps). Each step contributes one goal on the final state. Deterministic in (pack seed, preset, index).
 */
import { Rng } from '../../seed.ts';
import { packEntries } from './archive.ts';
import type { ArchiveEntry, FsPath } from './fs.ts';
import { FileSystem, newDir, newFile } from './fs.ts';
import type { Goal, Permission } from './goals.ts';
import {
  archiveExtension,
  CATEGORIES,
  extensionsOf,
  PLACES,
  REMOTE_DIRS,
  type Category,
  type PlaceName,
  type TerminalSite,
} from './instance.ts';
import { fillerName, REMOTE_HOME, textContent, type PlacedFile } from './world.ts';

export type Target =
  | { readonly kind: 'place'; readonly place: PlaceName }
  | { readonly kind: 'folder'; readonly name: string; readonly place: PlaceName };

/** The public, structured form of a task step (the instruction text says the same). */
export type TaskStep =
  | { readonly op: 'create_dir'; readonly name: string; readonly place: PlaceName }
  | { readonly op: 'create_file'; readonly name: string; readonly place: PlaceName; readonly content: string }
  | { readonly op: 'copy' | 'move'; readonly file: string; readonly to: Target }
  | { readonly op: 'rename'; readonly file: string; readonly newName: string }
  | { readonly op: 'find_copy'; readonly prefix: string; readonly ext: string; readonly to: Target }
  | { readonly op: 'chmod'; readonly file: string; readonly perm: Permission }
  | { readonly op: 'archive'; readonly folder: string; readonly place: PlaceName; readonly to: PlaceName }
  | { readonly op: 'extract'; readonly archive: string; readonly top: string; readonly to: PlaceName }
  | { readonly op: 'upload'; readonly file: string; readonly archiveOf: string | null; readonly remoteDir: string };

export interface TerminalTask {
  readonly index: number;
  readonly composite: boolean;
  readonly steps: readonly TaskStep[];
  readonly goals: readonly Goal[];
  readonly files: readonly PlacedFile[];
  readonly extraDirs: readonly FsPath[];
}

export interface TaskMix {
  readonly compositeFraction: number;
  /** Probability that a task file also has an older, stale copy elsewhere (same name, other content). */
  readonly staleFraction: number;
  readonly minSteps: number;
  readonly maxSteps: number;
}

const WORDS = [
  'invoice',
  'handoff',
  'summary',
  'metrics',
  'backlog',
  'roadmap',
  'audit',
  'payroll',
  'release',
  'inventory',
  'forecast',
  'digest',
];
const FILE_CATEGORIES: readonly Category[] = CATEGORIES.filter((c) => c !== 'archives');

interface FileObj {
  readonly name: string;
  readonly content: string;
  readonly origin: FsPath;
  readonly category: Category;
  readonly ext: string;
}

class Builder {
  readonly files: PlacedFile[] = [];
  readonly extraDirs: FsPath[] = [];
  readonly steps: TaskStep[] = [];
  readonly goals: Goal[] = [];
  private readonly used = new Set<string>();

  constructor(
    readonly rng: Rng,
    readonly site: TerminalSite,
    private readonly staleFraction: number,
  ) {}

  place(): PlaceName {
    return this.rng.pick(PLACES);
  }

  placePath(p: PlaceName): FsPath {
    return this.site.places[p];
  }

  uniqueName(make: () => string): string {
    for (;;) {
      const n = make();
      if (!this.used.has(n.toLowerCase())) {
        this.used.add(n.toLowerCase());
        return n;
      }
    }
  }

  file(category?: Category): FileObj {
    const cat = category ?? this.rng.pick(FILE_CATEGORIES);
    const ext = this.rng.pick(extensionsOf(cat, this.site.flavour));
    const name = this.uniqueName(() => `${this.rng.pick(WORDS)}_${this.rng.int(100, 999)}${ext}`);
    const content = textContent(this.rng, `${name} (${this.site.team})`);
    const origin = [...this.site.categoryDirs[cat], name];
    // Scripts start non-executable so that "make it executable" is real work.
    this.files.push({ path: origin, content, mode: 0o644, archive: null, age: this.rng.int(60, 4000) });
    if (this.site.staleDirs.length > 0 && this.rng.next() < this.staleFraction) {
      // An older version with the same name elsewhere: the task means the most recent one.
      const stale = textContent(this.rng, `${name} (old draft)`);
      const age = this.rng.int(30, 400) * 1440;
      this.files.push({
        path: [...this.rng.pick(this.site.staleDirs), name],
        content: stale,
        mode: 0o644,
        archive: null,
        age,
      });
    }
    return { name, content, origin, category: cat, ext };
  }

  newName(f: FileObj): string {
    const base = f.name.slice(0, f.name.length - f.ext.length);
    return this.uniqueName(
      () => `${base}${this.rng.pick(['_final', '-v2', '_approved', '_' + this.rng.int(2020, 2025)])}${f.ext}`,
    );
  }

  permFor(f: FileObj): Permission {
    if (this.site.flavour === 'windows') return this.rng.pick<Permission>(['readonly', 'hidden']);
    if (f.category === 'scripts') return 'exec';
    return this.rng.pick<Permission>(['private', 'readonly']);
  }

  remoteDir(): string {
    return this.rng.pick(REMOTE_DIRS);
  }

  add(step: TaskStep, goal: Goal): void {
    this.steps.push(step);
    this.goals.push(goal);
  }

  /** The step "copy local file `name` to a remote folder" and its goal. */
  upload(name: string, content: string): void {
    const r = this.remoteDir();
    this.add(
      { op: 'upload', file: name, archiveOf: null, remoteDir: r },
      {
        description: `${name} copied to ${shownRemote(r, name)}`,
        machine: 'remote',
        all: [{ type: 'file', path: remotePath(r, name), content }],
      },
    );
  }

  /** The step "give file `name` (of kind `f`, now at `path`) a permission" and its goal. */
  chmod(f: FileObj, name: string, path: FsPath, flavourPath: (p: FsPath) => string): void {
    const perm = this.permFor(f);
    this.add(
      { op: 'chmod', file: name, perm },
      { description: `${flavourPath(path)} is ${perm}`, machine: 'local', all: [{ type: 'perm', path, perm }] },
    );
  }
}

const join = (p: FsPath, ...rest: string[]) => [...p, ...rest];
const remotePath = (dir: string, name: string): FsPath => [...REMOTE_HOME, dir, name];
const shownRemote = (dir: string, name: string) => `~/${dir}/${name} on remote_host`;

/** copy or move F into a place, send it to the remote host, rename it, set its permissions (first k steps). */
function carry(b: Builder, k: number, op: 'copy' | 'move', flavourPath: (p: FsPath) => string): void {
  const f = b.file();
  const p = b.place();
  const dest = b.placePath(p);
  if (op === 'copy') {
    b.add(
      { op: 'copy', file: f.name, to: { kind: 'place', place: p } },
      {
        description: `a copy of ${f.name} in ${flavourPath(dest)}, original kept at ${flavourPath(f.origin)}`,
        machine: 'local',
        all: [
          { type: 'file', path: f.origin, content: f.content },
          { type: 'contentIn', dir: dest, content: f.content },
        ],
      },
    );
  } else {
    b.add(
      { op: 'move', file: f.name, to: { kind: 'place', place: p } },
      {
        description: `${f.name} moved from ${flavourPath(f.origin)} into ${flavourPath(dest)}`,
        machine: 'local',
        all: [
          { type: 'absent', path: f.origin },
          { type: 'contentIn', dir: dest, content: f.content },
        ],
      },
    );
  }
  if (k < 2) return;
  b.upload(f.name, f.content);
  if (k < 3) return;
  const g = b.newName(f);
  b.add(
    { op: 'rename', file: f.name, newName: g },
    {
      description: `${f.name} renamed to ${g} in ${flavourPath(dest)}`,
      machine: 'local',
      all: [
        { type: 'file', path: join(dest, g), content: f.content },
        { type: 'absent', path: join(dest, f.name) },
      ],
    },
  );
  if (k < 4) return;
  b.chmod(f, g, join(dest, g), flavourPath);
}

/** A new folder in a place, files copied into it, the folder archived into another place, the archive uploaded. */
function bundle(b: Builder, k: number, flavourPath: (p: FsPath) => string): void {
  const p = b.place();
  const folder = b.uniqueName(() => `${b.site.team}-${b.rng.pick(WORDS)}-${b.rng.int(10, 99)}`);
  const dir = join(b.placePath(p), folder);
  b.add(
    { op: 'create_dir', name: folder, place: p },
    { description: `folder ${flavourPath(dir)} exists`, machine: 'local', all: [{ type: 'dir', path: dir }] },
  );
  const members: Array<{ folder: string; name: string; content: string }> = [];
  for (let i = 0; i < 2 && b.steps.length < k; i++) {
    const f = b.file();
    members.push({ folder, name: f.name, content: f.content });
    b.add(
      { op: 'copy', file: f.name, to: { kind: 'folder', name: folder, place: p } },
      {
        description: `a copy of ${f.name} in ${flavourPath(dir)}, original kept`,
        machine: 'local',
        all: [
          { type: 'file', path: join(dir, f.name), content: f.content },
          { type: 'file', path: f.origin, content: f.content },
        ],
      },
    );
  }
  if (b.steps.length >= k) return;
  const q = b.place();
  const ext = archiveExtension(b.site);
  b.add(
    { op: 'archive', folder, place: p, to: q },
    {
      description: `an archive ${folder}${ext} (or another archive format) in ${flavourPath(b.placePath(q))} holding ${folder}/ with its files`,
      machine: 'local',
      all: [{ type: 'archive', dir: b.placePath(q), baseName: folder, members }],
    },
  );
  if (b.steps.length >= k) return;
  const r = b.remoteDir();
  b.add(
    { op: 'upload', file: `${folder}${ext}`, archiveOf: folder, remoteDir: r },
    {
      description: `the archive of ${folder} copied to ~/${r} on remote_host`,
      machine: 'remote',
      all: [{ type: 'archive', dir: [...REMOTE_HOME, r], baseName: folder, members }],
    },
  );
}

/** An archive is extracted into a place; one extracted file is moved elsewhere, uploaded, restricted. */
function unpack(b: Builder, k: number, flavourPath: (p: FsPath) => string): void {
  const top = b.uniqueName(() => `${b.rng.pick(WORDS)}-kit`);
  const before = b.files.length;
  const inner = [b.file(), b.file(), b.file()];
  // The inner files exist only inside the archive, not loose on disk (nor as stale copies).
  b.files.splice(before);
  const scratch = new FileSystem(false);
  scratch.root.children.set(top, newDir());
  for (const f of inner) scratch.put([top, f.name], newFile(f.content));
  const entries: ArchiveEntry[] = packEntries(scratch, [top], [top]);
  const ext = archiveExtension(b.site);
  const archiveName = b.uniqueName(() => `${top}${ext}`);
  b.files.push({
    path: [...b.site.categoryDirs.archives, archiveName],
    content: '',
    mode: 0o644,
    archive: { format: ext === '.zip' ? 'zip' : 'tar.gz', entries },
  });
  const p = b.place();
  const x = inner[0];
  const rest = k >= 2 ? inner.slice(1) : inner;
  b.add(
    { op: 'extract', archive: archiveName, top, to: p },
    {
      description: `the files of ${archiveName} extracted under ${flavourPath(b.placePath(p))}`,
      machine: 'local',
      all: rest.map((f) => ({ type: 'fileUnder' as const, dir: b.placePath(p), name: f.name, content: f.content })),
    },
  );
  if (k < 2) return;
  const q = b.place();
  const from = join(b.placePath(p), top, x.name);
  const to = join(b.placePath(q), x.name);
  b.add(
    { op: 'move', file: x.name, to: { kind: 'place', place: q } },
    {
      description: `${x.name} moved from ${flavourPath(from)} to ${flavourPath(to)}`,
      machine: 'local',
      all: [
        { type: 'file', path: to, content: x.content },
        { type: 'absent', path: from },
      ],
    },
  );
  if (k < 3) return;
  b.upload(x.name, x.content);
  if (k < 4) return;
  b.chmod(x, x.name, to, flavourPath);
}

/** One-step chores that are not a prefix of a composite template. */
function single(b: Builder, flavourPath: (p: FsPath) => string): void {
  const kind = b.rng.pick(['create_file', 'rename', 'find_copy', 'chmod', 'archive', 'upload'] as const);
  switch (kind) {
    case 'create_file': {
      const p = b.place();
      const name = b.uniqueName(() => `${b.rng.pick(WORDS)}_notes.txt`);
      const content = `${b.rng.pick(WORDS)} ${b.rng.int(100, 999)} ready`;
      const path = join(b.placePath(p), name);
      b.add(
        { op: 'create_file', name, place: p, content },
        {
          description: `${flavourPath(path)} contains "${content}"`,
          machine: 'local',
          all: [{ type: 'file', path, content }],
        },
      );
      return;
    }
    case 'rename': {
      const f = b.file();
      const g = b.newName(f);
      const dir = f.origin.slice(0, -1);
      b.add(
        { op: 'rename', file: f.name, newName: g },
        {
          description: `${f.name} renamed to ${g} in ${flavourPath(dir)}`,
          machine: 'local',
          all: [
            { type: 'file', path: join(dir, g), content: f.content },
            { type: 'absent', path: f.origin },
          ],
        },
      );
      return;
    }
    case 'find_copy': {
      const f = b.file();
      const p = b.place();
      const prefix = f.name.slice(0, f.name.indexOf('_') + 3);
      b.add(
        { op: 'find_copy', prefix, ext: f.ext, to: { kind: 'place', place: p } },
        {
          description: `a copy of ${f.name} (found at ${flavourPath(f.origin)}) in ${flavourPath(b.placePath(p))}`,
          machine: 'local',
          all: [
            { type: 'contentIn', dir: b.placePath(p), content: f.content },
            { type: 'file', path: f.origin, content: f.content },
          ],
        },
      );
      return;
    }
    case 'chmod': {
      const f = b.file();
      b.chmod(f, f.name, f.origin, flavourPath);
      return;
    }
    case 'archive': {
      const p = b.place();
      const q = b.place();
      const folder = b.uniqueName(() => `${b.site.team}-${b.rng.pick(WORDS)}-${b.rng.int(10, 99)}`);
      const dir = join(b.placePath(p), folder);
      b.extraDirs.push(dir);
      const members = [0, 1].map(() => {
        const name = fillerName(b.rng, '.txt');
        const content = textContent(b.rng, `${folder}/${name}`);
        b.files.push({ path: join(dir, name), content, mode: 0o644, archive: null });
        return { folder, name, content };
      });
      b.add(
        { op: 'archive', folder, place: p, to: q },
        {
          description: `an archive of ${folder} (${flavourPath(dir)}) in ${flavourPath(b.placePath(q))}`,
          machine: 'local',
          all: [{ type: 'archive', dir: b.placePath(q), baseName: folder, members }],
        },
      );
      return;
    }
    case 'upload': {
      const f = b.file();
      b.upload(f.name, f.content);
      return;
    }
  }
}

export function terminalTask(
  site: TerminalSite,
  mix: TaskMix,
  seed: string,
  preset: string,
  index: number,
  flavourPath: (p: FsPath) => string,
): TerminalTask {
  const rng = Rng.of('terminal', seed, preset, 'task', index);
  const b = new Builder(rng, site, mix.staleFraction);
  const composite = rng.next() < mix.compositeFraction;
  const templates = ['copy', 'move', 'bundle', 'unpack'] as const;
  type Template = (typeof templates)[number];
  const cap = (t: Template) => (t === 'bundle' ? 5 : 4);
  const run = (t: Template, k: number) => {
    if (t === 'bundle') bundle(b, k, flavourPath);
    else if (t === 'unpack') unpack(b, k, flavourPath);
    else carry(b, k, t, flavourPath);
  };
  if (composite) {
    // Several chores in one task: one chain, or two chains when the task is long.
    const total = rng.int(mix.minSteps, mix.maxSteps);
    const first = rng.pick(templates);
    if (total <= 3) run(first, Math.min(total, cap(first)));
    else {
      const k1 = Math.min(cap(first), rng.int(2, total - 2));
      const second = rng.pick(templates.filter((t) => t !== first));
      run(first, k1);
      run(second, Math.min(cap(second), total - k1));
    }
  } else if (rng.next() < 0.4) {
    run(rng.pick(templates), 1);
  } else {
    single(b, flavourPath);
  }
  return { index, composite, steps: b.steps, goals: b.goals, files: b.files, extraDirs: b.extraDirs };
}

function targetText(t: Target): string {
  return t.kind === 'place' ? `the "${t.place}" folder` : `the folder "${t.name}" (inside "${t.place}")`;
}

const PERM_TEXT: Readonly<Record<Permission, string>> = {
  exec: 'executable by its owner',
  private: 'readable and writable by its owner only (mode 600)',
  readonly: 'read-only',
  hidden: 'hidden (the hidden file attribute)',
};

export function stepText(s: TaskStep): string {
  switch (s.op) {
    case 'create_dir':
      return `Create a folder named "${s.name}" inside the "${s.place}" folder.`;
    case 'create_file':
      return `Create a file named "${s.name}" inside the "${s.place}" folder containing exactly the text: ${s.content}`;
    case 'copy':
      return `Copy the file "${s.file}" into ${targetText(s.to)}, keeping the original where it is.`;
    case 'move':
      return `Move the file "${s.file}" into ${targetText(s.to)}.`;
    case 'rename':
      return `Rename the file "${s.file}" to "${s.newName}" (in the folder where it is).`;
    case 'find_copy':
      return `Somewhere on this machine is one file whose name starts with "${s.prefix}" and ends with "${s.ext}"; copy it into ${targetText(s.to)}.`;
    case 'chmod':
      return `Make the file "${s.file}" ${PERM_TEXT[s.perm]}.`;
    case 'archive':
      return `Pack the folder "${s.folder}" (inside "${s.place}") into one archive named "${s.folder}.zip" or "${s.folder}.tar.gz" (whichever this machine can make) in the "${s.to}" folder; the archive must contain the folder "${s.folder}" and its files.`;
    case 'extract':
      return `Extract the archive "${s.archive}" (it holds a folder "${s.top}") into the "${s.to}" folder.`;
    case 'upload':
      return s.archiveOf
        ? `Copy the archive of "${s.archiveOf}" you made to the remote host remote_user@remote_host, into its folder ~/${s.remoteDir}.`
        : `Copy the file "${s.file}" to the remote host remote_user@remote_host, into its folder ~/${s.remoteDir}.`;
  }
}
