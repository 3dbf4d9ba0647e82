/**
 * One PDE Discovery task: a diffusion coefficient, an initial profile and a horizon, simulated once with the
 * hidden law. Deterministic in (seed, preset, index). Profiles that blow up are shrunk until they do not.
 */
import { CodError } from '../../../base/errors.ts';
import { Rng } from '../../seed.ts';
import { reaction, type Coefficients } from './dictionary.ts';
import type { PdeParams } from './params.ts';
import { simulate, type SimulationSpec, type Solution } from './simulate.ts';

export const NX = 50;
export const NT = 100;
export const HORIZON = 1;
/** Solutions are kept within this range so sampled u values stay where the dictionary terms are well behaved. */
const MAX_ABS_U = 2.5;

export interface PdeTask {
  readonly index: number;
  readonly law: Coefficients;
  readonly spec: SimulationSpec;
  readonly solution: Solution;
  /** Sine-mode amplitudes of the initial profile (public: the profile is shown). */
  readonly modes: readonly number[];
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function pdeTask(params: PdeParams, law: Coefficients, seed: string, preset: string, index: number): PdeTask {
  const rng = Rng.of('pde', seed, preset, 'task', index);
  const diffusion = round3(rng.uniform(params.minDiffusion, params.maxDiffusion));
  const first = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.8, 1.6);
  let modes = [first, rng.uniform(-0.6, 0.6), rng.uniform(-0.4, 0.4)].map(round3);
  for (let attempt = 0; ; attempt++) {
    const amp = modes;
    const spec: SimulationSpec = {
      diffusion,
      nx: NX,
      nt: NT,
      horizon: HORIZON,
      initial: (x) => amp.reduce((s, a, k) => s + a * Math.sin((k + 1) * Math.PI * x), 0),
      reaction: reaction(law),
    };
    const solution = simulate(spec);
    const bounded = solution !== null && solution.every((row) => row.every((u) => Math.abs(u) <= MAX_ABS_U));
    if ((bounded && solution) || attempt >= 12) {
      if (!solution) throw new CodError('env_fault', `simulation of task ${index} diverged`, 'pde');
      return { index, law, spec, solution, modes: amp };
    }
    modes = modes.map((a) => round3(a * 0.6));
  }
}
