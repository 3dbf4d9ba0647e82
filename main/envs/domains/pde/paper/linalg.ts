/**
 * The dense linear algebra the reference's regression calls through numpy (np.linalg.svd singular values,
 * np.linalg.solve, np.linalg.lstsq) for matrices of a few dozen rows and at most 15 columns. Hand-written: no npm
 * package offers an SVD with LAPACK's accuracy on such small matrices without pulling in a large numeric stack.
 * One-sided Jacobi gives the singular values to high relative accuracy (LAPACK's are accurate to ε·σ_max, so the
 * two agree to the digits the reference prints for condition numbers below its 1e12 cap).
 */

/** Columns of an m × k matrix (column-major: a[j] is column j). */
export type Columns = readonly (readonly number[])[];

interface Svd {
  /** Singular values, descending: min(m, k) of them. */
  readonly s: number[];
  /** Right singular vectors (k × r, column j for s[j]) and left ones (m × r), for the thin SVD. */
  readonly v: number[][];
  readonly u: number[][];
}

/** Thin SVD by one-sided Jacobi rotations on the columns (of the transpose when m < k). */
export function svd(a: Columns, m: number): Svd {
  const k = a.length;
  if (m < k) {
    // A = U S Vᵀ ⇔ Aᵀ = V S Uᵀ.
    const t: number[][] = Array.from({ length: m }, (_, i) => a.map((col) => col[i]));
    const r = svd(t, k);
    return { s: r.s, u: r.v, v: r.u };
  }
  const w = a.map((col) => col.slice());
  const v: number[][] = Array.from({ length: k }, (_, j) => Array.from({ length: k }, (_, i) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          alpha += w[p][i] * w[p][i];
          beta += w[q][i] * w[q][i];
          gamma += w[p][i] * w[q][i];
        }
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const wp = w[p][i];
          const wq = w[q][i];
          w[p][i] = c * wp - s * wq;
          w[q][i] = s * wp + c * wq;
        }
        for (let i = 0; i < k; i++) {
          const vp = v[p][i];
          const vq = v[q][i];
          v[p][i] = c * vp - s * vq;
          v[q][i] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = w.map((col) => Math.hypot(...col));
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  return {
    s: order.map((j) => norms[j]),
    v: order.map((j) => v[j]),
    u: order.map((j) => (norms[j] > 0 ? w[j].map((x) => x / norms[j]) : w[j].map(() => 0))),
  };
}

/** np.linalg.solve: LU with partial pivoting (the first largest pivot, as LAPACK's idamax); null when singular. */
export function solveLinear(matrix: readonly (readonly number[])[], rhs: readonly number[]): number[] | null {
  const n = rhs.length;
  const a = matrix.map((row) => row.slice());
  const b = rhs.slice();
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    if (a[pivot][col] === 0) return null;
    if (pivot !== col) {
      [a[pivot], a[col]] = [a[col], a[pivot]];
      [b[pivot], b[col]] = [b[col], b[pivot]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = a[r][col] / a[col][col];
      if (f === 0) continue;
      for (let c = col; c < n; c++) a[r][c] -= f * a[col][c];
      b[r] -= f * b[col];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r];
    for (let c = r + 1; c < n; c++) sum -= a[r][c] * x[c];
    x[r] = sum / a[r][r];
  }
  return x;
}

/** np.linalg.lstsq(A, y, rcond=None)[0]: the minimum-norm least-squares solution, cut-off ε·max(m, k)·σ_max. */
export function leastSquares(a: Columns, y: readonly number[]): number[] {
  const m = y.length;
  const k = a.length;
  if (k === 0) return [];
  const { s, u, v } = svd(a, m);
  const cutoff = Number.EPSILON * Math.max(m, k) * (s[0] ?? 0);
  const x = new Array<number>(k).fill(0);
  s.forEach((sigma, j) => {
    if (!(sigma > cutoff)) return;
    let uy = 0;
    for (let i = 0; i < m; i++) uy += u[j][i] * y[i];
    for (let i = 0; i < k; i++) x[i] += (v[j][i] * uy) / sigma;
  });
  return x;
}
