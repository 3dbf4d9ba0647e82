/**
 * Scripted agents of the paper Terminal (ours: the reference has none). The oracle knows the simulator's commands
 * on each OS and reads the task from its description, as a capable model would; what it cannot know is the goal
 * checker's unstated conventions where the description is ambiguous (where a packed archive goes, what an uploaded
 * archive is called, where an archive is extracted). It tries one reading per attempt, and the only signal is the
 * end-of-task feedback (success or "Goal state not achieved"). Its notes record, per task description, which reading
 * failed or worked. Tasks of a pack share nothing, so those notes cannot help another task (no rise along a CoD
 * pack) but tell the next attempt at the same task what to do (a rise in the Ralph loop), the paper's finding.
 */
import { CodError } from '../../../../base/errors.ts';
import { Rng, stableSeed } from '../../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../../sdk.ts';
import { hintBody, noteSection } from '../../shared/notes.ts';
import type { PaperTerminalView } from './episode.ts';

export function isPaperTerminalView(v: Readonly<Record<string, unknown>>): boolean {
  return v.domain === 'terminal' && v.variant === 'paper';
}

function readView(v: Readonly<Record<string, unknown>>): PaperTerminalView {
  const ok =
    isPaperTerminalView(v) &&
    typeof v.description === 'string' &&
    Number.isInteger(v.turn) &&
    (v.os === 'windows' || v.os === 'mac' || v.os === 'linux');
  if (!ok) throw new CodError('bad_input', 'not a paper Terminal view', 'terminal.agent');
  return v as unknown as PaperTerminalView;
}

type Os = PaperTerminalView['os'];

/** Local paths as the description shows them: separator, parent, join. */
function pathOps(os: Os) {
  const sep = os === 'windows' ? '\\' : '/';
  return {
    join: (dir: string, name: string) => (dir.endsWith(sep) ? dir + name : dir + sep + name),
    parent: (p: string) => p.slice(0, p.lastIndexOf(sep)) || sep,
    base: (p: string) => p.slice(p.lastIndexOf(sep) + 1),
  };
}

const rparent = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
const rbase = (p: string) => p.slice(p.lastIndexOf('/') + 1);

function archiveCmd(fmt: string, archive: string, what: string): string {
  if (fmt === 'zip') return `zip -r ${archive} ${what}`;
  return `tar -c${fmt === 'tar.gz' ? 'z' : ''}f ${archive} ${what}`;
}

function extractCmd(archive: string): string {
  if (archive.endsWith('.zip')) return `unzip ${archive}`;
  return `tar -x${archive.endsWith('.tar.gz') ? 'z' : ''}f ${archive}`;
}

const formatOf = (archive: string) =>
  archive.endsWith('.zip') ? 'zip' : archive.endsWith('.tar.gz') ? 'tar.gz' : 'tar';

/** A task read from its description: the command plan for each reading (the first reading is tried first). */
interface Reading {
  readonly name: string;
  readonly plan: readonly string[];
}

