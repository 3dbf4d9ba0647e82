/** The hidden per-pack dynamics of Optimal Control: v' = a·v + b·u (+ noise), x' = x + v'. */
import { Rng } from '../../seed.ts';

export interface ControlDynamics {
  readonly a: number;
  readonly b: number;
}

/** a ~ U[0.55, 1.20], b ~ U[-1.5, 1.5] resampled until |b| >= 0.35 (environments.md). Same in every preset. */
export function controlDynamics(seed: string): ControlDynamics {
  const rng = Rng.of('control', seed, 'dynamics');
  const a = rng.uniform(0.55, 1.2);
  let b = rng.uniform(-1.5, 1.5);
  while (Math.abs(b) < 0.35) b = rng.uniform(-1.5, 1.5);
  return { a, b };
}
