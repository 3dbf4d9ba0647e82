/**
 * Sparse regression of residuals on dictionary terms: Householder-QR least squares on column-normalised
 * designs, sequentially thresholded least squares (STLSQ, as in SINDy), exhaustive best-subset selection for
 * small dictionaries, and the condition number of the normalised design (Jacobi eigenvalues of its Gram matrix).
 */
import { DICTIONARY } from './dictionary.ts';

export interface DataPoint {
  readonly u: number;
  readonly r: number;
}

/** Least squares min ||X c - y||; null when X is (numerically) rank deficient. X is n×p, row-major. */
export function leastSquares(X: readonly (readonly number[])[], y: readonly number[]): number[] | null {
  const n = X.length;
  const p = n > 0 ? X[0].length : 0;
  if (p === 0) return [];
  if (n < p) return null;
  // Normalise columns so the rank test is scale-free.
  const scale = new Array<number>(p).fill(0);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) scale[j] += X[i][j] * X[i][j];
    scale[j] = Math.sqrt(scale[j]);
    if (!(scale[j] > 0)) return null;
  }
  const A = X.map((row) => row.map((v, j) => v / scale[j]));
  const b = y.slice();
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += A[i][k] * A[i][k];
    norm = Math.sqrt(norm);
    if (norm < 1e-10) return null;
    const alpha = A[k][k] > 0 ? -norm : norm;
    const v = new Array<number>(n).fill(0);
    v[k] = A[k][k] - alpha;
    for (let i = k + 1; i < n; i++) v[i] = A[i][k];
    let vv = 0;
    for (let i = k; i < n; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let j = k; j < p; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += v[i] * A[i][j];
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) A[i][j] -= f * v[i];
    }
    let s = 0;
    for (let i = k; i < n; i++) s += v[i] * b[i];
    const f = (2 * s) / vv;
    for (let i = k; i < n; i++) b[i] -= f * v[i];
  }
  const c = new Array<number>(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let s = b[k];
    for (let j = k + 1; j < p; j++) s -= A[k][j] * c[j];
    if (Math.abs(A[k][k]) < 1e-10) return null;
    c[k] = s / A[k][k];
  }
  const out = c.map((v, j) => v / scale[j]);
  return out.every(Number.isFinite) ? out : null;
}

/** Eigenvalues of a small symmetric matrix by cyclic Jacobi rotations. */
export function symmetricEigenvalues(M: readonly (readonly number[])[]): number[] {
  const p = M.length;
  const A = M.map((row) => row.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < p; i++) for (let j = i + 1; j < p; j++) off += A[i][j] * A[i][j];
    if (off < 1e-30) break;
    for (let i = 0; i < p; i++) {
      for (let j = i + 1; j < p; j++) {
        if (Math.abs(A[i][j]) < 1e-300) continue;
        const theta = (A[j][j] - A[i][i]) / (2 * A[i][j]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < p; k++) {
          const aki = A[k][i];
          const akj = A[k][j];
          A[k][i] = c * aki - s * akj;
          A[k][j] = s * aki + c * akj;
        }
        for (let k = 0; k < p; k++) {
          const aik = A[i][k];
          const ajk = A[j][k];
          A[i][k] = c * aik - s * ajk;
          A[j][k] = s * aik + c * ajk;
        }
      }
    }
  }
  return A.map((row, i) => row[i]);
}

/** 2-norm condition number of the column-normalised design; Infinity when singular. */
export function conditionNumber(X: readonly (readonly number[])[]): number {
  const n = X.length;
  const p = n > 0 ? X[0].length : 0;
  if (p === 0) return 1;
  if (n < p) return Infinity;
  const norms = Array.from({ length: p }, (_, j) => Math.sqrt(X.reduce((s, row) => s + row[j] * row[j], 0)));
  if (norms.some((v) => !(v > 0))) return Infinity;
  const G = Array.from({ length: p }, (_, a) =>
    Array.from({ length: p }, (_, b) => X.reduce((s, row) => s + (row[a] / norms[a]) * (row[b] / norms[b]), 0)),
  );
  const ev = symmetricEigenvalues(G);
  const hi = Math.max(...ev);
  const lo = Math.min(...ev);
  return lo <= hi * 1e-15 ? Infinity : Math.sqrt(hi / lo);
}

