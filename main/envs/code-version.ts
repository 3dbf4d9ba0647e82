/**
 * The code version of an environment: a digest of the source its behaviour comes from, so a result computed with
 * one version of a domain (a cached evaluation) is never served for another. A built-in domain's version is the
 * sha256 of every module its folder's index.ts reaches through relative imports (the domain, the shared helpers,
 * the SDK, base/), a plugin's the sha256 of its manifest and every file in its directory. Nobody has to remember to
 * bump a constant: any edit to what a domain runs changes its version, and nothing else does.
 *
 * The sources are read at run time: every `cod` process runs the TypeScript sources (bin/cod.mjs), and packaged
 * apps ship main/ (electron-builder.yml). Where they are missing, this throws and the caller goes without a version.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CodError } from '../base/errors.ts';
import type { PluginInfo } from './plugin.ts';

/** main/: the root every source path in a digest is written relative to. */
const MAIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DOMAINS_DIR = join(MAIN_DIR, 'envs', 'domains');

/** Relative module specifiers of one source file: static imports, re-exports, side-effect and dynamic imports. */
const IMPORT_RE = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/**
 * Every source file `entries` reach through relative imports, sorted; files under a folder of `exclude` are left
 * out and not followed (their own version covers them).
 */
export function sourceClosure(entries: readonly string[], exclude: readonly string[] = []): string[] {
  const excluded = (f: string) => exclude.some((d) => f.startsWith(d + sep));
  const seen = new Set<string>();
  const todo = entries.map((e) => resolve(e));
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file) || excluded(file)) continue;
    if (!existsSync(file))
      throw new CodError('not_found', 'source file not found (code versions need the sources)', file);
    seen.add(file);
    if (!/\.(?:ts|js|mjs)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const target = resolve(dirname(file), m[1]);
      // A specifier inside a comment or string may name nothing: only real files are part of the code.
      if (existsSync(target) && statSync(target).isFile()) todo.push(target);
    }
  }
  return [...seen].sort();
}

/** sha256 over each file's path (relative to `root`) and bytes, in the order given. */
export function digestFiles(files: readonly string[], root: string = MAIN_DIR): string {
  const h = createHash('sha256');
  for (const f of files) {
    h.update(relative(root, f).split(sep).join('/'));
    h.update('\u0000');
    h.update(readFileSync(f));
    h.update('\u0000');
  }
  return h.digest('hex');
}

/** The code version of the modules `entries` reach (main/ paths), `exclude` folders left out. */
export function codeDigest(entries: readonly string[], exclude: readonly string[] = []): string {
  return digestFiles(sourceClosure(entries, exclude));
}

const domainVersions = new Map<string, string>();

/**
 * A built-in domain's code version (its folder is main/envs/domains/ID, as every built-in domain's is): the same for
 * all its presets, since a preset is data inside that code. Computed once per process.
 */
export function domainCodeVersion(id: string): string {
  let v = domainVersions.get(id);
  if (v === undefined) {
    const entry = join(DOMAINS_DIR, id, 'index.ts');
    if (!/^[a-z][a-z0-9_-]*$/.test(id) || !existsSync(entry))
      throw new CodError('not_found', `no built-in domain source folder for '${id}'`, relative(MAIN_DIR, entry));
    v = `sha256:${codeDigest([entry])}`;
    domainVersions.set(id, v);
  }
  return v;
}

/** Files a plugin digest reads at most: a plugin is a few modules, not a data set. */
const PLUGIN_MAX_FILES = 2000;
const PLUGIN_MAX_BYTES = 64 * 1024 * 1024;

/** A plugin's code version: its name and manifest version, and the digest of every file in its directory. */
export function pluginCodeVersion(plugin: Pick<PluginInfo, 'name' | 'version' | 'dir'>): string {
  const files: string[] = [];
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files.push(p);
        bytes += statSync(p).size;
        if (files.length > PLUGIN_MAX_FILES || bytes > PLUGIN_MAX_BYTES)
          throw new CodError(
            'unsupported',
            `plugin directory is too large to version (limits: ${PLUGIN_MAX_FILES} files, ${PLUGIN_MAX_BYTES / 2 ** 20} MiB)`,
            plugin.dir,
          );
      }
    }
  };
  walk(plugin.dir);
  return `${plugin.name}@${plugin.version}+sha256:${digestFiles(files, plugin.dir)}`;
}
