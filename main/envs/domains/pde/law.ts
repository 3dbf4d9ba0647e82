/** The hidden reaction law f(u) = Σ c_k·term_k of a pack (or of one task, in the per_task ablation). */
import { Rng } from '../../seed.ts';
import { DICTIONARY, reaction, termIndex, type Coefficients } from './dictionary.ts';
import type { PdeParams } from './params.ts';
import { conditionNumber } from './regression.ts';

/** Laws whose own terms are this collinear on |u| ≤ 1.5 could not be fitted even with the support known. */
const MAX_SUPPORT_CONDITION = 20;
const PROBE_U = Array.from({ length: 61 }, (_, i) => -1.5 + i * 0.05);

/**
 * A law is tame when the reaction ODE u' = f(u) started anywhere in [-2.6, 2.6] (the largest initial profile) stays
 * within [-3.5, 3.5] over the horizon; with diffusion and zero boundaries the PDE then stays bounded too.
 * Rejecting the rest avoids finite-time blow-ups such as u' = -c·exp(-u).
 */
function isTame(coef: Coefficients): boolean {
  const { f } = reaction(coef);
  const dt = 0.01;
  for (let u0 = -2.6; u0 <= 2.61; u0 += 0.4) {
    let u = u0;
    for (let n = 0; n < 100; n++) {
      const k1 = f(u);
      const k2 = f(u + (dt / 2) * k1);
      const k3 = f(u + (dt / 2) * k2);
      const k4 = f(u + dt * k3);
      u += (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
      if (!(Math.abs(u) <= 3.5)) return false;
    }
  }
  return true;
}

export function drawLaw(params: PdeParams, seed: string, taskIndex: number): Coefficients {
  const rng = params.lawMode === 'per_pack' ? Rng.of('pde', seed, 'law') : Rng.of('pde', seed, 'law', taskIndex);
  const cubic = termIndex('u^3');
  for (let attempt = 0; ; attempt++) {
    const count = rng.int(params.minTerms, params.maxTerms);
    const support = rng.shuffle(DICTIONARY.map((_, k) => k)).slice(0, count);
    const coef = new Array<number>(DICTIONARY.length).fill(0);
    for (const k of support) {
      const mag = Math.round(rng.uniform(0.5, 2) * 100) / 100;
      // A negative cubic keeps solutions bounded; other signs are free (blow-ups are avoided per task).
      coef[k] = k === cubic || rng.next() < 0.5 ? -mag : mag;
    }
    const X = PROBE_U.map((u) => support.map((k) => DICTIONARY[k].f(u)));
    if ((conditionNumber(X) <= MAX_SUPPORT_CONDITION && isTame(coef)) || attempt >= 500) return coef;
  }
}
