import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { loadPlugin, loadPlugins } from '../../../main/envs/plugin.ts';
import { SourceError } from '../../../main/base/diagnostics.ts';
import { tempDir } from '../../support/temp.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));
const tmp = tempDir('plugin-test');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** A plugin dir with this manifest text and an index.js. */
function pluginDir(manifest: string, files: Record<string, string> = { 'index.js': 'export default [];' }): string {
  const dir = path.join(tmp, `p${n++}`);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'cod-plugin.json'), manifest);
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

function errorOf(f: () => unknown): CodError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodError);
    return e as CodError;
  }
  throw new Error('expected an error');
}

const good = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ name: 'demo', version: '1.0.0', entry: 'index.js', domains: ['demo'], ...over }, null, 2);

describe('loadPlugin', () => {
  it('reads a valid manifest and resolves the entry inside the plugin dir', () => {
    const p = loadPlugin(path.join(FIXTURES, 'switchboard'));
    expect(p.name).toBe('switchboard');
    expect(p.version).toBe('1.0.0');
    expect(p.domains).toEqual(['switchboard']);
    expect(p.entry).toBe(path.join(p.dir, 'index.js'));
  });

  it('names the directory when it or its manifest is missing', () => {
    const missing = errorOf(() => loadPlugin(path.join(tmp, 'nope')));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toMatch(/nope: plugin directory does not exist/);
    const empty = path.join(tmp, 'empty');
    mkdirSync(empty);
    expect(errorOf(() => loadPlugin(empty)).message).toMatch(/empty: no cod-plugin\.json in plugin directory/);
  });

  // Each case: manifest text, then the exact `file:line:col: field: message` suffix expected.
  const cases: Array<[what: string, manifest: string, expected: RegExp]> = [
    ['JSON syntax', '{\n  "name": "demo",\n  "version": 1.0.0\n}', /cod-plugin\.json:3:\d+: not valid JSON/],
    [
      'missing entry',
      JSON.stringify({ name: 'demo', version: '1.0.0', domains: ['demo'] }, null, 2),
      /cod-plugin\.json:1:1: entry: required$/,
    ],
    [
      'bad version',
      good({ version: 'v1' }),
      /cod-plugin\.json:3:14: version: must be a semantic version like 1\.0\.0$/,
    ],
    ['bad name', good({ name: 'My Plugin' }), /cod-plugin\.json:2:11: name: must be lowercase letters/],
    [
      'bad domain id',
      good({ domains: ['ok', 'Not-OK'] }),
      /cod-plugin\.json:7:5: domains\[1\]: must be a domain id: lowercase letter/,
    ],
    ['empty domains', good({ domains: [] }), /cod-plugin\.json:5:14: domains: must have at least 1 item$/],
    ['wrong type', good({ domains: 'demo' }), /cod-plugin\.json:5:14: domains: expected a list, got 'demo'$/],
    ['unknown field', good({ main: 'index.js' }), /cod-plugin\.json:8:3: main: unknown field 'main'$/],
    ['entry not a module', good({ entry: 'index.ts' }), /cod-plugin\.json:4:12: entry: must be an ES module file/],
    [
      'entry escapes',
      good({ entry: '../p0/index.js' }),
      /cod-plugin\.json:4:12: entry: must stay inside the plugin directory$/,
    ],
    [
      'entry absolute',
      good({ entry: '/etc/passwd.js' }),
      /cod-plugin\.json:4:12: entry: must be a path relative to the plugin directory$/,
    ],
    ['entry missing', good({ entry: 'main.js' }), /cod-plugin\.json:4:12: entry: file 'main\.js' does not exist/],
    [
      'duplicate domain',
      good({ domains: ['demo', 'demo'] }),
      /cod-plugin\.json:7:5: domains\[1\]: domain 'demo' is listed twice$/,
    ],
  ];
  it.each(cases)('%s → a located bad_config error', (_what, manifest, expected) => {
    const e = errorOf(() => loadPlugin(pluginDir(manifest)));
    expect(e.code).toBe('bad_config');
    expect(e.message.split('\n')[0]).toMatch(expected);
  });

  it('reports every issue of a manifest, each with its own line', () => {
    const e = errorOf(() => loadPlugin(pluginDir(good({ version: 'x', domains: ['A'] })))) as SourceError;
    expect(e).toBeInstanceOf(SourceError);
    expect(e.issues.map((i) => [i.line, i.field])).toEqual([
      [3, 'version'],
      [6, 'domains[0]'],
    ]);
    expect(e.message.split('\n')).toHaveLength(2);
  });

  it('rejects an entry that is a symlink leading out of the plugin dir', () => {
    const outside = path.join(tmp, 'outside.js');
    writeFileSync(outside, 'export default [];');
    const dir = pluginDir(good({ entry: 'link.js' }), {});
    symlinkSync(outside, path.join(dir, 'link.js'));
    expect(errorOf(() => loadPlugin(dir)).message).toMatch(/entry: must stay inside the plugin directory/);
  });
});

describe('loadPlugins', () => {
  it('loads a folder of plugins, skipping subfolders without a manifest', () => {
    const names = loadPlugins(FIXTURES, []).map((p) => p.name);
    expect(names).toEqual([
      'dynamic-import',
      'hangs-at-load',
      'hostile',
      'opens-socket',
      'reads-passwd',
      'switchboard',
    ]);
  });

  it('accepts a list of plugin dirs and rejects a domain id two plugins claim', () => {
    const a = pluginDir(good({ name: 'a', domains: ['shared'] }));
    const b = pluginDir(good({ name: 'b', domains: ['shared'] }));
    expect(loadPlugins([a], []).map((p) => p.domains)).toEqual([['shared']]);
    const e = errorOf(() => loadPlugins([a, b], []));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/cod-plugin\.json: domain 'shared' is also provided by plugin 'a'/);
  });

  it('rejects a plugin that claims a built-in domain id, and two plugins with one name', () => {
    const dir = pluginDir(good({ name: 'shadow', domains: ['frozenlake'] }));
    expect(errorOf(() => loadPlugins(dir, ['frozenlake'])).message).toMatch(/'frozenlake' is a built-in domain id/);
    const x = pluginDir(good({ name: 'twin', domains: ['x1'] }));
    const y = pluginDir(good({ name: 'twin', domains: ['y1'] }));
    expect(errorOf(() => loadPlugins([x, y], [])).message).toMatch(/plugin name 'twin' is also used by/);
  });

  it('says so when a folder holds no plugin at all', () => {
    const dir = path.join(tmp, 'no-plugins');
    mkdirSync(dir);
    const e = errorOf(() => loadPlugins(dir, []));
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/no cod-plugin\.json in this directory or its subdirectories/);
  });
});
