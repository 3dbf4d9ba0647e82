/**
 * What the Terminal oracle knows about a machine, and its Markdown notes: the OS flavour, which archiver and remote
 * copier exist, the remote SSH port, where each kind of file lives and where the named folders are.
 */
import type { Rng } from '../../seed.ts';
import type { ArchiveTool, RemoteTool } from './context.ts';
import { FLAVOURS, type Flavour } from './flavour.ts';
import { PLACES, SSH_PORTS, type PlaceName } from './instance.ts';

export interface Knowledge {
  flavour: Flavour | null;
  archiveTool: ArchiveTool | null;
  remoteTool: RemoteTool | null;
  port: number | null;
  readonly missingTools: Set<string>;
  readonly refusedPorts: Set<number>;
  /** Extension (".csv") -> folder (as the shell writes it). */
  readonly extDirs: Map<string, string>;
  readonly places: Map<PlaceName, string>;
}

export function emptyKnowledge(): Knowledge {
  return {
    flavour: null,
    archiveTool: null,
    remoteTool: null,
    port: null,
    missingTools: new Set(),
    refusedPorts: new Set(),
    extDirs: new Map(),
    places: new Map(),
  };
}

export function cloneKnowledge(k: Knowledge): Knowledge {
  return {
    ...k,
    missingTools: new Set(k.missingTools),
    refusedPorts: new Set(k.refusedPorts),
    extDirs: new Map(k.extDirs),
    places: new Map(k.places),
  };
}

const ARCHIVE_TOOLS: readonly ArchiveTool[] = ['tar', 'zip', 'powershell'];
const REMOTE_TOOLS: readonly RemoteTool[] = ['scp', 'rsync', 'pscp'];

export function parseKnowledge(body: string): Knowledge {
  const k = emptyKnowledge();
  const one = (re: RegExp) => re.exec(body)?.[1];
  const fl = one(/^\s*[-*]\s*OS flavour:\s*`?(\w+)/im);
  if (fl && (FLAVOURS as readonly string[]).includes(fl)) k.flavour = fl as Flavour;
  const at = one(/^\s*[-*]\s*archive tool:\s*`?(\w+)/im);
  if (at && (ARCHIVE_TOOLS as readonly string[]).includes(at)) k.archiveTool = at as ArchiveTool;
  const rt = one(/^\s*[-*]\s*remote copy tool:\s*`?(\w+)/im);
  if (rt && (REMOTE_TOOLS as readonly string[]).includes(rt)) k.remoteTool = rt as RemoteTool;
  const port = one(/^\s*[-*]\s*remote SSH port:\s*(\d{1,5})\b/im);
  if (port) k.port = Number(port);
  const missing = one(/^\s*[-*]\s*not installed:\s*(.+)$/im);
  if (missing) for (const t of missing.split(/[,\s`]+/)) if (t) k.missingTools.add(t);
  const refused = one(/^\s*[-*]\s*SSH ports refused:\s*(.+)$/im);
  if (refused) for (const p of refused.split(/[,\s]+/)) if (/^\d{1,5}$/.test(p)) k.refusedPorts.add(Number(p));
  for (const m of body.matchAll(/^\s*[-*]\s*files \*(\.[A-Za-z0-9]+) are in `?([^`\n]+?)`?\s*$/gim))
    k.extDirs.set(m[1].toLowerCase(), m[2]);
  for (const m of body.matchAll(/^\s*[-*]\s*folder "(\w+)" is `?([^`\n]+?)`?\s*$/gim)) {
    if ((PLACES as readonly string[]).includes(m[1])) k.places.set(m[1] as PlaceName, m[2]);
  }
  return k;
}

export type Fact =
  | { readonly kind: 'flavour'; readonly value: Flavour }
  | { readonly kind: 'archive'; readonly value: ArchiveTool }
  | { readonly kind: 'remote'; readonly value: RemoteTool }
  | { readonly kind: 'port'; readonly value: number }
  | { readonly kind: 'missing'; readonly value: string }
  | { readonly kind: 'refused'; readonly value: number }
  | { readonly kind: 'ext'; readonly ext: string; readonly dir: string }
  | { readonly kind: 'place'; readonly place: PlaceName; readonly dir: string };

