/**
 * The reference's simulator (agentscope-ai/Trinity-RFT @ 139d1c43, connect_the_dots/pde_discovery/pde_numeric.py):
 * u_t = u_xx + f(u) on [0, 1] with u = 0 at both ends, semi-implicit steps (diffusion implicit, reaction explicit,
 * the right-hand side and the new state clipped to ±state_abs_limit), solved with the Thomas algorithm; the sampled
 * target is the scheme-consistent residual (u^{n+1} − u^n)/dt − (u^{n+1})_xx, which equals f(u^n) at the nodes, with
 * f(u) itself on the last time row; samples interpolate u and that residual bilinearly.
 *
 * Initial conditions follow initial_condition_amplitudes / _random_initial_condition: one amplitude per trajectory
 * drawn from equal bands below the family's calibrated upper bound (then shuffled), and a random smooth shape (1-2
 * sine modes, normalised, shifted non-negative, times sin(πx)). The draws come from the workbench's stable generator
 * (docs/fidelity.md, "Random streams"); every arithmetic step is the reference's, in its order.
 */
import { Rng } from '../../../seed.ts';
import { compileReaction, type Coefficients } from './terms.ts';

/** numpy.linspace(start, stop, num): i·step + start, the last point exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * solve_tridiagonal for the constant matrix tridiag(-r, 1 + 2r, -r) of size n. The forward-sweep factors do not
 * depend on the right-hand side, so they are computed once; each value is the one the reference recomputes per call.
 */
export class ImplicitDiffusion {
  private readonly cPrime: Float64Array;
  private readonly denom: Float64Array;

  constructor(
    readonly n: number,
    readonly r: number,
  ) {
    const lower = -r;
    const diag = 1.0 + 2.0 * r;
    const upper = -r;
    this.cPrime = new Float64Array(Math.max(0, n - 1));
    this.denom = new Float64Array(n);
    this.denom[0] = diag;
    if (n > 1) this.cPrime[0] = upper / diag;
    for (let i = 1; i < n; i++) {
      this.denom[i] = diag - lower * this.cPrime[i - 1];
      if (i < n - 1) this.cPrime[i] = upper / this.denom[i];
    }
  }

  /** Solves in place: `x` holds the right-hand side on entry and the solution on return. */
  solve(x: Float64Array): void {
    const { n, cPrime, denom } = this;
    const lower = -this.r;
    x[0] = x[0] / denom[0];
    for (let i = 1; i < n; i++) x[i] = (x[i] - lower * x[i - 1]) / denom[i];
    for (let i = n - 2; i >= 0; i--) x[i] = x[i] - cPrime[i] * x[i + 1];
  }
}

export interface InitialShape {
  /** mode_count_range: the number of sine modes is drawn uniformly from [min, max]. */
  readonly modeCountRange: readonly [number, number];
}

/** initial_condition_amplitudes: one uniform draw per band of [0, upper], then shuffled. */
export function initialAmplitudes(seed: string, count: number, upper: number): number[] {
  const n = Math.max(1, count);
  const edges = linspace(0.0, upper, n + 1);
  const rng = Rng.of('pde-paper', seed, 'initial-amplitude');
  const out = Array.from({ length: n }, (_, k) => rng.uniform(edges[k], edges[k + 1]));
  return rng.shuffle(out);
}

/** The shape draws of one trajectory: the mode coefficients (their count is the mode count). */
export function initialModes(seed: string, trajectory: number, shape: InitialShape): number[] {
  const rng = Rng.of('pde-paper', seed, 'initial-shape', trajectory);
  const count = rng.int(shape.modeCountRange[0], shape.modeCountRange[1]);
  return Array.from({ length: count }, () => rng.normal());
}

/** _random_initial_condition on a grid from given draws (amplitude, mode coefficients). */
export function initialProfile(x: Float64Array, amplitude: number, modes: readonly number[]): Float64Array {
  const n = x.length;
  const length = x[n - 1] - x[0];
  const wave = new Float64Array(n);
  modes.forEach((c, k) => {
    const freq = (k + 1) * Math.PI;
    for (let i = 0; i < n; i++) wave[i] += c * Math.sin(freq * ((x[i] - x[0]) / length));
  });
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(wave[i]));
  if (scale > 1e-12) for (let i = 0; i < n; i++) wave[i] = wave[i] / scale;
  let min = Infinity;
  for (let i = 0; i < n; i++) min = Math.min(min, wave[i]);
  const shape = new Float64Array(n);
  let top = -Infinity;
  for (let i = 0; i < n; i++) {
    shape[i] = Math.sin((Math.PI * (x[i] - x[0])) / length) * (wave[i] - min);
    top = Math.max(top, shape[i]);
  }
  const shapeScale = Math.max(top, 1e-12);
  const u0 = new Float64Array(n);
  for (let i = 0; i < n; i++) u0[i] = (amplitude * shape[i]) / shapeScale;
  u0[0] = 0.0;
  u0[n - 1] = 0.0;
  return u0;
}