/** The readings of a task, parsed from its description; one reading where the description is unambiguous. */
export function readingsOf(description: string, os: Os): Reading[] {
  const p = pathOps(os);
  const one = (plan: string[]): Reading[] => [{ name: 'direct', plan }];
  let m: RegExpExecArray | null;
  const remote = (user: string, host: string, cmds: string[]) => [`ssh ${user}@${host}`, ...cmds, 'exit'];

  if ((m = /^Upload '(.+)' to (\S+)@([^:]+):(\/.*)\/ and set its permissions to (\d{3})$/.exec(description))) {
    const [, local, u, h, dir, perm] = m;
    return one([`scp ${local} ${u}@${h}:${dir}/`, ...remote(u, h, [`chmod ${perm} ${dir}/${p.base(local)}`])]);
  }
  if ((m = /^Upload '(.+)' to (\S+)@([^:]+):(\/.*)\/ and then delete the local copy$/.exec(description))) {
    const [, local, u, h, dir] = m;
    return one([`scp ${local} ${u}@${h}:${dir}/`, `rm ${local}`]);
  }
  if ((m = /^Upload '(.+)' to (\S+)@([^:]+):(\/.*)$/.exec(description))) {
    const [, local, u, h, file] = m;
    return one([`scp ${local} ${u}@${h}:${rparent(file)}/`]);
  }
  if ((m = /^Download '([^']+)' from (\S+)@([^:]+):(\/.*)\/ and extract its contents to '(.+)'$/.exec(description))) {
    const [, archive, u, h, dir, local] = m;
    const fetch = `scp ${u}@${h}:${dir}/${archive} ${local}`;
    return [
      { name: 'extract-in-target', plan: [fetch, `cd ${local}`, extractCmd(archive)] },
      { name: 'extract-in-home', plan: [fetch, extractCmd(p.join(local, archive))] },
    ];
  }
  if ((m = /^Download '([^']+)' from (\S+)@([^:]+):(\/.*)\/ and rename it to '([^']+)' in '(.+)'$/.exec(description))) {
    const [, oldName, u, h, dir, newName, local] = m;
    return one([`scp ${u}@${h}:${dir}/${oldName} ${p.join(local, newName)}`]);
  }
  if ((m = /^Download '(\S+)@([^:]+):(\/.*)' to '(.+)'$/.exec(description))) {
    const [, u, h, file, local] = m;
    return one([`scp ${u}@${h}:${file} ${local}`]);
  }
  if ((m = /^Rename '([^']+)' to '([^']+)' in remote (\S+)@([^:]+):(\/.*)$/.exec(description))) {
    const [, a, b, u, h, dir] = m;
    return one(remote(u, h, [`mv ${dir}/${a} ${dir}/${b}`]));
  }
  if ((m = /^Rename '([^']+)' to '([^']+)' in (.+)$/.exec(description))) {
    const [, a, b, dir] = m;
    return one([`mv ${p.join(dir, a)} ${p.join(dir, b)}`]);
  }
  if ((m = /^(Move|Copy) '(.+)' to '(.+)' on remote server$/.exec(description))) {
    // The server is not repeated in this description; 'ssh' is addressed from the system prompt's.
    return one(['ssh', `${m[1] === 'Move' ? 'mv' : 'cp'} ${m[2]} ${m[3]}`, 'exit']);
  }
  if ((m = /^(Move|Copy) '(.+)' to '(.+)'$/.exec(description))) {
    const [, verb, from, to] = m;
    return one([`${verb === 'Move' ? 'mv' : 'cp'} ${from} ${to}`]);
  }
  if ((m = /^Change permissions of '(\S+)@([^:]+):(\/.*)' to (\d{3})$/.exec(description))) {
    const [, u, h, file, perm] = m;
    return one(remote(u, h, [`chmod ${perm} ${file}`]));
  }
  if ((m = /^Change permissions of '(.+)' to (\d{3})$/.exec(description))) return one([`chmod ${m[2]} ${m[1]}`]);
  if ((m = /^Delete the file '(\S+)@([^:]+):(\/.*)'$/.exec(description))) {
    const [, u, h, file] = m;
    return one(remote(u, h, [`rm ${file}`]));
  }
  if ((m = /^Delete the file '(.+)'$/.exec(description))) return one([`rm ${m[1]}`]);
  if ((m = /^Pack the directory '(.+)' into '([^']+)' on the remote server$/.exec(description))) {
    const [, dir, archive] = m;
    return [
      {
        name: 'next-to-dir',
        plan: ['ssh', `cd ${rparent(dir)}`, archiveCmd(formatOf(archive), archive, rbase(dir)), 'exit'],
      },
      { name: 'in-home', plan: ['ssh', archiveCmd(formatOf(archive), archive, dir), 'exit'] },
    ];
  }
  if ((m = /^Pack the directory '(.+)' into '([^']+)'$/.exec(description))) {
    const [, dir, archive] = m;
    return [
      { name: 'next-to-dir', plan: [`cd ${p.parent(dir)}`, archiveCmd(formatOf(archive), archive, p.base(dir))] },
      { name: 'in-home', plan: [archiveCmd(formatOf(archive), archive, dir)] },
    ];
  }
  if ((m = /^Pack '(.+)' into a (\S+) archive and upload it to (\S+)@([^:]+):(\/.*)\/$/.exec(description))) {
    const [, dir, fmt, u, h, rdir] = m;
    const ext = fmt === 'zip' ? '.zip' : fmt === 'tar.gz' ? '.tar.gz' : '.tar';
    const named = (name: string) => [
      `cd ${p.parent(dir)}`,
      archiveCmd(fmt, name, p.base(dir)),
      `scp ${name} ${u}@${h}:${rdir}/`,
    ];
    return [
      { name: 'named-after-dir', plan: named(p.base(dir) + ext) },
      { name: 'named-archive', plan: named('archive' + ext) },
    ];
  }
  if (
    (m = /^Pack '(.+)' into a (\S+) archive, upload to (\S+)@([^:]+):(\/.*)\/, and extract it there$/.exec(description))
  ) {
    const [, dir, fmt, u, h, rdir] = m;
    const ext = fmt === 'zip' ? '.zip' : fmt === 'tar.gz' ? '.tar.gz' : '.tar';
    const archive = p.base(dir) + ext;
    const packed = [`cd ${p.parent(dir)}`, archiveCmd(fmt, archive, p.base(dir)), `scp ${archive} ${u}@${h}:${rdir}/`];
    return [
      { name: 'extract-in-target', plan: [...packed, ...remote(u, h, [`cd ${rdir}`, extractCmd(archive)])] },
      { name: 'extract-in-home', plan: [...packed, ...remote(u, h, [extractCmd(`${rdir}/${archive}`)])] },
    ];
  }
  if ((m = /^Create the directory structure '(.+)' on the remote server$/.exec(description))) {
    return one(['ssh', `mkdir -p ${m[1]}`, 'exit']);
  }
  if ((m = /^Create the directory structure '(.+)'$/.exec(description))) return one([`mkdir -p ${m[1]}`]);
  if ((m = /^Create the directory '(.+)' on the remote server, then upload '(.+)' there$/.exec(description))) {
    return one(['ssh', `mkdir -p ${m[1]}`, 'exit', `scp ${m[2]} @:${m[1]}/`]);
  }
  if (
    (m = /^On the remote server, rename '(.+)' to '([^']+)' as a backup, then upload the new version from '(.+)'$/.exec(
      description,
    ))
  ) {
    const [, file, bak, local] = m;
    return one(['ssh', `mv ${file} ${rparent(file)}/${bak}`, 'exit', `scp ${local} @:${rparent(file)}/`]);
  }
  return one(['pwd']);
}

