/**
 * The eval cache through the real lifecycle runner, env host and FrozenLake domain, with the domain's scripted
 * oracle as the policy (the CLI with the built-in model: tests/integration/eval-cache.test.ts): a whole evaluation
 * is kept and read back as the same result; another environment version, suite definition, seeds, model or
 * temperature is another key; a corrupt, foreign or too-thin entry is ignored with a warning; a stopped evaluation
 * keeps nothing.
 */
import { copyFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { getDomain } from '../../../main/envs/registry.ts';
import type { DomainWithAgents } from '../../../main/envs/sdk.ts';
import { parseCurriculum } from '../../../main/training/curriculum/load.ts';
import {
  EvalCache,
  evalCacheKey,
  evaluateSuiteCached,
  type EvalCacheKey,
  type ModelIdentity,
} from '../../../main/training/eval-cache.ts';
import { findSuite } from '../../../main/training/evaluate.ts';
import { tempDir } from '../../support/temp.ts';

const CURRICULUM = `name: eval-cache-unit
rendering: compact
train:
  domains:
    - id: frozenlake
lifecycle:
  memoryCharBudget: 300
evals:
  - name: fl
    kind: in_domain
    domain: frozenlake
    packSize: 3
    packs: 4
    seeds: [1, 2]
`;

const { curriculum } = parseCurriculum(CURRICULUM, 'eval-cache-unit.yaml');
const suite = findSuite(curriculum, 'fl');
const frozenlake = getDomain('frozenlake') as DomainWithAgents;
const host = new InProcessEnvHost([frozenlake]);
afterAll(() => host.dispose());

const policy = () => new ScriptedPolicy(frozenlake, { kind: 'oracle', seed: 's', agentScope: 'task' });
// The identity of a model directory; the scripted policy stands in for the model it names.
const model: ModelIdentity = { weights: 'a'.repeat(64), adapter: null, text: 'b'.repeat(64) };
const key = (over: Partial<Parameters<typeof evalCacheKey>[0]> = {}): EvalCacheKey =>
  evalCacheKey({ model, suite, curriculum, plugins: [], temperature: 1, ...over });

function cacheIn(dir: string) {
  const warnings: string[] = [];
  return { store: new EvalCache(dir, (m) => warnings.push(m)), warnings };
}

/** evaluateSuiteCached with the cache; `played` counts the tasks actually played. */
async function run(store: EvalCache, k: EvalCacheKey, extra: { keepRecords?: boolean; signal?: AbortSignal } = {}) {
  let played = 0;
  const out = await evaluateSuiteCached({
    suite,
    curriculum,
    policy: policy(),
    host,
    cache: { store, key: k },
    onProgress: (done) => (played = done),
    ...extra,
  });
  return { ...out, played };
}

describe('the eval cache', () => {
  it('keeps a whole evaluation and reads it back as the same result, playing nothing', async () => {
    const { store, warnings } = cacheIn(tempDir('evalcache'));
    const first = await run(store, key());
    expect(first.cached).toBeUndefined();
    expect(first.played).toBe(24);
    expect(existsSync(store.fileOf(key()))).toBe(true);
    const second = await run(store, key());
    expect(second.cached?.file).toBe(store.fileOf(key()));
    expect(second.played).toBe(0);
    expect(second.result).toEqual(first.result);
    expect(second.cached!.wallS).toBeGreaterThan(0);
    expect(warnings).toEqual([]);
  });

  it('another environment version, suite definition, seeds, model or temperature is another entry', async () => {
    const { store } = cacheIn(tempDir('evalcache'));
    await run(store, key());
    const base = key();
    const other: EvalCacheKey[] = [
      { ...base, env: { ...base.env, version: 'sha256:' + 'c'.repeat(64) } },
      key({ curriculum: { ...curriculum, lifecycle: { ...curriculum.lifecycle, memoryCharBudget: 299 } } }),
      key({ suite: { ...suite, packs: 5 } }),
      key({ suite: { ...suite, seeds: [1, 3] } }),
      key({ baseline: 'none' }),
      key({ seedSalt: 'x' }),
      key({ model: { ...model, weights: 'd'.repeat(64) } }),
      key({ model: { ...model, adapter: 'e'.repeat(64) } }),
      key({ temperature: 0.7 }),
    ];
    const files = new Set([base, ...other].map((k) => store.fileOf(k)));
    expect(files.size).toBe(other.length + 1);
    // Not served: the changed environment version plays the suite again.
    const changed = await run(store, other[0]);
    expect([changed.cached, changed.played]).toEqual([undefined, 24]);
  });

  it('the key names the domain code version: the same for every preset, different between domains', () => {
    const k = key();
    expect(k.env).toMatchObject({ domain: 'frozenlake', preset: 'train' });
    expect(k.env.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(key({ suite: { ...suite, preset: 'easy' } }).env.version).toBe(k.env.version);
    expect(key({ suite: { ...suite, domain: 'gridnav' } }).env.version).not.toBe(k.env.version);
  });

  it('a corrupt, foreign or truncated entry is ignored with a warning and replaced by the next evaluation', async () => {
    const dir = tempDir('evalcache');
    const { store, warnings } = cacheIn(dir);
    const first = await run(store, key());
    const file = store.fileOf(key());

    writeFileSync(file, 'not gzip at all');
    const afterGarbage = await run(store, key());
    expect([afterGarbage.cached, afterGarbage.played]).toEqual([undefined, 24]);
    expect(warnings.pop()).toMatch(/ignoring the unreadable entry .*json\.gz/);
    expect((await run(store, key())).cached).toBeDefined(); // replaced by a whole entry

    // Valid gzip and JSON, the wrong shape: one issue named.
    writeFileSync(file, gzipSync(JSON.stringify({ format: 'cod-eval-cache/1', key: key(), lifecycles: 'x' })));
    expect((await run(store, key())).played).toBe(24);
    expect(warnings.pop()).toMatch(/unreadable entry .*\(createdAt: /);

    // Another key's entry under this key's name (a renamed file) is never served.
    const other = key({ seedSalt: 'other' });
    await run(store, other);
    copyFileSync(store.fileOf(other), file);
    expect((await run(store, key())).played).toBe(24);
    expect(warnings.pop()).toMatch(/holds another key/);

    expect((await run(store, key())).result).toEqual(first.result);
    expect(warnings).toEqual([]);
  });

  it('an entry without the model calls does not serve an evaluation that keeps them', async () => {
    const { store, warnings } = cacheIn(tempDir('evalcache'));
    await run(store, key(), { keepRecords: false });
    expect((await run(store, key(), { keepRecords: false })).played).toBe(0);
    const needs = await run(store, key());
    expect([needs.cached, needs.played]).toEqual([undefined, 24]);
    expect(needs.result.lifecycles[0].records.length).toBeGreaterThan(0);
    // Now kept with records: both kinds of reader are served.
    expect((await run(store, key())).result.lifecycles[0].records.length).toBeGreaterThan(0);
    expect((await run(store, key(), { keepRecords: false })).result.lifecycles[0].records).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('a stopped evaluation rejects and keeps nothing', async () => {
    const dir = tempDir('evalcache');
    const { store } = cacheIn(dir);
    const ctl = new AbortController();
    let played = 0;
    await expect(
      evaluateSuiteCached({
        suite,
        curriculum,
        policy: policy(),
        host,
        cache: { store, key: key() },
        signal: ctl.signal,
        onProgress: (done) => {
          played = done;
          if (done === 5) ctl.abort(new Error('stop asked'));
        },
      }),
    ).rejects.toThrow(/stop asked/);
    expect(played).toBeLessThan(24);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  });
});
