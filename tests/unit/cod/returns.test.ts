import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupAdvantages } from '../../../main/cod/baseline.ts';
import { aggregate, lifecycleReturns } from '../../../main/cod/returns.ts';

describe('returns (cod-method.md §4)', () => {
  it('mean: R^x_j = mean(r^x_j..r^x_{S-1}); R^z_j = (r^z_j + r^x_{j+1} + … + r^x_{S-1}) / (S - j)', () => {
    const rx = [0, 1, 0.5, 1];
    const rz = [0, -0.1, 0];
    const R = lifecycleReturns(rx, rz);
    expect(R.solve[0]).toBeCloseTo((0 + 1 + 0.5 + 1) / 4, 12);
    expect(R.solve[1]).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    expect(R.solve[2]).toBeCloseTo((0.5 + 1) / 2, 12);
    expect(R.solve[3]).toBeCloseTo(1, 12);
    // The update after task j is credited with its own format reward and the tasks that use its output only.
    expect(R.update[0]).toBeCloseTo((0 + 1 + 0.5 + 1) / 4, 12);
    expect(R.update[1]).toBeCloseTo((-0.1 + 0.5 + 1) / 3, 12);
    expect(R.update[2]).toBeCloseTo((0 + 1) / 2, 12);
  });

  it('never credits an update with the task it summarises', () => {
    const a = lifecycleReturns([0, 1, 1], [0, 0]);
    const b = lifecycleReturns([1, 1, 1], [0, 0]);
    expect(a.update).toEqual(b.update);
    expect(a.solve[0]).not.toBe(b.solve[0]);
  });

  it('parse-failure penalty lowers only that update’s return', () => {
    const ok = lifecycleReturns([1, 1, 1], [0, 0]);
    const bad = lifecycleReturns([1, 1, 1], [0, -0.1]);
    expect(bad.update[0]).toBe(ok.update[0]);
    expect(bad.update[1]).toBeCloseTo(ok.update[1] - 0.1 / 2, 12);
    expect(bad.solve).toEqual(ok.solve);
  });

  it('S = 1: one solve return equal to its reward, no update', () => {
    expect(lifecycleReturns([0.7], [])).toEqual({ solve: [0.7], update: [] });
  });

  it('no update calls (memory none / append_log): solve returns only', () => {
    expect(lifecycleReturns([0, 1], [])).toEqual({ solve: [0.5, 1], update: [] });
  });

  it('sliding window: mean of the first w terms', () => {
    const R = lifecycleReturns([0, 1, 0, 1], [0, -0.1, 0], { kind: 'window', window: 2 });
    expect(R.solve).toEqual([0.5, 0.5, 0.5, 1]);
    expect(R.update[0]).toBeCloseTo((0 + 1) / 2, 12);
    expect(R.update[1]).toBeCloseTo((-0.1 + 0) / 2, 12);
    expect(R.update[2]).toBeCloseTo((0 + 1) / 2, 12);
  });

  it('discounted: Σ γ^k r_{j+k}', () => {
    const R = lifecycleReturns([1, 0, 1], [0, -0.1], { kind: 'discounted', gamma: 0.5 });
    expect(R.solve[0]).toBeCloseTo(1 + 0 + 0.25, 12);
    expect(R.solve[1]).toBeCloseTo(0 + 0.5, 12);
    expect(R.solve[2]).toBeCloseTo(1, 12);
    expect(R.update[0]).toBeCloseTo(0 + 0.5 * 0 + 0.25 * 1, 12);
    expect(R.update[1]).toBeCloseTo(-0.1 + 0.5 * 1, 12);
  });

  it('window ≥ S equals the mean; γ = 1 equals the sum', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 10 }), (seq) => {
        expect(aggregate(seq, { kind: 'window', window: 100 })).toBeCloseTo(aggregate(seq, { kind: 'mean' }), 9);
        expect(aggregate(seq, { kind: 'discounted', gamma: 1 })).toBeCloseTo(
          seq.reduce((a, b) => a + b, 0),
          9,
        );
      }),
    );
  });

  it('rejects malformed input with a CodError', () => {
    expect(() => lifecycleReturns([], [])).toThrow(/at least one task/);
    expect(() => lifecycleReturns([1, 1, 1], [0])).toThrow(/expected 2 update rewards/);
    expect(() => lifecycleReturns([1, NaN], [0])).toThrow(/taskRewards\[1\]/);
    expect(() => lifecycleReturns([1], [], { kind: 'window', window: 0 })).toThrow(/returns.window/);
    expect(() => lifecycleReturns([1], [], { kind: 'discounted', gamma: 2 })).toThrow(/returns.gamma/);
    expect(() => lifecycleReturns([1], [], { kind: 'td' } as never)).toThrow(/unknown return kind/);
  });
});

describe('group baseline', () => {
  it('A = R - mean over the group, no normalisation by default', () => {
    const g = groupAdvantages([1, 0, 0.5, 0.5]);
    expect(g.advantages).toEqual([0.5, -0.5, 0, 0]);
    expect(g.zeroVariance).toBe(false);
    expect(g.filtered).toBe(false);
  });

  it('all-equal groups give A = 0 and are kept unless zero-variance filtering is on', () => {
    expect(groupAdvantages([0.3, 0.3, 0.3])).toEqual({ advantages: [0, 0, 0], zeroVariance: true, filtered: false });
    expect(groupAdvantages([0.3, 0.3], { filterZeroVariance: true }).filtered).toBe(true);
    expect(groupAdvantages([0.3, 0.3], { stdNormalize: true }).advantages).toEqual([0, 0]);
  });

  it('std normalisation divides by the unbiased sample std (+ epsilon)', () => {
    const g = groupAdvantages([1, 0], { stdNormalize: true, epsilon: 1e-6 });
    const std = Math.SQRT1_2 * 1; // sqrt(((0.5)^2 + (0.5)^2) / 1)
    expect(g.advantages[0]).toBeCloseTo(0.5 / (std + 1e-6), 9);
    expect(g.advantages[1]).toBeCloseTo(-0.5 / (std + 1e-6), 9);
  });

  it('a group of one has A = 0 (G = 1)', () => {
    expect(groupAdvantages([0.8]).advantages).toEqual([0]);
  });

  it('advantages always sum to ~0', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 1, maxLength: 16 }), (rs) => {
        const s = groupAdvantages(rs).advantages.reduce((a, b) => a + b, 0);
        expect(Math.abs(s)).toBeLessThan(1e-9);
      }),
    );
  });

  it('rejects empty groups and non-finite returns', () => {
    expect(() => groupAdvantages([])).toThrow(/at least one member/);
    expect(() => groupAdvantages([1, Infinity])).toThrow(/finite/);
  });
});
