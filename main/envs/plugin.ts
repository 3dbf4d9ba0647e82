/**
 * Third-party environment plugins: a directory with a `cod-plugin.json` manifest and an ES module entry that
 * exports one or more Domains. This module only reads and checks manifests (cheap, no plugin code runs); the
 * plugin's code only ever runs inside the sandbox (main/envs/sandbox/).
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { checkBytes, LIMITS } from '../base/budget.ts';
import { CodError } from '../base/errors.ts';
import { LocatedSource, SourceError, type SourceIssue } from '../base/diagnostics.ts';
import { listDomains } from './registry.ts';

export const MANIFEST_FILE = 'cod-plugin.json';

export const DOMAIN_ID_RE = /^[a-z][a-z0-9_-]{0,47}$/;

const manifestSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be lowercase letters, digits, ".", "_" or "-" (at most 64)'),
  version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be a semantic version like 1.0.0'),
  description: z.string().max(2000).optional(),
  author: z.string().max(200).optional(),
  license: z.string().max(100).optional(),
  homepage: z.string().max(500).optional(),
  entry: z
    .string()
    .min(1)
    .regex(/\.m?js$/, 'must be an ES module file ending in .js or .mjs'),
  domains: z
    .array(z.string().regex(DOMAIN_ID_RE, 'must be a domain id: lowercase letter, then letters, digits, "_" or "-"'))
    .min(1),
});

export type PluginManifest = z.output<typeof manifestSchema>;

export interface PluginInfo {
  readonly name: string;
  readonly version: string;
  readonly description: string | undefined;
  /** Real path of the plugin directory: the only place its sandbox may read. */
  readonly dir: string;
  /** Real path of the entry module (inside `dir`). */
  readonly entry: string;
  readonly manifestPath: string;
  /** Domain ids the entry must export (checked when the sandbox loads it). */
  readonly domains: readonly string[];
}

