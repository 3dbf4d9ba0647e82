import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DICTIONARY, reaction, termIndex } from '../../../main/envs/domains/pde/dictionary.ts';
import {
  conditionNumber,
  designMatrix,
  leastSquares,
  sparseRegression,
  symmetricEigenvalues,
} from '../../../main/envs/domains/pde/regression.ts';
import { residualAt, simulate, type SimulationSpec } from '../../../main/envs/domains/pde/simulate.ts';
import { solveTridiagonal } from '../../../main/envs/domains/pde/tridiagonal.ts';
import { Rng } from '../../../main/envs/seed.ts';

const NONE = { f: () => 0, df: () => 0 };

function maxError(sol: number[][], spec: SimulationSpec, exact: (x: number, t: number) => number): number {
  let err = 0;
  const dt = spec.horizon / spec.nt;
  sol.forEach((row, n) => row.forEach((u, i) => (err = Math.max(err, Math.abs(u - exact(i / spec.nx, n * dt))))));
  return err;
}

describe('pde: Thomas solver', () => {
  it('matches dense Gaussian elimination on random diagonally dominant systems', () => {
    const rng = new Rng('thomas');
    for (let trial = 0; trial < 20; trial++) {
      const n = rng.int(1, 30);
      const sub = Array.from({ length: n }, () => rng.uniform(-1, 1));
      const sup = Array.from({ length: n }, () => rng.uniform(-1, 1));
      const diag = Array.from({ length: n }, (_, i) => 2.5 + Math.abs(sub[i]) + rng.uniform(0, 1));
      const rhs = Array.from({ length: n }, () => rng.uniform(-5, 5));
      const x = solveTridiagonal(sub, diag, sup, rhs);
      if (!x) throw new Error('solver failed');
      // Residual of the original system.
      for (let i = 0; i < n; i++) {
        const lhs = (i > 0 ? sub[i] * x[i - 1] : 0) + diag[i] * x[i] + (i < n - 1 ? sup[i] * x[i + 1] : 0);
        expect(lhs).toBeCloseTo(rhs[i], 10);
      }
    }
  });

  it('reports a vanishing pivot instead of dividing by zero', () => {
    expect(solveTridiagonal([0, 1], [0, 1], [1, 0], [1, 1])).toBeNull();
  });
});

describe('pde: implicit (Crank–Nicolson + Newton) simulation', () => {
  it('heat equation: matches exp(-Dπ²t)·sin(πx)', () => {
    const spec: SimulationSpec = {
      diffusion: 0.05,
      nx: 50,
      nt: 100,
      horizon: 1,
      initial: (x) => Math.sin(Math.PI * x),
      reaction: NONE,
    };
    const sol = simulate(spec);
    if (!sol) throw new Error('diverged');
    expect(maxError(sol, spec, (x, t) => Math.exp(-0.05 * Math.PI ** 2 * t) * Math.sin(Math.PI * x))).toBeLessThan(
      2e-3,
    );
  });

  it('linear reaction f = c·u: matches exp((c - Dπ²)t)·sin(πx)', () => {
    const c = 0.7;
    const spec: SimulationSpec = {
      diffusion: 0.02,
      nx: 50,
      nt: 100,
      horizon: 1,
      initial: (x) => Math.sin(Math.PI * x),
      reaction: { f: (u) => c * u, df: () => c },
    };
    const sol = simulate(spec);
    if (!sol) throw new Error('diverged');
    const exact = (x: number, t: number) => Math.exp((c - 0.02 * Math.PI ** 2) * t) * Math.sin(Math.PI * x);
    expect(maxError(sol, spec, exact)).toBeLessThan(2e-3);
  });

  it('is second order in time on a nonlinear law (error ratio ≈ 4 per halving of dt)', () => {
    const base = {
      diffusion: 0.03,
      nx: 40,
      horizon: 1,
      initial: (x: number) => 1.2 * Math.sin(Math.PI * x) + 0.4 * Math.sin(3 * Math.PI * x),
      reaction: reaction(DICTIONARY.map((_, k) => (k === termIndex('u') ? 1.5 : k === termIndex('u^3') ? -1.2 : 0))),
    };
    const finalAt = (nt: number) => {
      const s = simulate({ ...base, nt });
      if (!s) throw new Error('diverged');
      return s[nt];
    };
    const ref = finalAt(3200);
    const err = (nt: number) => Math.max(...finalAt(nt).map((u, i) => Math.abs(u - ref[i])));
    const e = [err(25), err(50), err(100)];
    expect(e[0] / e[1]).toBeGreaterThan(3.5);
    expect(e[0] / e[1]).toBeLessThan(4.5);
    expect(e[1] / e[2]).toBeGreaterThan(3.5);
    expect(e[1] / e[2]).toBeLessThan(4.5);
  });

  it('is second order in space (heat equation, tiny dt)', () => {
    const err = (nx: number) => {
      const spec: SimulationSpec = {
        diffusion: 0.05,
        nx,
        nt: 2000,
        horizon: 1,
        initial: (x) => Math.sin(Math.PI * x),
        reaction: NONE,
      };
      const sol = simulate(spec);
      if (!sol) throw new Error('diverged');
      return maxError(sol, spec, (x, t) => Math.exp(-0.05 * Math.PI ** 2 * t) * Math.sin(Math.PI * x));
    };
    const ratio = err(10) / err(20);
    expect(ratio).toBeGreaterThan(3.5);
    expect(ratio).toBeLessThan(4.5);
  });

  it('the residual u_t − D·u_xx at interior nodes equals f(u) up to discretisation error', () => {
    const law = DICTIONARY.map((_, k) => (k === termIndex('sin(u)') ? 1.3 : k === termIndex('1') ? -0.4 : 0));
    const R = reaction(law);
    const spec: SimulationSpec = {
      diffusion: 0.04,
      nx: 50,
      nt: 100,
      horizon: 1,
      initial: (x) => Math.sin(Math.PI * x),
      reaction: R,
    };
    const sol = simulate(spec);
    if (!sol) throw new Error('diverged');
    let worst = 0;
    for (let n = 1; n < 100; n += 7)
      for (let i = 1; i < 50; i += 3) worst = Math.max(worst, Math.abs(residualAt(sol, spec, n, i) - R.f(sol[n][i])));
    expect(worst).toBeLessThan(2e-3);
  });

  it('reports divergence as null instead of producing NaNs', () => {
    const blowUp: SimulationSpec = {
      diffusion: 0.01,
      nx: 20,
      nt: 20,
      horizon: 1,
      initial: (x) => 50 * Math.sin(Math.PI * x),
      reaction: { f: (u) => Math.exp(u), df: (u) => Math.exp(u) },
    };
    expect(simulate(blowUp)).toBeNull();
  });
});

