/**
 * The process-level isolation layers, checked one by one: a probe script runs with the exact command line a
 * sandbox gets, but WITHOUT the vm realm, i.e. as plugin code that escaped the realm would. What it can and
 * cannot do there is what the process layer alone guarantees.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSandboxNode, networkNamespaceAvailable, sandboxLaunch } from '../../../main/envs/sandbox/launch.ts';

const PROBE_DIR = fileURLToPath(new URL('../../fixtures/plugins/process-probe', import.meta.url));
const PROBE = path.join(PROBE_DIR, 'probe.mjs');

type ProbeResult = Record<string, string | number>;

function runProbe(port: number, networkNamespace: boolean): Promise<ProbeResult> {
  const launch = sandboxLaunch({ pluginDir: PROBE_DIR, script: PROBE, memoryMb: 64, networkNamespace });
  return new Promise((resolve, reject) => {
    const child = spawn(launch.command, [...launch.args, String(port)], { env: { ...launch.env }, cwd: PROBE_DIR });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out) as ProbeResult);
      } catch {
        reject(new Error(`probe printed no result: ${out} ${err}`));
      }
    });
  });
}

describe('sandbox process layers (probe outside the vm realm)', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    server = createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    const written = path.join(PROBE_DIR, 'written.txt');
    if (existsSync(written)) rmSync(written);
  });

  it('the permission model allows reading the plugin dir and nothing else, no writes, no processes or workers', async () => {
    const r = await runProbe(port, true);
    expect(r.readOwnDir).toMatch(/^allowed/);
    expect(r.readEtcPasswd).toBe('denied: ERR_ACCESS_DENIED');
    expect(r.writeFile).toBe('denied: ERR_ACCESS_DENIED');
    expect(r.childProcess).toBe('denied: ERR_ACCESS_DENIED');
    expect(r.worker).toBe('denied: ERR_ACCESS_DENIED');
    expect(r.processBinding).toBe('denied: ERR_ACCESS_DENIED');
    expect(existsSync(path.join(PROBE_DIR, 'written.txt'))).toBe(false);
  });

  it('the environment is empty and the heap is capped at the memory limit', async () => {
    const r = await runProbe(port, true);
    // Nothing inherited from the workbench; /bin/sh (address-space limit) adds PWD, the plugin dir.
    expect(r.envKeys).toMatch(/^allowed: ELECTRON_RUN_AS_NODE(,PWD)?$/);
    // heap_size_limit = old space (64 MB) + young generation.
    expect(r.heapLimitMb).toBeGreaterThanOrEqual(64);
    expect(r.heapLimitMb).toBeLessThan(128);
  });

  it('Node 22 permission model alone does NOT stop a socket (why the other layers exist)', async () => {
    const before = connections;
    const r = await runProbe(port, false);
    expect(r.socket).toBe('connected');
    await new Promise((res) => setTimeout(res, 50));
    expect(connections).toBe(before + 1);
  });

  it.skipIf(!networkNamespaceAvailable())('the network namespace stops a socket to 127.0.0.1', async () => {
    const before = connections;
    const launch = sandboxLaunch({ pluginDir: PROBE_DIR, script: PROBE, memoryMb: 64 });
    expect(launch.layers).toContain('network-namespace');
    const r = await runProbe(port, true);
    expect(r.socket).toMatch(/^error: (ENETUNREACH|ECONNREFUSED)/);
    await new Promise((res) => setTimeout(res, 50));
    expect(connections).toBe(before);
  });

  it('lists the layers it applies and refuses a Node without the permission model', () => {
    const launch = sandboxLaunch({ pluginDir: PROBE_DIR, memoryMb: 128 });
    for (const layer of ['separate-process', 'vm-realm', 'permission-fs-read', 'heap-limit'])
      expect(launch.layers).toContain(layer);
    expect(launch.args).toContain('--permission');
    expect(launch.args).toContain(`--allow-fs-read=${PROBE_DIR}`);
    expect(launch.args.filter((a) => a.startsWith('--allow-') && !a.startsWith('--allow-fs-read='))).toEqual([]);
    expect(() => checkSandboxNode('20.20.2')).toThrow(/need Node >= 22.18/);
    expect(() => checkSandboxNode('22.23.3')).not.toThrow();
  });
});
