/** Paired per-position deltas against hand-computed Student-t intervals, and the pairing rules. */
import { describe, expect, it } from 'vitest';
import type { LifecycleResult } from '../../../main/cod/records.ts';
import { codEffect, pairedDeltas, positionRise } from '../../../main/training/paired-stats.ts';

function lifecycle(id: string, taskRewards: number[], error = false): LifecycleResult {
  return {
    lifecycleId: id,
    packId: id.split('#')[0],
    domain: 'frozenlake',
    preset: 'train',
    strategy: 'cod',
    rolloutIndex: 0,
    memory: 'notes',
    tasks: [0, 1],
    taskRewards,
    outcomes: taskRewards.map((r) => (r > 0 ? 'success' : 'failure')),
    envSteps: taskRewards.map(() => 1),
    updateRewards: [0],
    hintParseOk: [true],
    hints: ['Hints: null', 'Hints: x'],
    records: [],
    ...(error ? { error: { code: 'env_fault' as const, message: 'boom' } } : {}),
  };
}

// t_{0.975, 2} and t_{0.975, 3}, two-sided 95% (standard tables).
const T2 = 4.302652729911275;
const T3 = 3.182446305284263;

describe('pairedDeltas', () => {
  it('mean and 95% interval of b − a per position, by hand', () => {
    const a = [lifecycle('p0#0', [0, 0.5]), lifecycle('p1#0', [1, 1]), lifecycle('p2#0', [0.2, 0.4])];
    const b = [lifecycle('p0#0', [1, 1]), lifecycle('p1#0', [1, 0]), lifecycle('p2#0', [0.2, 1])];
    const [d0, d1] = pairedDeltas(a, b);
    // k = 0: differences 1, 0, 0 → mean 1/3, s = sqrt(1/3), half-width = t · s / sqrt(3) = t / 3.
    expect(d0.n).toBe(3);
    expect(d0.mean).toBeCloseTo(1 / 3, 12);
    expect(d0.ci_low).toBeCloseTo(1 / 3 - T2 / 3, 9);
    expect(d0.ci_high).toBeCloseTo(1 / 3 + T2 / 3, 9);
    expect(d0.excludesZero).toBe(false);
    // k = 1: differences 0.5, −1, 0.6 → mean 0.1/3; s² = Σ(x − m)² / 2.
    const xs = [0.5, -1, 0.6];
    const m = 0.1 / 3;
    const s = Math.sqrt(xs.reduce((acc, x) => acc + (x - m) ** 2, 0) / 2);
    expect(d1.mean).toBeCloseTo(m, 12);
    expect(d1.ci_high! - d1.mean!).toBeCloseTo((T2 * s) / Math.sqrt(3), 9);
  });

  it('an interval wholly above 0 is marked; equal differences give a zero-width interval', () => {
    const a = ['p0', 'p1', 'p2', 'p3'].map((p, i) => lifecycle(`${p}#0`, [0, 0.1 * i]));
    const b = ['p0', 'p1', 'p2', 'p3'].map((p, i) => lifecycle(`${p}#0`, [0.5, 0.1 * i + [0.6, 0.7, 0.8, 0.9][i]]));
    const [d0, d1] = pairedDeltas(a, b);
    expect([d0.mean, d0.ci_low, d0.ci_high, d0.excludesZero]).toEqual([0.5, 0.5, 0.5, true]);
    // k = 1: differences 0.6, 0.7, 0.8, 0.9 → mean 0.75, s = sqrt(0.05/3).
    const half = (T3 * Math.sqrt(0.05 / 3)) / 2;
    expect(d1.mean).toBeCloseTo(0.75, 12);
    expect(d1.ci_low).toBeCloseTo(0.75 - half, 9);
    expect(d1.excludesZero).toBe(true);
  });

  it('a failed lifecycle on either side drops its pair; one pair has no interval', () => {
    const a = [lifecycle('p0#0', [0, 0]), lifecycle('p1#0', [1, 1], true)];
    const b = [lifecycle('p0#0', [1, 0]), lifecycle('p1#0', [0, 0])];
    const [d0] = pairedDeltas(a, b);
    expect([d0.n, d0.mean, d0.ci_low, d0.ci_high, d0.excludesZero]).toEqual([1, 1, null, null, false]);
    expect(pairedDeltas([], [])).toEqual([]);
  });

  it('refuses lifecycles that are not the same packs', () => {
    expect(() => pairedDeltas([lifecycle('p0#0', [1, 1])], [lifecycle('p9#0', [1, 1])])).toThrow(
      /lifecycle 0 is 'p0#0' vs 'p9#0'/,
    );
    expect(() => pairedDeltas([lifecycle('p0#0', [1, 1])], [])).toThrow(/cannot pair 1 lifecycles with 0/);
  });
});

