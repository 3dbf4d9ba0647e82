/**
 * The Terminal oracle's per-task planner. It works through the task's steps; whatever it does not know (where a
 * file or folder is, which archiver or copier exists, which SSH port is open) it finds out with commands — a search,
 * or trying the next candidate after "command not found" / "Connection refused" — and it reads every output to
 * learn. What its notes claim is used first and dropped when the machine contradicts it.
 */
import type { ArchiveTool, RemoteTool } from './context.ts';
import type { Flavour } from './flavour.ts';
import { listedTime } from './clock.ts';
import { matchName } from './glob.ts';
import type { Knowledge } from './knowledge.ts';
import type { PlaceName } from './instance.ts';
import type { TaskStep } from './task.ts';

type Search =
  | { readonly what: 'file'; readonly name: string; readonly pattern: string; scope: number }
  | { readonly what: 'folder'; readonly name: string; scope: number }
  | { readonly what: 'place'; readonly place: PlaceName; scope: number };

interface OpUse {
  readonly step: number;
  readonly srcName?: string;
  readonly srcGuess?: 'notes' | 'extract';
  /** Named folders the command relied on. */
  readonly places?: readonly PlaceName[];
  readonly archiveTool?: ArchiveTool;
  readonly remoteTool?: RemoteTool;
  readonly port?: number;
  readonly template?: string;
  readonly effect: () => void;
}

/**
 * The oracle's own prior of SSH ports worth trying, most common first: world knowledge an admin would have
 * (22, then the usual alternatives), not read from the simulator's configuration.
 */
const COMMON_SSH_PORTS = [22, 2222, 2022, 2200, 8022, 22222];

type Compare = { readonly name: string; readonly candidates: readonly string[] };

type Pending =
  | { readonly kind: 'search'; readonly search: Search }
  | { readonly kind: 'compare'; readonly compare: Compare }
  | { readonly kind: 'op'; readonly use: OpUse };

export function guessFlavour(prompt: string): Flavour {
  if (/^[A-Za-z]:\\.*>$/.test(prompt.trim())) return 'windows';
  if (/ %$/.test(prompt.trim())) return 'macos';
  return 'linux';
}

/** ".tar.gz" for tarballs, else the last extension, lower-cased. */
export function extensionOf(name: string): string {
  const low = name.toLowerCase();
  if (low.endsWith('.tar.gz')) return '.tar.gz';
  const dot = low.lastIndexOf('.');
  return dot > 0 ? low.slice(dot) : '';
}

const MISSING_TOOL =
  /command not found|is not recognized as an internal or external command|is not recognized as the name of a cmdlet/i;
const REFUSED = /Connection refused/i;
const OVERWRITE = /Overwrite .*\(Yes\/No\/All\)|already exists/i;
/** Any sign that a command did not do its job, in the tools' own wording. */
const FAILED =
  /No such file|cannot|can't|not found|could not|does not exist|denied|not permitted|invalid|usage:|incorrect|not matched|nothing to do|refused|not recognized|failed|error|is a directory|not a directory|0 file\(s\)|Are you sure|\(Yes\/No\/All\)/i;

export class TerminalPlanner {
  readonly flavour: Flavour;
  private stepIndex = 0;
  private attempts = 0;
  private force = false;
  private pending: Pending | null = null;
  private readonly loc = new Map<string, string>();
  private readonly noGuess = new Set<string>();
  private readonly verifiedPlaces = new Set<PlaceName>();
  private readonly verifiedExt = new Set<string>();
  private readonly archives = new Map<string, string>();
  private extractRoot: string | null = null;
  /** Names the last extraction listed (empty when the tool printed nothing). */
  private readonly extracted = new Set<string>();
  /** Several files with the searched name: compare their dates next. */
  private compare: Compare | null = null;
  /** Other folders with a place's name, to try if the first one refuses us. */
  private readonly placeAlternatives = new Map<PlaceName, string[]>();
  private readonly searchedPlaces = new Set<PlaceName>();
  /** Names a search could not find anywhere: steps that need them are skipped. */
  private readonly unfindable = new Set<string>();
  /** Command shapes that worked, for the notes. */
  readonly worked = new Map<string, string>();

