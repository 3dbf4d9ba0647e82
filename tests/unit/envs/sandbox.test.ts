import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import type { PackHandle } from '../../../main/envs/host.ts';
import { loadPlugin, loadPlugins } from '../../../main/envs/plugin.ts';
import { SandboxEnvHost } from '../../../main/envs/sandbox/host.ts';
import type { Domain, OpenPackArgs } from '../../../main/envs/sdk.ts';
import { stableSeed } from '../../../main/envs/seed.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));
const fixture = (name: string) => path.join(FIXTURES, name);
const args = (seed: string, options?: Record<string, unknown>): OpenPackArgs => ({
  seed: stableSeed('sandbox-test', seed),
  preset: 'train',
  rendering: 'chat',
  ...(options ? { options } : {}),
});
// Generous enough for a 2-core machine loaded 7 processes deep (a huge reply, a plugin load and a bomb's fault
// finish in time there); a hang is still stopped within two seconds.
const LIMITS = { callTimeoutMs: 2000, loadTimeoutMs: 15000, graceMs: 200, memoryMb: 96 };

/** What rejected a promise, as the CodError a pack should fail with. */
async function faultOf(p: Promise<unknown>): Promise<CodError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CodError);
    return e as CodError;
  }
  throw new Error('expected the call to fail');
}

async function openAndStep(host: SandboxEnvHost, domain: string, action = 'x', options?: Record<string, unknown>) {
  const pack = await host.openPack(domain, args(domain, options));
  await pack.startTask(0);
  return pack.step(action);
}

/** Play task `index` with a fixed action list; returns every result, to compare runs. */
async function playSwitchboard(pack: PackHandle, index: number, actions: readonly string[]): Promise<unknown[]> {
  const out: unknown[] = [await pack.startTask(index)];
  for (const a of actions) {
    const r = await pack.step(a);
    out.push(r);
    if (r.done) break;
  }
  return out;
}

describe('SandboxEnvHost with a well-behaved plugin', () => {
  let host: SandboxEnvHost;
  beforeAll(() => {
    host = new SandboxEnvHost([loadPlugin(fixture('switchboard'))], { limits: LIMITS });
  });
  afterAll(() => host.dispose());

  it('reports the domain as the plugin declares it', async () => {
    const info = await host.describe('switchboard');
    expect(info).toMatchObject({ id: 'switchboard', presets: ['train', 'easy', 'hard'], defaultPreset: 'train' });
    expect(host.domainIds()).toEqual(['switchboard']);
  });

  it('gives exactly what the same domain gives when run in process', async () => {
    const url = pathToFileURL(path.join(fixture('switchboard'), 'index.js')).href;
    const domain = ((await import(url)) as { switchboard: Domain }).switchboard;
    const a = args('same');
    const local = domain.openPack(a);
    const remote = await host.openPack('switchboard', a);
    const actions = ['flip 1', 'flip 2', 'flip 3', 'flip 4'];
    for (const index of [0, 1, 2]) {
      const ep = local.startTask(index);
      const expected: unknown[] = [
        { taskId: ep.taskId, maxTurns: ep.maxTurns, rules: ep.rules(), observation: ep.observation(), view: ep.view() },
      ];
      for (const act of actions) {
        const r = ep.step(act);
        expected.push({ ...r, view: ep.view(), turnsUsed: ep.turnsUsed() });
        if (r.done) break;
      }
      expect(await playSwitchboard(remote, index, actions)).toEqual(JSON.parse(JSON.stringify(expected)));
    }
    await remote.close();
  });

  it('is a CoD domain: notes of the wiring lift later positions, an empty context stays flat', async () => {
    // Oracle: flips switches, learns which lamp each one drives from the feedback, keeps that in its notes.
    const run = async (keepNotes: boolean) => {
      const perPosition = [0, 0, 0, 0];
      const packs = 12;
      for (let p = 0; p < packs; p++) {
        const pack = await host.openPack('switchboard', args(`codness-${p}`));
        let notes = new Map<number, number>(); // switch -> lamp
        for (let j = 0; j < 4; j++) {
          if (!keepNotes) notes = new Map();
          const start = await pack.startTask(j);
          const target = (start.view.target as boolean[]).map((on, i) => (on ? i + 1 : 0)).filter((x) => x > 0);
          const wanted = new Set(target);
          let reward = 0;
          for (let turn = 0; turn < start.maxTurns; turn++) {
            const known = [...notes].find(([, lamp]) => wanted.has(lamp));
            const untried = [1, 2, 3, 4].find((s) => !notes.has(s));
            const sw = known ? known[0] : (untried ?? 1);
            const r = await pack.step(`flip ${sw}`);
            const last = r.view.last as { switch: number; lamp: number };
            notes.set(last.switch, last.lamp);
            if (wanted.has(last.lamp)) wanted.delete(last.lamp);
            if (r.done) {
              reward = r.reward;
              break;
            }
          }
          perPosition[j] += reward / packs;
        }
        await pack.close();
      }
      return perPosition;
    };
    const oracle = await run(true);
    const empty = await run(false);
    expect(oracle[3]).toBeGreaterThan(oracle[0] + 0.3);
    expect(oracle[3]).toBeGreaterThan(empty[3] + 0.3);
    expect(Math.max(...empty) - Math.min(...empty)).toBeLessThan(0.35);
  });

  it('rejects an unknown preset as a config error and an unknown domain as not found', async () => {
    const bad = await faultOf(host.openPack('switchboard', { ...args('p'), preset: 'nightmare' }));
    expect(bad.code).toBe('bad_config');
    expect(bad.message).toMatch(/no preset 'nightmare'.*train, easy, hard/);
    const missing = await faultOf(host.openPack('frozenlake-plugin', args('p')));
    expect(missing.code).toBe('not_found');
  });

  it('turns an exception from the plugin option check into an env_fault naming the plugin', async () => {
    const e = await faultOf(host.openPack('switchboard', args('o', { wires: 3 })));
    expect(e.code).toBe('env_fault');
    expect(e.message).toContain("plugin 'switchboard'");
    expect(e.message).toContain("bad option 'wires'");
  });
});

