import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import type { Domain, EpisodeEnd, OpenPackArgs, Pack, TaskEpisode } from '../../../main/envs/sdk.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const args = (seed: string, options?: Record<string, unknown>): OpenPackArgs => ({
  seed,
  preset: 'train',
  rendering: 'chat',
  ...(options ? { options } : {}),
});

/** A domain whose episodes break the SDK contract in a chosen way (each is a real, misbehaving domain). */
function brokenDomain(
  mode: 'nan_reward' | 'function_view' | 'throw_open' | 'bad_outcome' | 'throw_rules' | 'bad_history',
): Domain {
  const episode = (): TaskEpisode => ({
    taskId: 'broken/0',
    maxTurns: 2,
    // A rule that keeps no turn whole is outside the contract (keepWholeUserTurns ≥ 1).
    ...(mode === 'bad_history'
      ? { historyCompression: { keepWholeUserTurns: 0, marker: 'Action feedback:', replacement: '' } }
      : {}),
    rules: () => {
      if (mode === 'throw_rules') throw new TypeError('rules exploded');
      return 'rules';
    },
    observation: () => 'obs',
    step: () =>
      mode === 'bad_outcome'
        ? ({ done: true, reward: 1, outcome: 'won', success: true, feedback: '' } as unknown as EpisodeEnd & {
            done: true;
          })
        : { done: true, reward: mode === 'nan_reward' ? NaN : 1, outcome: 'success', success: true, feedback: 'ok' },
    formatError: () => ({ reward: 0, outcome: 'format_error', success: false, feedback: 'bad' }),
    turnsUsed: () => 1,
    view: () => (mode === 'function_view' ? { f: () => 1 } : { a: 1 }),
  });
  return {
    id: `broken-${mode}`,
    title: 'broken',
    description: 'a domain that breaks the SDK contract',
    presets: ['train'],
    defaultPreset: 'train',
    openPack(a: OpenPackArgs): Pack {
      if (mode === 'throw_open') throw new RangeError('instance generation failed');
      return { domain: `broken-${mode}`, seed: a.seed, startTask: episode };
    },
  };
}

describe('InProcessEnvHost', () => {
  it('plays a real domain: start, steps, end, with plain-data views', async () => {
    const host = new InProcessEnvHost([hiddenOffsetDomain]);
    const h = await host.openPack('hidden-offset', args('s1'));
    const start = await h.startTask(0);
    expect(start.rules).toContain('secret offset');
    expect(start.maxTurns).toBe(3);
    const target = start.view.target as number;
    const r = await h.step(String(target + 100));
    expect(r.done).toBe(false);
    expect(r.turnsUsed).toBe(1);
    expect(r.view.guesses).toEqual([{ code: target + 100, result: 'high' }]);
    const end = await h.formatError('no answer block');
    expect(end).toMatchObject({ reward: 0, outcome: 'format_error', success: false });
    await expect(h.step('1')).rejects.toThrow(/after the episode ended/);
    // Same task index again: the same task (the Ralph loop relies on it).
    const again = await h.startTask(0);
    expect(again.view.target).toBe(target);
    await h.close();
    await expect(h.startTask(1)).rejects.toThrow(/closed/);
    await host.dispose();
  });

  it('an exception in domain code fails only that handle, as env_fault naming the domain', async () => {
    const host = new InProcessEnvHost([hiddenOffsetDomain]);
    const bad = await host.openPack('hidden-offset', args('s2', { faultAt: { task: 0, turn: 0 } }));
    const good = await host.openPack('hidden-offset', args('s2'));
    await bad.startTask(0);
    await good.startTask(0);
    const err = await bad.step('5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodError);
    expect((err as CodError).code).toBe('env_fault');
    expect((err as CodError).message).toContain("domain 'hidden-offset'");
    expect((err as CodError).message).toContain('injected fault at task 0');
    // The faulted handle stays failed, with the same error; the other handle is unaffected.
    await expect(bad.startTask(1)).rejects.toBe(err);
    const ok = await good.step('5');
    expect(typeof ok.done).toBe('boolean');
    await host.dispose();
  });

  it.each([
    ['nan_reward', /reward must be a finite number/],
    ['function_view', /view\(\) is not plain data/],
    ['bad_outcome', /unknown outcome 'won'/],
    ['bad_history', /historyCompression\.keepWholeUserTurns: /],
  ] as const)('contract violation %s → env_fault', async (mode, msg) => {
    const d = brokenDomain(mode);
    const host = new InProcessEnvHost([d]);
    const h = await host.openPack(d.id, args('x'));
    const run = async () => {
      await h.startTask(0);
      await h.step('a');
    };
    await expect(run()).rejects.toThrow(msg);
    await expect(run()).rejects.toThrow(expect.objectContaining({ code: 'env_fault' }));
  });

  it('a throwing openPack or rules() is an env fault; a bad preset stays a config error', async () => {
    const open = brokenDomain('throw_open');
    const rules = brokenDomain('throw_rules');
    const host = new InProcessEnvHost([open, rules, hiddenOffsetDomain]);
    await expect(host.openPack(open.id, args('x'))).rejects.toThrow(
      expect.objectContaining({ code: 'env_fault', message: expect.stringContaining('instance generation failed') }),
    );
    const h = await host.openPack(rules.id, args('x'));
    await expect(h.startTask(0)).rejects.toThrow(expect.objectContaining({ code: 'env_fault' }));
    await expect(host.openPack('hidden-offset', { ...args('x'), preset: 'nope' })).rejects.toThrow(
      expect.objectContaining({ code: 'bad_config' }),
    );
    await expect(host.openPack('nope', args('x'))).rejects.toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('rejects caller misuse as bad_input without failing the handle', async () => {
    const host = new InProcessEnvHost([hiddenOffsetDomain]);
    const h = await host.openPack('hidden-offset', args('s3'));
    await expect(h.step('1')).rejects.toThrow(expect.objectContaining({ code: 'bad_input' }));
    await expect(h.startTask(-1)).rejects.toThrow(expect.objectContaining({ code: 'bad_input' }));
    await expect(h.startTask(0)).resolves.toMatchObject({ maxTurns: 3 });
  });
});