  constructor(
    readonly known: Knowledge,
    prompt: string,
    private readonly steps: readonly TaskStep[],
  ) {
    this.flavour = guessFlavour(prompt);
    known.flavour = this.flavour;
  }

  private get win(): boolean {
    return this.flavour === 'windows';
  }

  private get sep(): string {
    return this.win ? '\\' : '/';
  }

  private join(dir: string, name: string): string {
    return dir.endsWith(this.sep) ? dir + name : dir + this.sep + name;
  }

  private dirname(path: string): string {
    const i = path.lastIndexOf(this.sep);
    return i <= 0 ? (this.win ? path.slice(0, 3) : '/') : path.slice(0, i);
  }

  private basename(path: string): string {
    return path.slice(path.lastIndexOf(this.sep) + 1);
  }

  /** Quote a path for the shell: always on cmd, when needed on POSIX. */
  private q(path: string): string {
    if (this.win) return `"${path}"`;
    return /[^A-Za-z0-9_./~+-]/.test(path) ? `'${path.replace(/'/g, "'\\''")}'` : path;
  }

  private key(name: string): string {
    return this.win || this.flavour === 'macos' ? name.toLowerCase() : name;
  }

  /** What is worth writing down: a folder found by search counts only once a command worked in it. */
  forNotes(): Knowledge {
    const places = new Map(
      [...this.known.places].filter(([p]) => !this.searchedPlaces.has(p) || this.verifiedPlaces.has(p)),
    );
    return {
      ...this.known,
      places,
      missingTools: new Set(this.known.missingTools),
      refusedPorts: new Set(this.known.refusedPorts),
      extDirs: new Map(this.known.extDirs),
    };
  }

  /** The next command to type. */
  next(): string {
    if (this.compare) {
      const c = this.compare;
      this.compare = null;
      this.pending = { kind: 'compare', compare: c };
      return this.win
        ? `dir ${c.candidates.map((x) => `"${x}"`).join(' ')}`
        : `ls -l ${c.candidates.map((x) => this.q(x)).join(' ')}`;
    }
    for (let guard = 0; guard < 30; guard++) {
      if (this.stepIndex >= this.steps.length) return 'exit';
      const cmd = this.plan(this.steps[this.stepIndex]);
      if (cmd !== null) return cmd;
      this.skip();
    }
    return 'exit';
  }

  private skip(): void {
    this.stepIndex++;
    this.attempts = 0;
    this.force = false;
  }

  // ---- reading outputs -------------------------------------------------------------------------------------

  observe(output: string): void {
    const p = this.pending;
    this.pending = null;
    if (!p) return;
    if (p.kind === 'search') this.observeSearch(p.search, output);
    else if (p.kind === 'compare') this.observeCompare(p.compare, output);
    else this.observeOp(p.use, output);
  }

