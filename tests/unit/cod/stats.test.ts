import { describe, expect, it } from 'vitest';
import { meanCI, sampleStd, studentTCdf, studentTQuantile } from '../../../main/cod/stats.ts';

describe('Student-t statistics', () => {
  it('matches published t quantiles (two-sided 95%)', () => {
    const table: Array<[number, number]> = [
      [1, 12.706],
      [2, 4.303],
      [5, 2.571],
      [10, 2.228],
      [29, 2.045],
      [100, 1.984],
      [1000, 1.962],
    ];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(studentTQuantile(0.995, 10)).toBeCloseTo(3.169, 3);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228, 3);
    expect(studentTCdf(0, 7)).toBeCloseTo(0.5, 12);
  });

  it('mean ± t·s/√n', () => {
    const xs = [0, 1, 1, 0, 1];
    const ci = meanCI(xs);
    const half = (2.776445 * sampleStd(xs)) / Math.sqrt(5);
    expect(ci.mean).toBeCloseTo(0.6, 12);
    expect(ci.halfWidth).toBeCloseTo(half, 5);
    expect(ci.lo).toBeCloseTo(0.6 - half, 5);
    expect(ci.method).toBe('student-t');
  });

  it('no interval below two values; a constant sample has zero width', () => {
    expect(meanCI([0.4])).toMatchObject({ n: 1, mean: 0.4, halfWidth: null, lo: null });
    expect(Number.isNaN(meanCI([]).mean)).toBe(true);
    expect(meanCI([1, 1, 1]).halfWidth).toBe(0);
  });

  it('rejects bad levels', () => {
    expect(() => meanCI([1, 2], 1)).toThrow(/confidence level/);
    expect(() => studentTQuantile(0.5, 0)).toThrow(/degrees of freedom/);
  });
});
