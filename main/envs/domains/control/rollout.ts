/**
 * Closed-loop evaluation of a controller over the horizon, and the loss of environments.md:
 * L = (x_T - x*)^2 + 2 (v_T - v*)^2 + 0.03 Σ u^2 with u clipped to [-1, 1]; reward 1 / (1 + L).
 */
import type { ControlDynamics } from './instance.ts';
import type { ControlTask } from './task.ts';

export interface StepRow {
  readonly t: number;
  readonly x: number;
  readonly v: number;
  /** The applied (clipped) control; null on the final row (t = horizon). */
  readonly u: number | null;
}

export interface LossParts {
  readonly position: number;
  readonly velocity: number;
  readonly effort: number;
  readonly total: number;
}

export type Rollout =
  | { readonly ok: true; readonly rows: readonly StepRow[]; readonly loss: LossParts; readonly reward: number }
  | { readonly ok: false; readonly rows: readonly StepRow[]; readonly failedAt: number; readonly error: string };

export interface ControlInputs {
  readonly x: number;
  readonly v: number;
  readonly t: number;
  readonly x_target: number;
  readonly v_target: number;
  readonly horizon: number;
  readonly remaining_steps: number;
}

export type Controller = (inputs: ControlInputs) => { ok: true; value: number } | { ok: false; error: string };

export const EFFORT_WEIGHT = 0.03;
export const VELOCITY_WEIGHT = 2;

/** Table values are shown with 4 decimals; the rows keep exactly what is shown. */
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function clipControl(u: number): number {
  return Math.max(-1, Math.min(1, u));
}

export function lossOf(task: ControlTask, xT: number, vT: number, controls: readonly number[]): LossParts {
  const position = (xT - task.xTarget) ** 2;
  const velocity = VELOCITY_WEIGHT * (vT - task.vTarget) ** 2;
  const effort = EFFORT_WEIGHT * controls.reduce((s, u) => s + u * u, 0);
  return { position, velocity, effort, total: position + velocity + effort };
}

export function rollout(dyn: ControlDynamics, task: ControlTask, controller: Controller): Rollout {
  let x = task.x0;
  let v = task.v0;
  const rows: StepRow[] = [];
  const controls: number[] = [];
  for (let t = 0; t < task.horizon; t++) {
    const out = controller({
      x,
      v,
      t,
      x_target: task.xTarget,
      v_target: task.vTarget,
      horizon: task.horizon,
      remaining_steps: task.horizon - t,
    });
    if (!out.ok) {
      rows.push({ t, x: round4(x), v: round4(v), u: null });
      return { ok: false, rows, failedAt: t, error: out.error };
    }
    const u = clipControl(out.value);
    rows.push({ t, x: round4(x), v: round4(v), u: round4(u) });
    controls.push(u);
    v = dyn.a * v + dyn.b * u + task.noise[t];
    x = x + v;
  }
  rows.push({ t: task.horizon, x: round4(x), v: round4(v), u: null });
  const loss = lossOf(task, x, v, controls);
  return { ok: true, rows, loss, reward: 1 / (1 + loss.total) };
}