describe('pde: regression', () => {
  it('least squares recovers exact coefficients; eigenvalues and condition numbers are right', () => {
    const X = [
      [1, 0],
      [0, 2],
      [1, 1],
    ];
    const c = leastSquares(X, [3, -4, 1]);
    expect(c?.[0]).toBeCloseTo(3, 10);
    expect(c?.[1]).toBeCloseTo(-2, 10);
    expect(
      symmetricEigenvalues([
        [2, 1],
        [1, 2],
      ]).sort(),
    ).toEqual([expect.closeTo(1, 10), expect.closeTo(3, 10)]);
    expect(
      conditionNumber([
        [1, 0],
        [0, 1],
        [0, 0],
      ]),
    ).toBeCloseTo(1, 10);
    expect(
      conditionNumber([
        [1, 1],
        [2, 2],
      ]),
    ).toBe(Infinity);
    expect(
      leastSquares(
        [
          [1, 1],
          [2, 2],
        ],
        [1, 2],
      ),
    ).toBeNull();
    // sin(u) and u are nearly collinear on small |u|: a large condition number says so.
    const small = Array.from({ length: 10 }, (_, i) => ({ u: -0.3 + i * 0.06, r: 0 }));
    expect(conditionNumber(designMatrix(small, [termIndex('u'), termIndex('sin(u)')]))).toBeGreaterThan(50);
  });

  it('STLSQ and best-subset recover a sparse law from clean data over the whole dictionary', () => {
    const truth = DICTIONARY.map((_, k) => (k === termIndex('u') ? 0.8 : k === termIndex('u^2') ? -0.6 : 0));
    const R = reaction(truth);
    const data = Array.from({ length: 40 }, (_, i) => ({ u: -2 + i * 0.1, r: R.f(-2 + i * 0.1) }));
    const all = DICTIONARY.map((_, k) => k);
    for (const maxTerms of [null, 2]) {
      const out = sparseRegression(data, all, 0.05, maxTerms);
      if (!out.ok) throw new Error(out.error);
      out.result.coefficients.forEach((c, k) => expect(c).toBeCloseTo(truth[k], 6));
      expect(out.result.rms).toBeLessThan(1e-8);
    }
    const tooFew = sparseRegression(data.slice(0, 3), all, 0.05, null);
    expect(tooFew.ok).toBe(false);
  });

  it('never throws on arbitrary data', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            u: fc.double({ min: -3, max: 3, noNaN: true }),
            r: fc.double({ min: -10, max: 10, noNaN: true }),
          }),
          { maxLength: 12 },
        ),
        fc.subarray([0, 1, 2, 3, 4, 5], { minLength: 1 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }),
        (data, terms, k) => {
          const out = sparseRegression(data, terms, 0.05, k);
          if (out.ok) expect(out.result.coefficients.every(Number.isFinite)).toBe(true);
          else expect(out.error.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
