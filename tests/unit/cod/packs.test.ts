import { describe, expect, it } from 'vitest';
import { packSeed, packsFromRows, padCyclic, planPacks, type PackPlan } from '../../../main/cod/packs.ts';
import { stableSeed } from '../../../main/envs/seed.ts';

const base: PackPlan = {
  datasetId: 'ds',
  domain: 'frozenlake',
  preset: 'train',
  split: 'train',
  strategy: 'cod',
  packSize: 4,
  count: 3,
};

describe('packs', () => {
  it('cod: S different tasks of one instance, seeded by sha256 of (dataset, domain, split, index)', () => {
    const packs = planPacks(base);
    expect(packs.map((p) => p.tasks)).toEqual([
      [0, 1, 2, 3],
      [0, 1, 2, 3],
      [0, 1, 2, 3],
    ]);
    expect(packs.map((p) => p.id)).toEqual(['ds/frozenlake/train/0', 'ds/frozenlake/train/1', 'ds/frozenlake/train/2']);
    packs.forEach((p, i) => {
      expect(p.seed).toBe(stableSeed('ds', 'frozenlake', 'train', i));
      expect(p.seed).toMatch(/^[0-9a-f]{64}$/);
    });
    expect(new Set(packs.map((p) => p.seed)).size).toBe(3);
    // Stable across calls (and processes: the digest is a pure function of its inputs).
    expect(planPacks(base)).toEqual(packs);
    expect(packSeed('ds', 'frozenlake', 'eval', 0)).not.toBe(packs[0].seed);
    expect(planPacks({ ...base, firstIndex: 2, count: 1 })[0]).toEqual(packs[2]);
  });

  it('ralph_sample: the first task of each chunk repeated S times', () => {
    const packs = planPacks({ ...base, strategy: 'ralph_sample' });
    expect(packs).toHaveLength(3);
    for (const p of packs) expect(p.tasks).toEqual([0, 0, 0, 0]);
    expect(packs[1].seed).toBe(planPacks(base)[1].seed);
  });

  it('ralph_full: every task of each chunk repeated S times, one pack per task, same instance', () => {
    const packs = planPacks({ ...base, strategy: 'ralph_full', count: 2 });
    expect(packs.map((p) => p.tasks)).toEqual([
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [2, 2, 2, 2],
      [3, 3, 3, 3],
      [0, 0, 0, 0],
      [1, 1, 1, 1],
      [2, 2, 2, 2],
      [3, 3, 3, 3],
    ]);
    expect(new Set(packs.map((p) => p.id)).size).toBe(8);
    expect(new Set(packs.slice(0, 4).map((p) => p.seed)).size).toBe(1);
    expect(packs[4].seed).not.toBe(packs[0].seed);
  });

  it('pads short chunks cyclically', () => {
    expect(padCyclic(['a', 'b'], 5)).toEqual(['a', 'b', 'a', 'b', 'a']);
    expect(planPacks({ ...base, tasksPerInstance: 3 })[0].tasks).toEqual([0, 1, 2, 0]);
    expect(() => padCyclic([], 3)).toThrow(/empty/);
  });

  it('builds packs from explicit task rows without ever mixing domains', () => {
    const rows = [
      { domain: 'a', preset: 'p', task: 10 },
      { domain: 'b', preset: 'p', task: 20 },
      { domain: 'a', preset: 'p', task: 11 },
      { domain: 'a', preset: 'p', task: 12 },
      { domain: 'b', preset: 'p', task: 21 },
      { domain: 'a', preset: 'p', task: 13 },
    ];
    const packs = packsFromRows(rows, { datasetId: 'd', split: 's', strategy: 'cod', packSize: 3 });
    expect(packs.map((p) => [p.domain, p.index, p.tasks])).toEqual([
      ['a', 0, [10, 11, 12]],
      ['a', 1, [13, 13, 13]],
      ['b', 0, [20, 21, 20]],
    ]);
    for (const p of packs) expect(p.seed).toBe(packSeed('d', p.domain, 's', p.index));
  });

  it('rejects bad plans with a CodError naming the field', () => {
    expect(() => planPacks({ ...base, packSize: 0 })).toThrow(/packSize/);
    expect(() => planPacks({ ...base, count: -1 })).toThrow(/count/);
    expect(() => planPacks({ ...base, strategy: 'mixed' as never })).toThrow(/unknown pack strategy/);
    expect(() => planPacks({ ...base, domain: '' })).toThrow(/domain/);
    expect(() =>
      packsFromRows([{ domain: 'a', preset: 'p', task: -1 }], {
        datasetId: 'd',
        split: 's',
        strategy: 'cod',
        packSize: 2,
      }),
    ).toThrow(/rows\[0\]\.task/);
  });
});
