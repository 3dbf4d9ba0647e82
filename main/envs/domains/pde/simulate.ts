/**
 * Implicit simulation of u_t = D·u_xx + f(u) on x ∈ [0, 1] with u(0, t) = u(1, t) = 0: Crank–Nicolson in time for
 * both the diffusion and the reaction, second-order central differences in space, and Newton's method on each step
 * (its Jacobian is tridiagonal, so each iteration is one Thomas solve).
 */
import { solveTridiagonal } from './tridiagonal.ts';

export interface Reaction {
  readonly f: (u: number) => number;
  readonly df: (u: number) => number;
}

export interface SimulationSpec {
  readonly diffusion: number;
  /** Grid intervals in x (nx + 1 nodes including both boundaries). */
  readonly nx: number;
  /** Time steps (nt + 1 time levels). */
  readonly nt: number;
  readonly horizon: number;
  readonly initial: (x: number) => number;
  readonly reaction: Reaction;
}

/** u[n][i] at t = n·dt, x = i·dx; null if a step diverges (non-finite values or Newton failing). */
export type Solution = number[][];

const NEWTON_TOL = 1e-12;
const NEWTON_MAX = 30;

export function simulate(spec: SimulationSpec): Solution | null {
  const { nx, nt, diffusion: D, reaction } = spec;
  const dx = 1 / nx;
  const dt = spec.horizon / nt;
  const lam = (D * dt) / (dx * dx);
  let u = Array.from({ length: nx + 1 }, (_, i) => (i === 0 || i === nx ? 0 : spec.initial(i * dx)));
  const out: Solution = [u];
  const m = nx - 1; // interior unknowns
  for (let n = 0; n < nt; n++) {
    // Explicit half of CN: u^n + (dt/2)(D Δu^n + f(u^n)).
    const explicit = new Array<number>(m);
    for (let i = 1; i < nx; i++) {
      explicit[i - 1] = u[i] + (lam / 2) * (u[i - 1] - 2 * u[i] + u[i + 1]) + (dt / 2) * reaction.f(u[i]);
    }
    const w = u.slice();
    let converged = false;
    for (let it = 0; it < NEWTON_MAX; it++) {
      const sub = new Array<number>(m).fill(-lam / 2);
      const sup = new Array<number>(m).fill(-lam / 2);
      const diag = new Array<number>(m);
      const neg = new Array<number>(m);
      for (let i = 1; i < nx; i++) {
        const G = w[i] - (lam / 2) * (w[i - 1] - 2 * w[i] + w[i + 1]) - (dt / 2) * reaction.f(w[i]) - explicit[i - 1];
        neg[i - 1] = -G;
        diag[i - 1] = 1 + lam - (dt / 2) * reaction.df(w[i]);
      }
      const delta = solveTridiagonal(sub, diag, sup, neg);
      if (!delta) return null;
      let maxStep = 0;
      for (let i = 1; i < nx; i++) {
        w[i] += delta[i - 1];
        maxStep = Math.max(maxStep, Math.abs(delta[i - 1]));
      }
      if (!Number.isFinite(maxStep)) return null;
      if (maxStep < NEWTON_TOL * Math.max(1, ...w.map(Math.abs))) {
        converged = true;
        break;
      }
    }
    if (!converged) return null;
    u = w;
    out.push(u);
  }
  return out;
}

/**
 * The PDE residual the tool reports at an interior node (n, i): u_t − D·u_xx by central differences, which is
 * f(u) up to O(dt² + dx²). Needs 1 ≤ n ≤ nt − 1 and 1 ≤ i ≤ nx − 1.
 */
export function residualAt(sol: Solution, spec: SimulationSpec, n: number, i: number): number {
  const dx = 1 / spec.nx;
  const dt = spec.horizon / spec.nt;
  const ut = (sol[n + 1][i] - sol[n - 1][i]) / (2 * dt);
  // Average the Laplacian over the neighbouring levels: consistent with the CN step, still O(dt² + dx²).
  const lap = (k: number) => (sol[k][i - 1] - 2 * sol[k][i] + sol[k][i + 1]) / (dx * dx);
  const uxx = 0.25 * lap(n - 1) + 0.5 * lap(n) + 0.25 * lap(n + 1);
  return ut - spec.diffusion * uxx;
}