export function factsOf(k: Knowledge): Fact[] {
  const out: Fact[] = [];
  if (k.flavour) out.push({ kind: 'flavour', value: k.flavour });
  if (k.archiveTool) out.push({ kind: 'archive', value: k.archiveTool });
  if (k.remoteTool) out.push({ kind: 'remote', value: k.remoteTool });
  if (k.port !== null) out.push({ kind: 'port', value: k.port });
  for (const t of [...k.missingTools].sort()) out.push({ kind: 'missing', value: t });
  for (const p of [...k.refusedPorts].sort((a, b) => a - b)) out.push({ kind: 'refused', value: p });
  for (const [ext, dir] of [...k.extDirs].sort()) out.push({ kind: 'ext', ext, dir });
  for (const [place, dir] of [...k.places].sort()) out.push({ kind: 'place', place, dir });
  return out;
}

export function knowledgeOf(facts: readonly Fact[]): Knowledge {
  const k = emptyKnowledge();
  for (const f of facts) {
    if (f.kind === 'flavour') k.flavour = f.value;
    else if (f.kind === 'archive') k.archiveTool = f.value;
    else if (f.kind === 'remote') k.remoteTool = f.value;
    else if (f.kind === 'port') k.port = f.value;
    else if (f.kind === 'missing') k.missingTools.add(f.value);
    else if (f.kind === 'refused') k.refusedPorts.add(f.value);
    else if (f.kind === 'ext') k.extDirs.set(f.ext, f.dir);
    else k.places.set(f.place, f.dir);
  }
  return k;
}

/** A plausible but wrong version of a fact (note noise). */
export function corruptFact(f: Fact, rng: Rng): Fact {
  const otherDir = (dir: string) => {
    const sep = dir.includes('\\') ? '\\' : '/';
    const parts = dir.split(sep);
    parts[parts.length - 1] = rng.pick(['old', 'archive', 'misc', 'tmp']);
    return parts.join(sep);
  };
  switch (f.kind) {
    case 'archive':
      return { kind: 'archive', value: f.value === 'tar' ? 'zip' : 'tar' };
    case 'remote':
      return { kind: 'remote', value: f.value === 'scp' ? 'rsync' : 'scp' };
    case 'port':
      return { kind: 'port', value: rng.pick(SSH_PORTS.filter((p) => p !== f.value)) };
    case 'ext':
      return { kind: 'ext', ext: f.ext, dir: otherDir(f.dir) };
    case 'place':
      return { kind: 'place', place: f.place, dir: otherDir(f.dir) };
    default:
      return f;
  }
}

export function noteLines(
  k: Knowledge,
  commands: readonly string[],
): { machine: string[]; places: string[]; commands: string[] } {
  const machine: string[] = [];
  if (k.flavour) machine.push(`OS flavour: ${k.flavour}`);
  if (k.archiveTool) machine.push(`archive tool: ${k.archiveTool}`);
  if (k.remoteTool) machine.push(`remote copy tool: ${k.remoteTool}`);
  if (k.port !== null) machine.push(`remote SSH port: ${k.port}`);
  if (k.missingTools.size > 0) machine.push(`not installed: ${[...k.missingTools].sort().join(', ')}`);
  if (k.refusedPorts.size > 0 && k.port === null)
    machine.push(`SSH ports refused: ${[...k.refusedPorts].sort((a, b) => a - b).join(', ')}`);
  const places: string[] = [];
  for (const [ext, dir] of [...k.extDirs].sort()) places.push(`files *${ext} are in \`${dir}\``);
  for (const [place, dir] of [...k.places].sort()) places.push(`folder "${place}" is \`${dir}\``);
  return { machine, places, commands: [...commands] };
}
