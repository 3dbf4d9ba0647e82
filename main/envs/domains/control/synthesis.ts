/**
 * Controller synthesis for a believed model (a, b): finite-horizon LQR on the affine state [x, v, 1] with the
 * task's terminal cost, written out as a time-indexed expression in the task's own language. Several effort
 * weights are tried on the believed model (with clipping) and the best predicted one is kept.
 */
import { clipControl, EFFORT_WEIGHT, lossOf, VELOCITY_WEIGHT } from './rollout.ts';
import type { ControlTask } from './task.ts';

type Vec3 = [number, number, number];
type Mat3 = [Vec3, Vec3, Vec3];

/** Per-step gains: u_t = clip(kx·x + kv·v + k1, -1, 1). */
export type Gains = readonly Vec3[];

function lqrGains(a: number, b: number, task: ControlTask, r: number): Gains {
  const A: Mat3 = [
    [1, a, 0],
    [0, a, 0],
    [0, 0, 1],
  ];
  const B: Vec3 = [b, b, 0];
  const xs = task.xTarget;
  const vs = task.vTarget;
  const W = VELOCITY_WEIGHT;
  let P: Mat3 = [
    [1, 0, -xs],
    [0, W, -W * vs],
    [-xs, -W * vs, xs * xs + W * vs * vs],
  ];
  const gains: Vec3[] = new Array<Vec3>(task.horizon);
  for (let t = task.horizon - 1; t >= 0; t--) {
    const PB = P.map((row) => row[0] * B[0] + row[1] * B[1] + row[2] * B[2]) as Vec3;
    const s = r + B[0] * PB[0] + B[1] * PB[1] + B[2] * PB[2];
    // K = (Bᵀ P A) / s; u = -K z.
    const BtPA: Vec3 = [0, 1, 2].map((j) => PB[0] * A[0][j] + PB[1] * A[1][j] + PB[2] * A[2][j]) as Vec3;
    const K = BtPA.map((x) => x / s) as Vec3;
    gains[t] = [-K[0], -K[1], -K[2]];
    const AtPA: Mat3 = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => {
        let sum = 0;
        for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) sum += A[p][i] * P[p][q] * A[q][j];
        return sum;
      }),
    ) as Mat3;
    P = [0, 1, 2].map((i) => [0, 1, 2].map((j) => AtPA[i][j] - BtPA[i] * K[j])) as Mat3;
  }
  return gains;
}

/** Loss the believed model predicts for these gains (noise-free, with clipping). */
export function predictedLoss(a: number, b: number, task: ControlTask, gains: Gains): number {
  let x = task.x0;
  let v = task.v0;
  const us: number[] = [];
  for (let t = 0; t < task.horizon; t++) {
    const [kx, kv, k1] = gains[t];
    const u = clipControl(kx * x + kv * v + k1);
    us.push(u);
    v = a * v + b * u;
    x = x + v;
  }
  return lossOf(task, x, v, us).total;
}

const EFFORT_CANDIDATES = [EFFORT_WEIGHT, 0.1, 0.3, 1, 3];

export function bestGains(a: number, b: number, task: ControlTask): Gains {
  let best: Gains = lqrGains(a, b, task, EFFORT_CANDIDATES[0]);
  let bestLoss = predictedLoss(a, b, task, best);
  for (const r of EFFORT_CANDIDATES.slice(1)) {
    const g = lqrGains(a, b, task, r);
    const l = predictedLoss(a, b, task, g);
    if (l < bestLoss) {
      best = g;
      bestLoss = l;
    }
  }
  return best;
}

const fmt = (x: number) => (Number.isFinite(x) ? String(Number(x.toPrecision(6))) : '0');

/** The gains as one expression: `clip(...) if t == 0 else clip(...) if t == 1 else … clip(...)`. */
export function gainsExpression(gains: Gains): string {
  const term = ([kx, kv, k1]: Vec3) => `clip(${fmt(kx)}*x + ${fmt(kv)}*v + ${fmt(k1)}, -1, 1)`;
  const parts = gains.slice(0, -1).map((g, t) => `${term(g)} if t == ${t} else `);
  return parts.join('') + term(gains[gains.length - 1]);
}
