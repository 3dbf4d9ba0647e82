/**
 * End to end with the lifecycle runner: lifecycles over sandboxed plugin packs run concurrently; the ones whose
 * plugin hangs or throws end with a recorded env_fault, the others finish every position (architecture.md: "a
 * faulty environment fails its own lifecycle with a recorded error, not the run").
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lifecycleConfig } from '../../../main/cod/config.ts';
import { HINTS_END, HINTS_START } from '../../../main/cod/hints.ts';
import { runLifecycle, type LifecycleSpec } from '../../../main/cod/lifecycle.ts';
import type { PackSpec } from '../../../main/cod/packs.ts';
import { packSeed } from '../../../main/cod/packs.ts';
import type { EpisodeKind, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import { loadPlugins } from '../../../main/envs/plugin.ts';
import { SandboxEnvHost } from '../../../main/envs/sandbox/host.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/plugins/', import.meta.url));

function spec(domain: string, index: number): LifecycleSpec {
  const pack: PackSpec = {
    id: `sandbox-lc/${domain}/${index}`,
    datasetId: 'sandbox-lc',
    domain,
    preset: 'train',
    split: 'eval',
    index,
    seed: packSeed('sandbox-lc', domain, 'eval', index),
    strategy: 'cod',
    tasks: [0, 1, 2, 3],
  };
  return { lifecycleId: `lc-${domain}-${index}`, pack, rolloutIndex: 0, seed: `seed-${index}` };
}

/** A fixed policy: flips switches in turn, and writes a one-line note after each task. */
async function call(kind: EpisodeKind, req: PolicyRequest): Promise<PolicyResponse> {
  if (kind === 'update') return { text: `Keep exploring.\n${HINTS_START}\n- flip every switch once\n${HINTS_END}` };
  const turn = req.messages.filter((m) => m.role === 'assistant').length;
  return { text: `<answer>flip ${(turn % 4) + 1}</answer>` };
}

describe('lifecycles over sandboxed plugins', () => {
  it('finish beside hostile ones, which fail with a recorded env_fault', async () => {
    const host = new SandboxEnvHost(loadPlugins(FIXTURES, []), {
      limits: { callTimeoutMs: 800, graceMs: 200, memoryMb: 96 },
    });
    try {
      const config = lifecycleConfig({ rendering: 'compact' });
      const specs = [
        spec('switchboard', 0),
        spec('hostile-hangs', 0),
        spec('switchboard', 1),
        spec('hostile-throws', 0),
        spec('calm', 0),
        spec('reads-passwd', 0),
      ];
      const results = await Promise.all(specs.map((s) => runLifecycle(s, config, { host, call })));
      const byId = new Map(results.map((r) => [r.lifecycleId, r]));

      for (const id of ['lc-switchboard-0', 'lc-switchboard-1', 'lc-calm-0']) {
        const r = byId.get(id);
        expect(r?.error, id).toBeUndefined();
        expect(r?.taskRewards).toHaveLength(4);
        expect(r?.hints.slice(1).every((h) => h === 'Hints: - flip every switch once')).toBe(true);
      }
      const expectFault = (id: string, pattern: RegExp) => {
        const r = byId.get(id);
        expect(r?.error?.code).toBe('env_fault');
        expect(r?.error?.message).toMatch(pattern);
      };
      expectFault('lc-hostile-hangs-0', /plugin 'hostile'.*domain 'hostile-hangs'.*did not finish within 800 ms/);
      expectFault('lc-hostile-throws-0', /plugin 'hostile'.*domain 'hostile-throws'.*boom from the plugin/);
      expectFault('lc-reads-passwd-0', /plugin 'reads-passwd'.*import 'node:fs' is not allowed/);
    } finally {
      await host.dispose();
    }
  });
});
