/**
 * The IPC boundary: calls from a page other than the app's are refused, malformed arguments are rejected by the
 * schema, and in both cases nothing runs (checked on a real workbench over a real store: no run, no preset, no
 * worker appears).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeCallHandler } from '../../../electron/ipc.ts';
import { isSafeExternalUrl, secureWebPreferences, trustedPage } from '../../../electron/security.ts';
import { createWorkbench, type Workbench } from '../../../main/services/workbench.ts';
import type { CommandHost, CommandSpec } from '../../../main/services/command-host.ts';
import { ChildCommandHost } from '../../../main/services/command-host.ts';
import { tempDir } from '../../support/temp.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const APP_URL = 'file:///opt/cod/out/renderer/index.html';

/** The real worker host, recording what it was asked to start. */
class RecordingHost implements CommandHost {
  readonly started: CommandSpec[] = [];
  private readonly real = new ChildCommandHost(path.join(ROOT, 'bin', 'cod.mjs'));
  start(spec: CommandSpec) {
    this.started.push(spec);
    return this.real.start(spec);
  }
}

let home: string;
let host: RecordingHost;
let wb: Workbench;
let call: ReturnType<typeof makeCallHandler>;

beforeEach(() => {
  home = tempDir('ipc');
  host = new RecordingHost();
  wb = createWorkbench({ appRoot: ROOT, codHome: home, commandHost: host });
  call = makeCallHandler(wb, trustedPage(APP_URL));
});
afterEach(() => wb.close());

/** A top frame showing `url` (Electron's WebFrameMain has parent null there), or no frame. */
const from = (url: string | null) => ({ senderFrame: url === null ? null : { url, parent: null } });
/** A subframe of the app's window showing `url`. */
const iframe = (url: string) => ({ senderFrame: { url, parent: { url: APP_URL, parent: null } } });

describe('IPC handler', () => {
  it('answers the app page', async () => {
    const a = await call(from(`${APP_URL}#/runs`), 'runs.list', {});
    expect(a).toEqual({ ok: true, result: [] });
  });

  it.each([
    ['another file', 'file:///tmp/evil.html'],
    ['a web page', 'https://example.com/'],
    ['a data URL', 'data:text/html,<script>1</script>'],
    ['a look-alike path', 'file:///opt/cod/out/renderer/index.html.evil'],
    ['no frame', null],
    ['garbage', 'not a url'],
  ])('refuses %s and runs nothing', async (_what, url) => {
    const a = await call(from(url), 'curricula.save', {
      name: 'x',
      text: 'name: x\ntrain:\n  domains:\n    - id: frozenlake\n',
    });
    expect(a.ok).toBe(false);
    if (!a.ok) expect(a.error.message).toMatch(/refused/);
    const l = await call(from(url), 'runs.launch', { curriculum: 'cpu-demo' });
    expect(l.ok).toBe(false);
    expect(existsSync(path.join(home, 'curricula', 'x.yaml'))).toBe(false);
    expect(host.started).toEqual([]);
    expect(wb.store.listRuns()).toEqual([]);
  });

  it("refuses an iframe even when it shows the app's own page, and runs nothing", async () => {
    const a = await call(iframe(APP_URL), 'curricula.save', {
      name: 'x',
      text: 'name: x\ntrain:\n  domains:\n    - id: frozenlake\n',
    });
    expect(a).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    if (!a.ok) expect(a.error.message).toMatch(/refused/);
    expect(existsSync(path.join(home, 'curricula', 'x.yaml'))).toBe(false);
  });

  it.each([
    ['an unknown method', 'fs.readFile', { path: '/etc/passwd' }, /unknown method/],
    ['a method name that is not a string', 42, {}, /unknown method/],
    ['a prototype key as method', '__proto__', {}, /unknown method/],
    ['a path in a preset name', 'curricula.save', { name: '../../evil', text: 'x' }, /name/],
    ['an extra field', 'runs.launch', { curriculum: 'cpu-demo', shell: 'rm -rf /' }, /shell|unrecognized/i],
    ['a wrong type', 'runs.launch', { curriculum: 'cpu-demo', steps: 'many' }, /steps/],
    ['a bad run id', 'runs.stop', { runId: '../x' }, /runId/],
    ['params that are not an object', 'runs.list', 'hello', /object/],
    ['a negative step', 'runs.series', { runId: 'abc', names: ['loss'], fromStep: -1 }, /fromStep/],
  ])('rejects %s with one clear error and runs nothing', async (_what, method, params, message) => {
    const a = await call(from(APP_URL), method, params);
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.code).toBe('bad_input');
      expect(a.error.message).toMatch(message);
      expect(a.error.message).not.toContain('\n');
    }
    expect(host.started).toEqual([]);
    expect(existsSync(path.join(home, 'curricula'))).toBe(false);
    expect(wb.store.listRuns()).toEqual([]);
  });
});

describe('window security settings', () => {
  it('isolates, sandboxes and keeps Node out of the page', () => {
    const p = secureWebPreferences('/x/preload.cjs');
    expect(p).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });
  });

  it('opens only well-formed http(s) URLs externally', () => {
    expect(isSafeExternalUrl('https://arxiv.org/abs/1')).toBe(true);
    expect(isSafeExternalUrl('http://localhost:8080/')).toBe(true);
    for (const u of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://user:pw@host/',
      'nonsense',
    ])
      expect(isSafeExternalUrl(u)).toBe(false);
  });
});