describe('codEffect', () => {
  it('is the paired difference of the last-position delta and the position-0 delta, by hand', () => {
    const a = [lifecycle('p0#0', [0, 0.5]), lifecycle('p1#0', [1, 1]), lifecycle('p2#0', [0.2, 0.4])];
    const b = [lifecycle('p0#0', [1, 1]), lifecycle('p1#0', [1, 0]), lifecycle('p2#0', [0.2, 1])];
    // Per pair: (b1 − a1) − (b0 − a0) = (0.5 − 1), (−1 − 0), (0.6 − 0) = −0.5, −1, 0.6.
    const e = codEffect(a, b)!;
    expect(e).toMatchObject({ first: 0, last: 1, n: 3 });
    const d = [-0.5, -1, 0.6];
    const m = d.reduce((x, y) => x + y, 0) / 3;
    const s = Math.sqrt(d.reduce((x, y) => x + (y - m) ** 2, 0) / 2);
    expect(e.mean).toBeCloseTo(m, 12);
    expect(e.ci_low).toBeCloseTo(m - (T2 * s) / Math.sqrt(3), 9);
    expect(e.excludesZero).toBe(false);
    // A failed lifecycle on either side leaves its pair out; one position has no effect to speak of.
    expect(codEffect(a, [b[0], b[1], lifecycle('p2#0', [0.2, 1], true)])!.n).toBe(2);
    expect(codEffect([lifecycle('x#0', [1])], [lifecycle('x#0', [0])])).toBeNull();
  });
});

describe('positionRise', () => {
  it('is the last position minus position 0 within each lifecycle, by hand', () => {
    const ls = [
      lifecycle('p0#0', [0, 0.5, 1]),
      lifecycle('p1#0', [0.5, 0.5, 0.75]),
      lifecycle('p2#0', [0.25, 0, 1]),
      lifecycle('p3#0', [0, 1], true),
    ];
    // The failed lifecycle is left out; rises 1, 0.25, 0.75: mean 2/3, sd sqrt(((1/3)^2 + (5/12)^2 + (1/12)^2) / 2).
    const r = positionRise(ls)!;
    expect(r).toMatchObject({ first: 0, last: 2, n: 3 });
    const m = 2 / 3;
    const s = Math.sqrt(((1 / 3) ** 2 + (5 / 12) ** 2 + (1 / 12) ** 2) / 2);
    expect(r.mean).toBeCloseTo(m, 12);
    expect(r.ci_low).toBeCloseTo(m - (T2 * s) / Math.sqrt(3), 9);
    expect(r.ci_high).toBeCloseTo(m + (T2 * s) / Math.sqrt(3), 9);
    expect(r.excludesZero).toBe(false); // half-width 4.30 · 0.382 / √3 = 0.95 > 2/3
    expect(
      positionRise([lifecycle('a#0', [0, 1]), lifecycle('b#0', [0, 0.9]), lifecycle('c#0', [0.1, 1])]),
    ).toMatchObject({
      n: 3,
      excludesZero: true,
    });
    // A lifecycle cut short (fewer positions than the suite's) is left out too; one position has no rise.
    expect(positionRise([...ls.slice(0, 3), lifecycle('p4#0', [0, 1])])!.n).toBe(3);
    expect(positionRise([lifecycle('x#0', [1])])).toBeNull();
  });
});
