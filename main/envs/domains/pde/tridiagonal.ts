/** The Thomas algorithm: O(n) solve of a tridiagonal system (no pivoting; the implicit steps are diagonally dominant). */

/**
 * Solve sub[i]·x[i-1] + diag[i]·x[i] + sup[i]·x[i+1] = rhs[i] (sub[0] and sup[n-1] are ignored).
 * Returns null when a pivot vanishes.
 */
export function solveTridiagonal(
  sub: readonly number[],
  diag: readonly number[],
  sup: readonly number[],
  rhs: readonly number[],
): number[] | null {
  const n = diag.length;
  const c = new Array<number>(n);
  const d = new Array<number>(n);
  let pivot = diag[0];
  if (pivot === 0) return null;
  c[0] = sup[0] / pivot;
  d[0] = rhs[0] / pivot;
  for (let i = 1; i < n; i++) {
    pivot = diag[i] - sub[i] * c[i - 1];
    if (pivot === 0 || !Number.isFinite(pivot)) return null;
    c[i] = i < n - 1 ? sup[i] / pivot : 0;
    d[i] = (rhs[i] - sub[i] * d[i - 1]) / pivot;
  }
  const x = new Array<number>(n);
  x[n - 1] = d[n - 1];
  for (let i = n - 2; i >= 0; i--) x[i] = d[i] - c[i] * x[i + 1];
  return x;
}
