/**
 * Code versions: the digest of the modules an entry reaches through relative imports (a temp tree of real files),
 * built-in domains' versions, and plugins' (a copy of the switchboard fixture, edited).
 */
import { appendFileSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { codeDigest, domainCodeVersion, pluginCodeVersion, sourceClosure } from '../../../main/envs/code-version.ts';
import { loadPlugin } from '../../../main/envs/plugin.ts';
import { listDomains } from '../../../main/envs/registry.ts';
import { tempDir } from '../../support/temp.ts';

const SWITCHBOARD = fileURLToPath(new URL('../../fixtures/plugins/switchboard', import.meta.url));

describe('code versions', () => {
  it('follow relative imports (static, type, re-export, dynamic), not unrelated files or folders left out', () => {
    const d = tempDir('codever');
    mkdirSync(join(d, 'sub'));
    mkdirSync(join(d, 'other'));
    const w = (f: string, text: string) => writeFileSync(join(d, f), text);
    w('entry.ts', "import { b } from './sub/b.ts';\nimport type { T } from './t.ts';\nexport { c } from './c.ts';\n");
    w('sub/b.ts', "export const b = () => import('../lazy.ts');\nimport '../other/o.ts';\n");
    w('t.ts', 'export type T = number;\n');
    w('c.ts', "// import x from './missing.ts' (a comment naming nothing)\nexport const c = 1;\n");
    w('lazy.ts', 'export const lazy = 1;\n');
    w('other/o.ts', 'export {};\n');
    w('unrelated.ts', 'export const u = 1;\n');
    const rel = (fs: string[]) => fs.map((f) => f.slice(d.length + 1));
    expect(rel(sourceClosure([join(d, 'entry.ts')]))).toEqual([
      'c.ts',
      'entry.ts',
      'lazy.ts',
      'other/o.ts',
      'sub/b.ts',
      't.ts',
    ]);
    expect(rel(sourceClosure([join(d, 'entry.ts')], [join(d, 'other')]))).not.toContain('other/o.ts');

    const v0 = codeDigest([join(d, 'entry.ts')]);
    expect(codeDigest([join(d, 'entry.ts')])).toBe(v0);
    appendFileSync(join(d, 'unrelated.ts'), '// edited\n');
    expect(codeDigest([join(d, 'entry.ts')])).toBe(v0);
    appendFileSync(join(d, 'lazy.ts'), '// edited\n');
    const v1 = codeDigest([join(d, 'entry.ts')]);
    expect(v1).not.toBe(v0);
    expect(codeDigest([join(d, 'entry.ts')], [join(d, 'other')])).not.toBe(v1);
  });

  it('every built-in domain has one, its own', () => {
    const versions = listDomains().map((dom) => domainCodeVersion(dom.id));
    for (const v of versions) expect(v).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(new Set(versions).size).toBe(versions.length);
    expect(() => domainCodeVersion('nope')).toThrow(/no built-in domain source folder for 'nope'/);
    expect(() => domainCodeVersion('../cod')).toThrow(/no built-in domain source folder/);
  });

  it("a plugin's changes with any of its files, and names its manifest version", () => {
    const d = join(tempDir('codever'), 'switchboard');
    cpSync(SWITCHBOARD, d, { recursive: true });
    const v0 = pluginCodeVersion(loadPlugin(d));
    expect(v0).toMatch(/^switchboard@1\.0\.0\+sha256:[0-9a-f]{64}$/);
    expect(pluginCodeVersion(loadPlugin(d))).toBe(v0);
    appendFileSync(join(d, 'rng.js'), '// edited\n');
    expect(pluginCodeVersion(loadPlugin(d))).not.toBe(v0);
  });
});
