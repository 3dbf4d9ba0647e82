/**
 * The host side of the sandbox protocol against a sandbox process that breaks it: the rogue fixture stands in
 * for plugin code that escaped the in-process layers and writes to the pipe itself. Every malformed message
 * must become a fault of the call it answers, never reach the caller as data.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PluginInfo } from '../../../main/envs/plugin.ts';
import { sandboxLaunch } from '../../../main/envs/sandbox/launch.ts';
import { defaultLimits, SandboxFault, SandboxProcess } from '../../../main/envs/sandbox/process.ts';
import { requestSchema } from '../../../main/envs/sandbox/protocol.ts';

const DIR = fileURLToPath(new URL('../../fixtures/plugins/rogue-sandbox', import.meta.url));
const ROGUE: PluginInfo = {
  name: 'rogue',
  version: '0.0.0',
  description: undefined,
  dir: DIR,
  entry: path.join(DIR, 'rogue.mjs'),
  manifestPath: path.join(DIR, 'cod-plugin.json'),
  domains: ['rogue'],
};
const limits = { ...defaultLimits, callTimeoutMs: 800, graceMs: 200, maxReplyBytes: 1024 * 1024 };

async function rogueAt(): Promise<SandboxProcess> {
  const proc = new SandboxProcess(ROGUE, limits, sandboxLaunch({ pluginDir: DIR, script: ROGUE.entry, memoryMb: 64 }));
  await proc.ready;
  await proc.call({ op: 'open', pack: 1, domain: 'rogue', args: { seed: 's', preset: 'train', rendering: 'chat' } });
  await proc.call({ op: 'start', pack: 1, index: 0 });
  return proc;
}

async function faultOf(p: Promise<unknown>): Promise<SandboxFault> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(SandboxFault);
    return e as SandboxFault;
  }
  throw new Error('expected a fault');
}

describe('SandboxProcess against a rogue sandbox', () => {
  it('accepts a well-formed reply', async () => {
    const proc = await rogueAt();
    try {
      expect(await proc.call({ op: 'step', pack: 1, action: 'ok' })).toEqual({
        done: false,
        observation: 'fine',
        view: {},
        turnsUsed: 1,
      });
    } finally {
      proc.kill();
    }
  });

  const cases: Array<[action: string, kind: string, message: RegExp]> = [
    ['not-json', 'protocol', /a line that is not JSON during step/],
    ['wrong-id', 'protocol', /malformed reply during step: reply id \d+, expected \d+/],
    ['bad-result', 'protocol', /malformed step result/],
    ['extra-field', 'protocol', /malformed reply during step/],
    ['huge', 'protocol', /reply longer than 1048576 bytes/],
    ['no-newline', 'timeout', /step did not finish within 800 ms/],
    ['exit', 'crash', /exited during step \(exit code 3\)/],
  ];
  it.each(cases)('%s → %s fault, and the process is stopped', async (action, kind, message) => {
    const proc = await rogueAt();
    const f = await faultOf(proc.call({ op: 'step', pack: 1, action }));
    expect(f.kind).toBe(kind);
    expect(f.culprit).toBe(true);
    expect(f.message).toMatch(message);
    await new Promise((r) => setTimeout(r, 50));
    expect(proc.alive).toBe(false);
  });

  it('a call queued behind the culprit is reported as lost (retryable), not as its own fault', async () => {
    const proc = await rogueAt();
    const [a, b] = await Promise.allSettled([
      proc.call({ op: 'step', pack: 1, action: 'exit' }),
      proc.call({ op: 'step', pack: 1, action: 'ok' }),
    ]);
    expect(a.status === 'rejected' && (a.reason as SandboxFault).kind).toBe('crash');
    expect(b.status === 'rejected' && (b.reason as SandboxFault).kind).toBe('lost');
    expect(b.status === 'rejected' && (b.reason as SandboxFault).culprit).toBe(false);
  });

  it('the sandbox side rejects requests that do not match the protocol', () => {
    expect(requestSchema.safeParse({ id: 1, op: 'step', pack: 1, action: 'x' }).success).toBe(true);
    expect(requestSchema.safeParse({ id: 1, op: 'step', pack: 1, action: 'x', extra: 1 }).success).toBe(false);
    expect(requestSchema.safeParse({ id: 1, op: 'eval', code: '1' }).success).toBe(false);
    expect(requestSchema.safeParse({ id: -1, op: 'close', pack: 1 }).success).toBe(false);
  });
});