export function designMatrix(data: readonly DataPoint[], terms: readonly number[]): number[][] {
  return data.map((d) => terms.map((k) => DICTIONARY[k].f(d.u)));
}

export interface RegressionResult {
  /** Coefficients over the whole dictionary (0 = dropped). */
  readonly coefficients: number[];
  readonly rms: number;
  /** Condition number of the candidate design and of the selected support's design. */
  readonly candidateCondition: number;
  readonly supportCondition: number;
  readonly samples: number;
}

function rmsOf(data: readonly DataPoint[], coef: readonly number[]): number {
  if (data.length === 0) return 0;
  let s = 0;
  for (const d of data) {
    const pred = DICTIONARY.reduce((acc, term, k) => (coef[k] === 0 ? acc : acc + coef[k] * term.f(d.u)), 0);
    s += (pred - d.r) ** 2;
  }
  return Math.sqrt(s / data.length);
}

function fitSupport(data: readonly DataPoint[], support: readonly number[]): number[] | null {
  const c = leastSquares(
    designMatrix(data, support),
    data.map((d) => d.r),
  );
  if (!c) return null;
  const full = new Array<number>(DICTIONARY.length).fill(0);
  support.forEach((k, j) => (full[k] = c[j]));
  return full;
}

/** STLSQ: fit, zero the coefficients below the threshold, refit on the rest, until the support is stable. */
function stlsq(data: readonly DataPoint[], terms: readonly number[], threshold: number): number[] | null {
  let support = terms.slice();
  let coef = fitSupport(data, support);
  for (let iter = 0; coef && iter < 10; iter++) {
    const current: number[] = coef;
    const kept = support.filter((k) => Math.abs(current[k]) >= threshold);
    if (kept.length === support.length) break;
    support = kept;
    coef = fitSupport(data, support);
  }
  return coef;
}

/** All subsets of `terms` of size `size`, in lexicographic order. */
function subsets(terms: readonly number[], size: number): number[][] {
  const out: number[][] = [];
  const pick = (start: number, acc: number[]) => {
    if (acc.length === size) {
      out.push(acc.slice());
      return;
    }
    for (let i = start; i < terms.length; i++) pick(i + 1, [...acc, terms[i]]);
  };
  pick(0, []);
  return out;
}

export type RegressionOutcome = { ok: true; result: RegressionResult } | { ok: false; error: string };

/**
 * With maxTerms: the best support of exactly min(maxTerms, |terms|) terms by residual, then STLSQ on it.
 * Without: STLSQ over all `terms`.
 */
export function sparseRegression(
  data: readonly DataPoint[],
  terms: readonly number[],
  threshold: number,
  maxTerms: number | null,
): RegressionOutcome {
  const size = maxTerms === null ? terms.length : Math.min(maxTerms, terms.length);
  if (data.length < size) {
    return { ok: false, error: `need at least ${size} samples to fit ${size} terms, have ${data.length}` };
  }
  const candidateCondition = conditionNumber(designMatrix(data, terms));
  let coef: number[] | null = null;
  if (maxTerms === null) {
    coef = stlsq(data, terms, threshold);
  } else {
    let best = Infinity;
    for (const s of subsets(terms, size)) {
      const c = fitSupport(data, s);
      if (!c) continue;
      const rms = rmsOf(data, c);
      if (rms < best) {
        best = rms;
        coef = c;
      }
    }
    if (coef) {
      const chosen = coef;
      coef = stlsq(
        data,
        terms.filter((k) => chosen[k] !== 0),
        threshold,
      );
    }
  }
  if (!coef) return { ok: false, error: 'the design is singular on these samples (terms indistinguishable)' };
  const final = coef;
  const support = terms.filter((k) => final[k] !== 0);
  return {
    ok: true,
    result: {
      coefficients: final,
      rms: rmsOf(data, final),
      candidateCondition,
      supportCondition: conditionNumber(designMatrix(data, support)),
      samples: data.length,
    },
  };
}