/** The plan with the remote address filled in where a description leaves it out (it is in the system prompt). */
function addressed(plan: readonly string[], user: string, host: string): string[] {
  return plan.map((c) => (c === 'ssh' ? `ssh ${user}@${host}` : c.replace(/ @:/g, ` ${user}@${host}:`)));
}

const NOTE = /task "(.+)": reading (\S+) (works|failed)/g;

function parseNotes(hints: string): Map<string, { works?: string; failed: Set<string> }> {
  const out = new Map<string, { works?: string; failed: Set<string> }>();
  for (const m of hintBody(hints).matchAll(NOTE)) {
    const entry = out.get(m[1]) ?? { failed: new Set<string>() };
    if (m[3] === 'works') entry.works = m[2];
    else entry.failed.add(m[2]);
    out.set(m[1], entry);
  }
  return out;
}

/** Notes kept to the most recent tasks (a short, bounded context). */
const MAX_NOTED_TASKS = 12;

class PaperTerminalOracle implements ScriptedAgent {
  constructor(private readonly seed: string) {}

  private reading(description: string, os: Os, hints: string): Reading {
    const all = readingsOf(description, os);
    // Which reading comes to mind first is the agent's own draw (its prior), fixed per task description.
    const prior = Rng.of('terminal/paper-oracle', this.seed, description).shuffle(all.slice());
    const known = parseNotes(hints).get(description);
    if (known?.works) return all.find((r) => r.name === known.works) ?? prior[0];
    return prior.find((r) => !known?.failed.has(r.name)) ?? prior[0];
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readView(view);
    const r = this.reading(v.description, v.os, hints);
    const plan = addressed(r.plan, v.remoteUser, v.remoteHost);
    return plan[Math.min(v.turn, plan.length - 1)] ?? 'pwd';
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, end: EpisodeEnd): string {
    const v = readView(finalView);
    const r = this.reading(v.description, v.os, prevHints);
    const lines = [...hintBody(prevHints).matchAll(NOTE)]
      .map((m) => m[0])
      .filter((l) => !l.startsWith(`task "${v.description}"`) || l.endsWith('failed'));
    lines.push(`task "${v.description}": reading ${r.name} ${end.success ? 'works' : 'failed'}`);
    const descriptions = [...new Set(lines.map((l) => l.slice(0, l.indexOf('": reading'))))].slice(-MAX_NOTED_TASKS);
    return noteSection(
      'Terminal tasks (what worked or failed for each task)',
      lines.filter((l) => descriptions.includes(l.slice(0, l.indexOf('": reading')))),
    );
  }
}

const RANDOM_COMMANDS = ['ls', 'pwd', 'whoami', 'cd ..', 'ls -l', 'cd', 'echo hello', 'dir'];

class PaperTerminalRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('terminal/paper-random', seed));
  }
  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    readView(view);
    return this.rng.pick(RANDOM_COMMANDS);
  }
  writeNotes(): string {
    return '- No notes.';
  }
}

export function paperTerminalAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new PaperTerminalOracle(args.seed) : new PaperTerminalRandom(args.seed);
}