/** Read and check one plugin directory's manifest. Bad input → CodError naming the file, line and field. */
export function loadPlugin(dir: string): PluginInfo {
  const realDir = realDirectory(dir);
  const manifestPath = path.join(realDir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new CodError('not_found', `no ${MANIFEST_FILE} in plugin directory`, dir);
  checkPluginTree(realDir);
  checkBytes(MANIFEST_FILE, statSync(manifestPath).size, LIMITS.documentBytes, manifestPath);
  const text = readFileSync(manifestPath, 'utf8');
  checkJsonSyntax(text, manifestPath);
  const src = LocatedSource.parse(text, manifestPath);
  const m = src.validate(manifestSchema);

  const issues: SourceIssue[] = [];
  const seen = new Set<string>();
  m.domains.forEach((id, i) => {
    if (seen.has(id)) issues.push(src.issueAt(['domains', i], `domain '${id}' is listed twice`));
    seen.add(id);
  });
  let entry = '';
  if (path.isAbsolute(m.entry)) {
    issues.push(src.issueAt(['entry'], 'must be a path relative to the plugin directory'));
  } else {
    const candidate = path.resolve(realDir, m.entry);
    if (!existsSync(candidate) || !statSync(candidate).isFile()) {
      issues.push(src.issueAt(['entry'], `file '${m.entry}' does not exist in the plugin directory`));
    } else {
      entry = realpathSync(candidate);
      if (!isInside(realDir, entry)) issues.push(src.issueAt(['entry'], 'must stay inside the plugin directory'));
    }
  }
  if (issues.length > 0) throw new SourceError('bad_config', issues);
  return {
    name: m.name,
    version: m.version,
    description: m.description,
    dir: realDir,
    entry,
    manifestPath,
    domains: m.domains,
  };
}

/**
 * Load every plugin under `dirs`. Each entry is either a plugin directory (it has a manifest) or a folder whose
 * immediate subdirectories are plugins. Plugin names and domain ids must be unique, and no plugin may claim a
 * reserved (built-in) domain id.
 */
export function loadPlugins(
  dirs: string | readonly string[],
  reservedDomains: Iterable<string> = listDomains().map((d) => d.id),
): PluginInfo[] {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  const plugins: PluginInfo[] = [];
  for (const d of list) {
    const realDir = realDirectory(d);
    if (existsSync(path.join(realDir, MANIFEST_FILE))) {
      plugins.push(loadPlugin(realDir));
      continue;
    }
    const children = readdirSync(realDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(path.join(realDir, e.name, MANIFEST_FILE)))
      .map((e) => e.name)
      .sort();
    if (children.length === 0)
      throw new CodError('not_found', `no ${MANIFEST_FILE} in this directory or its subdirectories`, d);
    for (const c of children) plugins.push(loadPlugin(path.join(realDir, c)));
  }
  checkUnique(plugins, new Set(reservedDomains));
  return plugins;
}

function checkUnique(plugins: readonly PluginInfo[], reserved: ReadonlySet<string>): void {
  const names = new Map<string, PluginInfo>();
  const owners = new Map<string, PluginInfo>();
  for (const p of plugins) {
    const other = names.get(p.name);
    if (other && other.dir !== p.dir)
      throw new CodError('conflict', `plugin name '${p.name}' is also used by ${other.manifestPath}`, p.manifestPath);
    if (other) continue; // the same directory named twice
    names.set(p.name, p);
    for (const id of p.domains) {
      if (reserved.has(id))
        throw new CodError('conflict', `domain '${id}' is a built-in domain id; choose another`, p.manifestPath);
      const owner = owners.get(id);
      if (owner)
        throw new CodError('conflict', `domain '${id}' is also provided by plugin '${owner.name}'`, p.manifestPath);
      owners.set(id, p);
    }
  }
}

/**
 * Refuses a plugin directory holding a link that could lead its sandbox outside it. The sandbox may read only the
 * plugin directory (--allow-fs-read), but Node's permission model checks the path it is given and follows symbolic
 * links from there (its documentation says so), so a link to ~/.ssh inside the directory would be readable. A
 * symbolic link is allowed only when its target is inside the directory; a hard link (a file with more than one
 * name) is refused outright, since its other names cannot be found. The walk is bounded by LIMITS.pluginFiles.
 */
export function checkPluginTree(root: string): void {
  let seen = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (++seen > LIMITS.pluginFiles)
        throw new CodError(
          'bad_input',
          `the plugin directory holds more than ${LIMITS.pluginFiles} files (limit)`,
          root,
        );
      const p = path.join(dir, e.name);
      const rel = path.relative(root, p);
      if (e.isSymbolicLink()) {
        let target: string | null = null;
        try {
          target = realpathSync(p);
        } catch {
          /* dangling: where it leads can change, so it is refused like a link out */
        }
        if (target === null || (target !== root && !isInside(root, target)))
          throw new CodError(
            'bad_input',
            `'${rel}' is a link leading outside the plugin directory (to ${target ?? 'a missing file'}); plugins may not hold links out`,
            root,
          );
        continue; // a link inside: its target is walked where it lies
      }
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile()) {
        const links = lstatSync(p).nlink;
        if (links > 1)
          throw new CodError(
            'bad_input',
            `'${rel}' is a hard link (${links} names; the others may lie outside the plugin directory); copy the file instead`,
            root,
          );
      }
    }
  }
}

function realDirectory(dir: string): string {
  if (!existsSync(dir)) throw new CodError('not_found', 'plugin directory does not exist', dir);
  const real = realpathSync(dir);
  if (!statSync(real).isDirectory()) throw new CodError('bad_input', 'not a directory', dir);
  return real;
}

export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The manifest is JSON, not YAML: reject YAML-only syntax with the position JSON.parse reports. */
function checkJsonSyntax(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    let where = file;
    if (lc) where = `${file}:${lc[1]}:${lc[2]}`;
    else if (pos) where = `${file}:${lineCol(text, Number(pos[1]))}`;
    throw new CodError('bad_config', `not valid JSON: ${msg.replace(/ in JSON at position.*$/, '')}`, where);
  }
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