  private matchesOf(output: string): string[] {
    const abs = this.win ? /^[A-Za-z]:\\/ : /^\//;
    return output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => abs.test(l));
  }

  private observeSearch(s: Search, output: string): void {
    const lines = this.matchesOf(output);
    const id = this.searchId(s);
    if (s.what === 'file') {
      const hits = lines.filter((l) => matchName(s.pattern, this.basename(l), this.win));
      if (hits.length > 0) {
        this.searches.delete(id);
        if (hits.length > 1) this.compare = { name: s.name, candidates: hits.slice(0, 4) };
        else this.found(s.name, hits[0]);
        return;
      }
    } else if (s.what === 'folder') {
      const hit = lines.find((l) => this.key(this.basename(l)) === this.key(s.name));
      if (hit) {
        this.searches.delete(id);
        this.loc.set(this.key(s.name), hit);
        return;
      }
    } else {
      const hits = lines.filter((l) =>
        this.win ? this.basename(l).toLowerCase() === s.place : this.basename(l) === s.place,
      );
      if (hits.length > 0) {
        this.searches.delete(id);
        this.known.places.set(s.place, hits[0]);
        this.placeAlternatives.set(s.place, hits.slice(1));
        this.searchedPlaces.add(s.place);
        return;
      }
    }
    s.scope++;
    if (s.scope >= this.searchCommands(s).length) {
      // Nowhere to be found: give up on this step (and later ones that need it) rather than loop.
      this.searches.delete(id);
      if (s.what !== 'place') this.unfindable.add(this.key(s.name));
      this.skip();
    }
  }

  private found(name: string, path: string): void {
    this.loc.set(this.key(name), path);
    const ext = extensionOf(this.basename(path));
    if (ext) {
      this.known.extDirs.set(ext, this.dirname(path));
      this.verifiedExt.add(ext);
    }
  }

  /** Pick the most recently modified of several same-named files from an `ls -l` or `dir` listing. */
  private observeCompare(c: Compare, output: string): void {
    const times = new Map<string, number>();
    let dir = '';
    for (const raw of output.split('\n')) {
      const line = raw.trimEnd();
      const header = /^\s*Directory of (.+)$/.exec(line);
      if (header) {
        dir = header[1].trim();
        continue;
      }
      const t = listedTime(line);
      if (t === null) continue;
      const full = this.win
        ? this.join(dir, line.split(/\s+/).pop() ?? '')
        : (c.candidates.find((x) => line.endsWith(' ' + x)) ?? '');
      const hit = c.candidates.find((x) => (this.win ? x.toLowerCase() === full.toLowerCase() : x === full));
      if (hit) times.set(hit, t);
    }
    let best = c.candidates[0];
    for (const x of c.candidates) if ((times.get(x) ?? -Infinity) > (times.get(best) ?? -Infinity)) best = x;
    this.found(c.name, best);
  }

  /**
   * A folder found by name may be a read-only namesake: move to the next folder of that name (or search again when
   * the notes' folder failed). Returns false when no named folder is in doubt.
   */
  private suspectPlace(use: OpUse): boolean {
    for (const place of use.places ?? []) {
      if (this.verifiedPlaces.has(place)) continue;
      const next = this.placeAlternatives.get(place)?.shift();
      if (next) this.known.places.set(place, next);
      else if (!this.searchedPlaces.has(place)) this.known.places.delete(place);
      else continue;
      return true;
    }
    return false;
  }

  private readonly searches = new Map<string, Search>();

  private searchId(s: Search): string {
    return s.what === 'place' ? `place:${s.place}` : `${s.what}:${this.key(s.name)}`;
  }

  private searchFor(s: Search): Search {
    const id = this.searchId(s);
    const existing = this.searches.get(id);
    if (existing) return existing;
    this.searches.set(id, s);
    return s;
  }

  private observeOp(use: OpUse, output: string): void {
    if (FAILED.test(output)) {
      this.attempts++;
      if (MISSING_TOOL.test(output)) {
        const tool = use.archiveTool ?? use.remoteTool;
        if (tool) {
          this.known.missingTools.add(tool);
          if (this.known.archiveTool === tool) this.known.archiveTool = null;
          if (this.known.remoteTool === tool) this.known.remoteTool = null;
        }
      } else if (REFUSED.test(output) && use.port !== undefined) {
        this.known.refusedPorts.add(use.port);
        if (this.known.port === use.port) this.known.port = null;
        if (use.remoteTool) this.known.remoteTool = use.remoteTool;
      } else if (use.srcName && use.srcGuess) {
        // An unconfirmed guess of where the file is: the first suspect.
        this.noGuess.add(this.key(use.srcName));
        if (use.srcGuess === 'notes') this.known.extDirs.delete(extensionOf(use.srcName));
      } else if (!this.suspectPlace(use) && OVERWRITE.test(output)) {
        this.force = true;
      }
      if (this.attempts > 6) this.skip();
      return;
    }
    // It worked: what it relied on is now confirmed.
    if (use.srcName && use.srcGuess === 'notes') this.verifiedExt.add(extensionOf(use.srcName));
    for (const place of use.places ?? []) this.verifiedPlaces.add(place);
    if (use.archiveTool) this.known.archiveTool = use.archiveTool;
    if (use.remoteTool) this.known.remoteTool = use.remoteTool;
    if (use.port !== undefined) this.known.port = use.port;
    if (use.template) this.worked.set(use.template.split(':')[0], use.template.slice(use.template.indexOf(':') + 1));
    use.effect();
    if (use.template?.startsWith('extract:')) {
      // Verbose extraction lists the members: remember which names came out of the archive.
      this.extracted.clear();
      for (const line of output.split('\n')) {
        const m = /^(?:\s*inflating:\s*|x\s+)?(.+?)\s*$/.exec(line);
        const base = m ? m[1].split(/[\\/]/).pop() : '';
        if (base) this.extracted.add(this.key(base));
      }
    }
    this.skip();
  }

  // ---- planning ----------------------------------------------------------------------------------------------

  /** One search covers the whole machine, so every copy of a name shows up at once. */
  private searchCommands(s: Search): string[] {
    if (s.what === 'file') {
      if (this.win) return [`dir /s /b "C:\\${s.pattern}" "D:\\${s.pattern}"`];
      return [`find / -name '${s.pattern}'`];
    }
    const name = s.what === 'folder' ? s.name : s.place;
    // dir lists the contents of an existing folder, so search with a wildcard and keep exact names.
    if (this.win) return [`dir /s /b /ad "C:\\${name}*" "D:\\${name}*"`];
    return [`find / -type d -name ${name}`];
  }

  private search(s: Search): string {
    const cmds = this.searchCommands(s);
    this.pending = { kind: 'search', search: s };
    return cmds[Math.min(s.scope, cmds.length - 1)];
  }

  private locate(name: string): { path: string; guess?: 'notes' | 'extract' } | Search {
    const k = this.key(name);
    const known = this.loc.get(k);
    if (known) return { path: known };
    if (this.unfindable.has(k)) return { path: '' };
    if (!this.noGuess.has(k)) {
      if (this.extractRoot && (this.extracted.size === 0 || this.extracted.has(k))) {
        return { path: this.join(this.extractRoot, name), guess: 'extract' };
      }
      const dir = this.known.extDirs.get(extensionOf(name));
      if (dir)
        return { path: this.join(dir, name), guess: this.verifiedExt.has(extensionOf(name)) ? undefined : 'notes' };
    }
    return this.searchFor({ what: 'file', name, pattern: name, scope: 0 });
  }

  private placePath(place: PlaceName): string | Search {
    const p = this.known.places.get(place);
    if (p) return p;
    return this.searchFor({ what: 'place', place, scope: 0 });
  }

  private archiveTools(): ArchiveTool[] {
    const order: ArchiveTool[] = this.win ? ['tar', 'powershell'] : ['tar', 'zip'];
    const preferred = this.known.archiveTool && order.includes(this.known.archiveTool) ? [this.known.archiveTool] : [];
    return [...preferred, ...order.filter((t) => t !== this.known.archiveTool)].filter(
      (t) => !this.known.missingTools.has(t),
    );
  }

  private remoteTools(): RemoteTool[] {
    const order: RemoteTool[] = this.win ? ['scp', 'pscp'] : ['scp', 'rsync'];
    const preferred = this.known.remoteTool && order.includes(this.known.remoteTool) ? [this.known.remoteTool] : [];
    return [...preferred, ...order.filter((t) => t !== this.known.remoteTool)].filter(
      (t) => !this.known.missingTools.has(t),
    );
  }

  private ports(): number[] {
    const preferred = this.known.port !== null ? [this.known.port] : [];
    return [...preferred, ...COMMON_SSH_PORTS.filter((p) => p !== this.known.port)].filter(
      (p) => !this.known.refusedPorts.has(p),
    );
  }

  private op(use: OpUse, cmd: string): string {
    this.pending = { kind: 'op', use };
    return cmd;
  }

  private plan(step: TaskStep): string | null {
    const i = this.stepIndex;
    const win = this.win;
    switch (step.op) {
      case 'create_dir':
      case 'create_file': {
        const pp = this.placePath(step.place);
        if (typeof pp !== 'string') return this.search(pp);
        const path = this.join(pp, step.name);
        const effect = () => this.loc.set(this.key(step.name), path);
        if (step.op === 'create_dir') {
          return this.op(
            { step: i, places: [step.place], effect },
            win ? `mkdir ${this.q(path)}` : `mkdir -p ${this.q(path)}`,
          );
        }
        return this.op(
          { step: i, places: [step.place], effect },
          win ? `echo ${step.content}> ${this.q(path)}` : `echo '${step.content}' > ${this.q(path)}`,
        );
      }
      case 'copy':
      case 'move':
      case 'find_copy': {
        const name = step.op === 'find_copy' ? null : step.file;
        const pattern = step.op === 'find_copy' ? `${step.prefix}*${step.ext}` : '';
        let src: { path: string; guess?: 'notes' | 'extract' } | Search;
        if (name !== null) src = this.locate(name);
        else {
          const found = this.loc.get(this.key(pattern));
          const dir = this.known.extDirs.get(extensionOf(pattern));
          if (found) src = { path: found };
          else if (dir && !this.noGuess.has(this.key(pattern))) src = { path: this.join(dir, pattern), guess: 'notes' };
          else src = this.searchFor({ what: 'file', name: pattern, pattern, scope: 0 });
        }
        if (!('path' in src)) return this.search(src);
        if (src.path === '') return null;
        const destBase = this.placePath(step.to.place);
        if (typeof destBase !== 'string') return this.search(destBase);
        const dest =
          step.to.kind === 'folder'
            ? (this.loc.get(this.key(step.to.name)) ?? this.join(destBase, step.to.name))
            : destBase;
        const fileName = name ?? this.basename(src.path);
        const effect = () => this.loc.set(this.key(name ?? fileName), this.join(dest, fileName));
        const use = { step: i, srcName: name ?? pattern, srcGuess: src.guess, places: [step.to.place], effect };
        const verb = step.op === 'move' ? (win ? 'move' : 'mv') : win ? 'copy' : 'cp';
        const srcArg = !win && src.path.includes('*') ? src.path : this.q(src.path);
        const force = win && this.force ? ' /Y' : '';
        const destArg = win ? this.q(dest) : this.q(`${dest}/`);
        return this.op(use, `${verb}${force} ${srcArg} ${destArg}`);
      }
      case 'rename': {
        const src = this.locate(step.file);
        if (!('path' in src)) return this.search(src);
        if (src.path === '') return null;
        const target = this.join(this.dirname(src.path), step.newName);
        const effect = () => {
          this.loc.delete(this.key(step.file));
          this.loc.set(this.key(step.newName), target);
        };
        const cmd = win ? `ren ${this.q(src.path)} "${step.newName}"` : `mv ${this.q(src.path)} ${this.q(target)}`;
        return this.op({ step: i, srcName: step.file, srcGuess: src.guess, effect }, cmd);
      }
      case 'chmod': {
        const src = this.locate(step.file);
        if (!('path' in src)) return this.search(src);
        if (src.path === '') return null;
        const posixMode = step.perm === 'exec' ? 'u+x' : step.perm === 'private' ? '600' : 'a-w';
        const cmd = win
          ? `attrib ${step.perm === 'hidden' ? '+h' : '+r'} ${this.q(src.path)}`
          : `chmod ${posixMode} ${this.q(src.path)}`;
        return this.op({ step: i, srcName: step.file, srcGuess: src.guess, effect: () => undefined }, cmd);
      }
      case 'archive': {
        // The folder has a unique name: find it directly rather than through its (possibly ambiguous) place.
        let folder = this.loc.get(this.key(step.folder));
        if (!folder) {
          const known = this.known.places.get(step.place);
          if (known && this.verifiedPlaces.has(step.place)) folder = this.join(known, step.folder);
          else if (this.unfindable.has(this.key(step.folder))) return null;
          else return this.search(this.searchFor({ what: 'folder', name: step.folder, scope: 0 }));
        }
        const to = this.placePath(step.to);
        if (typeof to !== 'string') return this.search(to);
        const tool = this.archiveTools()[0];
        if (!tool) return null;
        const parent = this.dirname(folder);
        const ext = tool === 'tar' && !win ? '.tar.gz' : '.zip';
        const out = this.join(to, step.folder + ext);
        const effect = () => {
          this.archives.set(step.folder, out);
          this.loc.set(this.key(step.folder + ext), out);
        };
        const cmds: Record<ArchiveTool, string> = {
          tar: win
            ? `tar -a -c -f ${this.q(out)} -C ${this.q(parent)} ${this.q(step.folder)}`
            : `tar -czf ${this.q(out)} -C ${this.q(parent)} ${step.folder}`,
          zip: `zip -r ${this.q(out)} ${this.q(folder)}`,
          powershell: `powershell -Command Compress-Archive -Path '${folder}' -DestinationPath '${out}'`,
        };
        const shapes: Record<ArchiveTool, string> = {
          tar: win ? 'tar -a -c -f OUT.zip -C PARENT FOLDER' : 'tar -czf OUT.tar.gz -C PARENT FOLDER',
          zip: 'zip -r OUT.zip FOLDER',
          powershell: "powershell -Command Compress-Archive -Path 'FOLDER' -DestinationPath 'OUT.zip'",
        };
        return this.op(
          { step: i, places: [step.to], archiveTool: tool, template: `archive:${shapes[tool]}`, effect },
          cmds[tool],
        );
      }
      case 'extract': {
        const src = this.locate(step.archive);
        if (!('path' in src)) return this.search(src);
        if (src.path === '') return null;
        const to = this.placePath(step.to);
        if (typeof to !== 'string') return this.search(to);
        const isZip = extensionOf(step.archive) === '.zip';
        // On a POSIX machine the archive's format says which tool it needs.
        const tool: ArchiveTool | undefined = win ? this.archiveTools()[0] : isZip ? 'zip' : 'tar';
        if (!tool) return null;
        const effect = () => {
          this.extractRoot = this.join(to, step.top);
        };
        const cmds: Record<ArchiveTool, string> = {
          tar: win ? `tar -xvf ${this.q(src.path)} -C ${this.q(to)}` : `tar -xzvf ${this.q(src.path)} -C ${this.q(to)}`,
          zip: `unzip ${this.q(src.path)} -d ${this.q(to)}`,
          powershell: `powershell -Command Expand-Archive -Path '${src.path}' -DestinationPath '${to}'`,
        };
        const shapes: Record<ArchiveTool, string> = {
          tar: win ? 'tar -xvf ARCHIVE -C DEST' : 'tar -xzvf ARCHIVE.tar.gz -C DEST',
          zip: 'unzip ARCHIVE.zip -d DEST',
          powershell: "powershell -Command Expand-Archive -Path 'ARCHIVE' -DestinationPath 'DEST'",
        };
        return this.op(
          {
            step: i,
            srcName: step.archive,
            srcGuess: src.guess,
            places: [step.to],
            archiveTool: tool,
            template: `extract:${shapes[tool]}`,
            effect,
          },
          cmds[tool],
        );
      }
      case 'upload': {
        let srcPath: string;
        let guess: 'notes' | 'extract' | undefined;
        if (step.archiveOf) {
          const made = this.archives.get(step.archiveOf);
          if (!made) return null;
          srcPath = made;
        } else {
          const src = this.locate(step.file);
          if (!('path' in src)) return this.search(src);
          if (src.path === '') return null;
          srcPath = src.path;
          guess = src.guess;
        }
        const tool = this.remoteTools()[0];
        const port = this.ports()[0];
        if (!tool || port === undefined) return null;
        const dest = `remote_user@remote_host:${step.remoteDir}/`;
        const cmds: Record<RemoteTool, string> = {
          scp: win
            ? `scp -P ${port} ${this.q(srcPath)} ${dest}`
            : `scp ${port === 22 ? '' : `-P ${port} `}${this.q(srcPath)} ${dest}`,
          rsync: `rsync -av ${port === 22 ? '' : `-e 'ssh -p ${port}' `}${this.q(srcPath)} ${dest}`,
          pscp: `pscp -P ${port} ${this.q(srcPath)} ${dest}`,
        };
        const shapes: Record<RemoteTool, string> = {
          scp: `scp -P ${port} FILE remote_user@remote_host:DIR/`,
          rsync: `rsync -av -e 'ssh -p ${port}' FILE remote_user@remote_host:DIR/`,
          pscp: `pscp -P ${port} FILE remote_user@remote_host:DIR/`,
        };
        const use = {
          step: i,
          srcName: step.archiveOf ? undefined : step.file,
          srcGuess: guess,
          remoteTool: tool,
          port,
          template: `upload:${shapes[tool]}`,
          effect: () => undefined,
        };
        return this.op(use, cmds[tool]);
      }
    }
  }
}
