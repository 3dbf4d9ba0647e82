import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redWeight } from '../../../main/cod/red-weight.ts';

const balance = (a: readonly number[], l: readonly number[]) => a.reduce((s, x, i) => s + x * l[i], 0);

describe('adaptive RED-Weight', () => {
  it('leaves A unchanged when Σ A·L ≥ 0', () => {
    expect(redWeight([1, -1], [2, 1])).toEqual({ advantages: [1, -1], temperature: null });
    expect(redWeight([0, 0], [5, 5])).toEqual({ advantages: [0, 0], temperature: null });
    expect(redWeight([], [])).toEqual({ advantages: [], temperature: null });
  });

  it('hand case: A = [1, -1], L = [1, 2] → T = 2/ln 2 solves e^{1/T} = 2 e^{-1/T}', () => {
    const r = redWeight([1, -1], [1, 2]);
    expect(r.temperature).not.toBeNull();
    const T = r.temperature as number;
    expect(Math.abs(T - 2 / Math.LN2)).toBeLessThan(0.05);
    expect(r.advantages[0]).toBeCloseTo(Math.exp(1 / T), 12);
    expect(r.advantages[1]).toBeCloseTo(-Math.exp(-1 / T), 12);
    expect(Math.abs(balance(r.advantages, [1, 2]))).toBeLessThan(0.02);
  });

  it('clamps at T = 0.8 when the step cannot be balanced', () => {
    // Only negative advantages: no temperature can make the weighted sum reach 0.
    const r = redWeight([-1, -0.5], [3, 3]);
    expect(r.temperature).toBe(0.8);
    expect(r.advantages[0]).toBeCloseTo(-Math.exp(-1 / 0.8), 12);
  });

  it('balances the step whenever it applies and the root is inside [0.8, 100]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 1, max: 500 })), {
          minLength: 2,
          maxLength: 40,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const l = pairs.map((p) => p[1]);
          const r = redWeight(a, l);
          if (balance(a, l) >= 0) {
            expect(r.temperature).toBeNull();
            expect(r.advantages).toEqual(a);
            return;
          }
          const T = r.temperature as number;
          expect(T).toBeGreaterThanOrEqual(0.8);
          expect(T).toBeLessThanOrEqual(100);
          // Signs are kept; the weighted balance moved up towards 0.
          r.advantages.forEach((x, i) => expect(Math.sign(x)).toBe(Math.sign(a[i])));
          expect(balance(r.advantages, l)).toBeGreaterThanOrEqual(balance(a, l) - 1e-9);
          if (T > 0.8 + 0.05 && T < 100 - 0.05) {
            // The bisection bracket is narrower than 0.05 around the root: check the sign change across it.
            const f = (t: number) => a.reduce((s, x, i) => s + x * Math.exp(x / t) * l[i], 0);
            expect(f(T - 0.05)).toBeGreaterThanOrEqual(-1e-9);
            expect(f(T + 0.05)).toBeLessThanOrEqual(1e-9);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects mismatched or invalid input', () => {
    expect(() => redWeight([1], [1, 2])).toThrow(/1 advantages but 2 lengths/);
    expect(() => redWeight([NaN], [1])).toThrow(/advantages\[0\]/);
    expect(() => redWeight([1], [-1])).toThrow(/lengths\[0\]/);
  });
});
