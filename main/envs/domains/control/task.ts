/** One Optimal Control task: start state, targets and the noise sequence, deterministic in (seed, preset, index). */
import { Rng } from '../../seed.ts';
import type { ControlParams } from './params.ts';

export interface ControlTask {
  readonly index: number;
  readonly horizon: number;
  readonly x0: number;
  readonly v0: number;
  readonly xTarget: number;
  readonly vTarget: number;
  /** Process noise per step, drawn up front so the same task always sees the same noise. */
  readonly noise: readonly number[];
}

/** Values the model sees are rounded to 3 decimals so text and simulation agree exactly. */
const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function controlTask(params: ControlParams, seed: string, preset: string, index: number): ControlTask {
  const rng = Rng.of('control', seed, preset, 'task', index);
  const x0 = round3(rng.uniform(params.minX0, params.maxX0));
  const v0 = round3(rng.uniform(params.minV0, params.maxV0));
  let xTarget = round3(rng.uniform(params.minTarget, params.maxTarget));
  // A target on top of the start would make the task trivial: keep them at least 1 apart when the range allows.
  for (let k = 0; k < 20 && Math.abs(xTarget - x0) < 1 && params.maxTarget - params.minTarget > 2; k++) {
    xTarget = round3(rng.uniform(params.minTarget, params.maxTarget));
  }
  const vTarget = round3(rng.uniform(params.minVTarget, params.maxVTarget));
  const noise = Array.from({ length: params.horizon }, () => params.noise * rng.normal());
  return { index, horizon: params.horizon, x0, v0, xTarget, vTarget, noise };
}