/** The reference's dense grid: pde_grid_size 257 (made odd), pde_time_steps 2001. */
export interface Grid {
  readonly nx: number;
  readonly nt: number;
}

export const DENSE_GRID: Grid = { nx: 257, nt: 2001 };

/** One simulated trajectory: u on the (t, x) grid, row-major; the residual is derived on demand. */
export class DenseTrajectory {
  readonly x: Float64Array;
  readonly t: Float64Array;
  readonly dx: number;
  readonly dt: number;
  readonly u: Float64Array;
  private readonly reaction: (u: number) => number;

  constructor(grid: Grid, u0: Float64Array, law: Coefficients, stateAbsLimit: number) {
    const nx = Math.max(17, grid.nx) + (Math.max(17, grid.nx) % 2 === 0 ? 1 : 0);
    const nt = Math.max(51, grid.nt);
    this.x = linspace(0.0, 1.0, nx);
    this.t = linspace(0.0, 1.0, nt);
    this.dx = this.x[1] - this.x[0];
    this.dt = this.t[1] - this.t[0];
    const solver = new ImplicitDiffusion(nx - 2, this.dt / (this.dx * this.dx));
    const u = new Float64Array(nt * nx);
    u.set(u0, 0);
    u[0] = 0.0;
    u[nx - 1] = 0.0;
    const work = new Float64Array(nx - 2);
    const f = compileReaction(law);
    this.reaction = f;
    const clip = (v: number) => Math.min(Math.max(v, -stateAbsLimit), stateAbsLimit);
    for (let s = 0; s < nt - 1; s++) {
      const row = s * nx;
      for (let i = 1; i < nx - 1; i++) {
        const ui = u[row + i];
        work[i - 1] = clip(ui + this.dt * f(ui));
      }
      solver.solve(work);
      const next = row + nx;
      for (let i = 1; i < nx - 1; i++) u[next + i] = clip(work[i - 1]);
    }
    this.u = u;
  }

  get nx(): number {
    return this.x.length;
  }

  get nt(): number {
    return this.t.length;
  }

  /** scheme_consistent_reaction_residual at node (time row n, column i); f(u) on the last row, 0 at the ends. */
  residual(n: number, i: number): number {
    const { nx, u, dx, dt } = this;
    if (i <= 0 || i >= nx - 1) return 0.0;
    if (n === this.nt - 1) return this.reaction(u[n * nx + i]);
    const a = (n + 1) * nx;
    const uxx = (u[a + i + 1] - 2.0 * u[a + i] + u[a + i - 1]) / (dx * dx);
    return (u[a + i] - u[n * nx + i]) / dt - uxx;
  }

  /** interpolate_dense_field for 'u' or 'y' at one point. */
  interpolate(field: 'u' | 'y', x: number, t: number): number {
    const xi = clampIndex(searchRight(this.x, x) - 1, this.nx - 2);
    const ti = clampIndex(searchRight(this.t, t) - 1, this.nt - 2);
    const x0 = this.x[xi];
    const x1 = this.x[xi + 1];
    const t0 = this.t[ti];
    const t1 = this.t[ti + 1];
    const wx = (x - x0) / Math.max(x1 - x0, 1e-12);
    const wt = (t - t0) / Math.max(t1 - t0, 1e-12);
    const at = (n: number, i: number) => (field === 'u' ? this.u[n * this.nx + i] : this.residual(n, i));
    const v00 = at(ti, xi);
    const v01 = at(ti, xi + 1);
    const v10 = at(ti + 1, xi);
    const v11 = at(ti + 1, xi + 1);
    return (1.0 - wt) * ((1.0 - wx) * v00 + wx * v01) + wt * ((1.0 - wx) * v10 + wx * v11);
  }
}

/** numpy.searchsorted(sorted, v, side='right'). */
function searchRight(sorted: Float64Array, v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v < sorted[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const clampIndex = (i: number, max: number) => Math.min(Math.max(i, 0), max);