describe('SandboxEnvHost with hostile plugins', () => {
  let host: SandboxEnvHost;
  let server: Server;
  let port = 0;
  let connections = 0;
  const logs: string[] = [];

  beforeAll(async () => {
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
    host = new SandboxEnvHost(loadPlugins(FIXTURES, []), {
      limits: LIMITS,
      processesPerPlugin: 2,
      onLog: (plugin, line) => logs.push(`${plugin} ${line}`),
    });
  });
  afterAll(async () => {
    await host.dispose();
    await new Promise((r) => server.close(r));
  });

  const cases: Array<[domain: string, expected: RegExp]> = [
    ['hostile-throws', /step failed: threw Error: boom from the plugin/],
    ['hostile-hangs', /step did not finish within 2000 ms; the sandbox process was stopped/],
    // A runaway promise chain: stopped by the time limit, or by the heap limit when it grows memory faster.
    ['hostile-promise-loop', /step (did not finish within 2000 ms|exceeded the memory limit \(96 MB heap\))/],
    ['hostile-garbage', /returned a malformed step result: done/],
    ['hostile-huge', /reply that is too large/],
  ];
  it.each(cases)('%s fails its own pack with an env_fault that says what happened', async (domain, expected) => {
    const e = await faultOf(openAndStep(host, domain));
    expect(e.code).toBe('env_fault');
    expect(e.message).toContain("plugin 'hostile'");
    expect(e.message).toContain(`domain '${domain}'`);
    expect(e.message).toMatch(expected);
  });

  it('contains a heap allocation bomb (V8 heap limit) and an ArrayBuffer bomb (address-space limit)', async () => {
    const slow = new SandboxEnvHost([loadPlugin(fixture('hostile'))], { limits: { ...LIMITS, callTimeoutMs: 20000 } });
    try {
      const heap = await faultOf(openAndStep(slow, 'hostile-heap'));
      expect(heap.code).toBe('env_fault');
      expect(heap.message).toMatch(/domain 'hostile-heap': step exceeded the memory limit \(96 MB/);
      const layers = slow.isolationLayers(loadPlugin(fixture('hostile')));
      const buffer = await faultOf(openAndStep(slow, 'hostile-buffer'));
      expect(buffer.code).toBe('env_fault');
      if (layers.includes('address-space-limit'))
        expect(buffer.message).toMatch(/step exceeded the memory limit \(96 MB\).*Array buffer allocation failed/);
      else expect(buffer.message).toMatch(/memory limit|did not finish/);
      // The host is still usable afterwards.
      expect((await openAndStep(slow, 'calm', 'hi')).done).toBe(false);
    } finally {
      await slow.dispose();
    }
  });

  it('a plugin that tries to reach Node capabilities and the network from a step finds nothing', async () => {
    const e = await faultOf(openAndStep(host, 'hostile-escape', 'x', { port }));
    expect(e.code).toBe('env_fault');
    expect(e.message).toContain('no capability reachable');
    expect(e.message).toContain('globalThis.process: unavailable');
    expect(e.message).toContain('Function constructor: Code generation from strings disallowed');
    expect(e.message).toContain('fetch: unavailable');
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBe(0);
  });

  it('plugins that import node:fs (to read /etc/passwd) or node:net (to open a socket) fail to load', async () => {
    const fs = await faultOf(host.openPack('reads-passwd', args('f')));
    expect(fs.code).toBe('env_fault');
    expect(fs.message).toMatch(
      /plugin 'reads-passwd'.*could not be loaded: index\.js: import 'node:fs' is not allowed/,
    );
    const net = await faultOf(host.openPack('opens-socket', args('n', { port })));
    expect(net.code).toBe('env_fault');
    expect(net.message).toMatch(/plugin 'opens-socket'.*net\.js: import 'node:net' is not allowed/);
    expect(connections).toBe(0);
    const dyn = await faultOf(host.openPack('dynamic-import', args('d')));
    expect(dyn.code).toBe('env_fault');
    expect(dyn.message).toMatch(/plugin 'dynamic-import'.*the entry threw while loading: .*dynamic import/i);
    // The broken plugin stays broken, with the same error, without restarting sandboxes.
    expect((await faultOf(host.openPack('reads-passwd', args('g')))).message).toBe(fs.message);
  });

  it('a plugin whose module never finishes evaluating fails to load within the load limit', async () => {
    const quick = new SandboxEnvHost([loadPlugin(fixture('hangs-at-load'))], {
      limits: { ...LIMITS, loadTimeoutMs: 600 },
    });
    try {
      const e = await faultOf(quick.openPack('hangs-at-load', args('h')));
      expect(e.code).toBe('env_fault');
      // The sandbox's own evaluation timer, or the host's (which also counts process start-up) on a busy machine.
      expect(e.message).toMatch(
        /plugin 'hangs-at-load'.*(evaluating the entry took longer than 600 ms|load did not finish within 600 ms)/,
      );
    } finally {
      await quick.dispose();
    }
  });

  it('a failed pack keeps failing with the same error; the host and other packs go on', async () => {
    const pack = await host.openPack('hostile-throws', args('again'));
    await pack.startTask(0);
    const first = await faultOf(pack.step('x'));
    const second = await faultOf(pack.step('y'));
    expect(second).toBe(first);
    await pack.close();
    expect((await openAndStep(host, 'calm', 'still here')).done).toBe(false);
    expect(logs).toContain('hostile log: calm step still here');
  });

  it('runs many packs concurrently while hostile ones hang, crash and throw beside them', async () => {
    const actions = ['flip 1', 'flip 2', 'flip 3', 'flip 4'];
    const baselineHost = new SandboxEnvHost([loadPlugin(fixture('switchboard'))], { limits: LIMITS });
    const expected: unknown[][] = [];
    for (let i = 0; i < 4; i++) {
      const p = await baselineHost.openPack('switchboard', args(`conc-${i}`));
      expected.push([...(await playSwitchboard(p, 0, actions)), ...(await playSwitchboard(p, 1, actions))]);
    }
    await baselineHost.dispose();

    const good = [0, 1, 2, 3].map(async (i) => {
      const p = await host.openPack('switchboard', args(`conc-${i}`));
      return [...(await playSwitchboard(p, 0, actions)), ...(await playSwitchboard(p, 1, actions))];
    });
    const calm = [0, 1].map(async (i) => {
      const p = await host.openPack('calm', args(`calm-${i}`));
      const seen: string[] = [];
      for (let t = 0; t < 3; t++) {
        await p.startTask(t);
        for (const a of ['a', 'b']) {
          const r = await p.step(`${i}${t}${a}`);
          if (!r.done) seen.push(r.observation);
        }
      }
      return seen;
    });
    const bad = ['hostile-hangs', 'hostile-throws', 'hostile-promise-loop', 'hostile-garbage'].map((d) =>
      openAndStep(host, d),
    );
    const [goodR, calmR, badR] = await Promise.all([
      Promise.allSettled(good),
      Promise.allSettled(calm),
      Promise.allSettled(bad),
    ]);
    goodR.forEach((r, i) => {
      expect(r.status).toBe('fulfilled');
      if (r.status === 'fulfilled') expect(r.value).toEqual(expected[i]);
    });
    calmR.forEach((r, i) => {
      expect(r.status).toBe('fulfilled');
      if (r.status === 'fulfilled')
        expect(r.value).toEqual(['00a', '00b', '01a', '01b', '02a', '02b'].map((s) => `you said ${i}${s.slice(1)}`));
    });
    for (const r of badR) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect((r.reason as CodError).code).toBe('env_fault');
    }
  });
});

describe('packs that share a process with a culprit', () => {
  it('are rebuilt by replay in a fresh process; a non-deterministic one is caught doing it', async () => {
    const host = new SandboxEnvHost([loadPlugin(fixture('hostile'))], { limits: LIMITS, processesPerPlugin: 1 });
    try {
      const calm = await host.openPack('calm', args('replay'));
      await calm.startTask(0);
      expect(await calm.step('before')).toMatchObject({ observation: 'you said before' });
      const random = await host.openPack('hostile-random', args('replay'));
      await random.startTask(0);
      await random.step('x');

      const hang = await faultOf(openAndStep(host, 'hostile-hangs'));
      expect(hang.message).toContain('did not finish within 2000 ms');

      // Same pack, new process: the earlier calls were replayed, so the episode goes on where it was.
      expect(await calm.step('after')).toMatchObject({ observation: 'you said after', turnsUsed: 2 });
      const nondet = await faultOf(random.step('y'));
      expect(nondet.code).toBe('env_fault');
      expect(nondet.message).toMatch(/domain 'hostile-random'.*is not deterministic: replaying call 3 \(step\)/);
    } finally {
      await host.dispose();
    }
  });
});
