/**
 * The hidden law of a pack as the reference draws it (agentscope-ai/Trinity-RFT @ 1d7fae4a,
 * connect_the_dots/pde_discovery/ground_truth.py): a template of the family with min..max terms picked uniformly,
 * its terms in dictionary order, each coefficient the template's sign times round(U(0.5, 2.0), 2); redrawn (up to
 * 128 times) until the pack's trajectories stay strictly inside ±state_abs_limit on the coarse 65 × 401 grid
 * (is_stable_reaction_candidate). The initial amplitudes are bounded by one value per family
 * (_calibrated_family_initial_amplitude_upper): a bisection on the amplitude of sin(πx) that every corner of the
 * coefficient box (|c| ∈ {0.5, 2}) keeps inside the limit.
 */
import { CodError } from '../../../../base/errors.ts';
import { Rng } from '../../../seed.ts';
import type { LawTemplate } from './families.ts';
import {
  ImplicitDiffusion,
  initialAmplitudes,
  initialModes,
  initialProfile,
  linspace,
  type InitialShape,
} from './numeric.ts';
import { pyRound } from './py.ts';
import { compileReaction, PAPER_DICTIONARY, type Coefficients } from './terms.ts';

export const COEFFICIENT_ABS_MIN = 0.5;
export const COEFFICIENT_ABS_MAX = 2.0;
export const GT_STABILITY_MAX_ATTEMPTS = 128;
const STABILITY_NX = 65;
const STABILITY_NT = 401;

export interface HiddenLaw {
  /** The law's terms in dictionary order. */
  readonly terms: readonly string[];
  /** Their coefficients, in the same order. */
  readonly coefficients: Coefficients;
}

/** The templates with min..max terms (sample_hidden_reaction's `eligible`). */
export function eligibleTemplates(
  templates: readonly LawTemplate[],
  minTerms: number,
  maxTerms: number,
): LawTemplate[] {
  const eligible = templates.filter((t) => t.terms.length >= minTerms && t.terms.length <= maxTerms);
  if (eligible.length === 0) {
    throw new CodError(
      'bad_config',
      `the law family has no template with ${minTerms} to ${maxTerms} terms`,
      'pde.paper',
    );
  }
  return eligible;
}

/** One draw of sample_hidden_reaction: of the given eligible template, else of one drawn uniformly. */
export function sampleHiddenLaw(rng: Rng, eligible: readonly LawTemplate[], templateIndex?: number): HiddenLaw {
  const template = eligible[templateIndex ?? rng.int(0, eligible.length - 1)];
  const order = (t: string) => (PAPER_DICTIONARY as readonly string[]).indexOf(t);
  const terms = [...template.terms].sort((a, b) => order(a) - order(b));
  const coefficients = new Map<string, number>();
  for (const term of terms) {
    const sign = template.signs.get(term) ?? 1;
    const magnitude = pyRound(rng.uniform(COEFFICIENT_ABS_MIN, COEFFICIENT_ABS_MAX), 2);
    coefficients.set(term, (sign >= 0 ? 1.0 : -1.0) * magnitude);
  }
  return { terms, coefficients };
}

/** Semi-implicit steps on the coarse grid; false at the first non-finite or out-of-limit value. */
function staysInside(
  u0: Float64Array,
  law: Coefficients,
  solver: ImplicitDiffusion,
  dt: number,
  steps: number,
  limit: number,
  checkRhs: boolean,
): boolean {
  const n = u0.length - 2;
  const state = u0.slice(1, n + 1);
  const f = compileReaction(law);
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < n; i++) {
      const v = state[i] + dt * f(state[i]);
      if (!Number.isFinite(v) || (checkRhs && (v <= -limit || v >= limit))) return false;
      state[i] = v;
    }
    solver.solve(state);
    for (let i = 0; i < n; i++) {
      const v = state[i];
      if (!Number.isFinite(v) || (checkRhs ? v <= -limit || v >= limit : Math.abs(v) >= limit)) return false;
    }
  }
  return true;
}

/**
 * The bisection's results for the presets' families, computed once (tests/unit/envs/pde-paper/reference.py runs
 * the reference's procedure; pde-paper.test.ts recomputes them here): 8 s of CPU per family saved per process.
 */
const calibrated = new Map<string, number>([
  ['physical_full_train|1|2|3', 2.765625],
  ['physical_full_eval_4000|1|3|3', 2.765625],
]);

/**
 * calibrate_family_initial_amplitude_upper (cached per family, term range and limit, as the reference's lru_cache):
 * the largest amplitude of sin(πx), to a resolution of limit/64, that no corner of the coefficient box drives to
 * ±limit within t = 1.
 */
export function familyAmplitudeUpper(
  familyKey: string,
  templates: readonly LawTemplate[],
  minTerms: number,
  maxTerms: number,
  limit: number,
  recompute = false,
): number {
  const key = `${familyKey}|${minTerms}|${maxTerms}|${limit}`;
  const hit = calibrated.get(key);
  if (hit !== undefined && !recompute) return hit;
  const vertices: Coefficients[] = [];
  for (const t of templates) {
    if (t.terms.length < minTerms || t.terms.length > maxTerms) continue;
    // itertools.product((0.5, 2.0), repeat=k): the first term varies slowest.
    for (let mask = 0; mask < 1 << t.terms.length; mask++) {
      vertices.push(
        new Map(
          t.terms.map((term, j): [string, number] => {
            const bit = (mask >> (t.terms.length - 1 - j)) & 1;
            const sign = (t.signs.get(term) ?? 1) >= 0 ? 1.0 : -1.0;
            return [term, sign * (bit ? COEFFICIENT_ABS_MAX : COEFFICIENT_ABS_MIN)];
          }),
        ),
      );
    }
  }
  if (vertices.length === 0)
    throw new CodError('bad_config', 'the law family has no templates to calibrate', 'pde.paper');
  const nx = STABILITY_NX;
  const nt = STABILITY_NT;
  const x = linspace(0.0, 1.0, nx);
  const dt = 1.0 / (nt - 1);
  const dx = 1.0 / (nx - 1);
  const solver = new ImplicitDiffusion(nx - 2, dt / (dx * dx));
  const base = x.map((v) => Math.sin(Math.PI * v));
  const stable = (amplitude: number) =>
    vertices.every((law) =>
      staysInside(
        base.map((b) => amplitude * b),
        law,
        solver,
        dt,
        nt - 1,
        limit,
        false,
      ),
    );
  let safe = 0.0;
  let unsafe = limit;
  const resolution = limit / (STABILITY_NX - 1);
  while (unsafe - safe > resolution) {
    const mid = (safe + unsafe) / 2.0;
    if (stable(mid)) safe = mid;
    else unsafe = mid;
  }
  if (safe <= 0.0) throw new CodError('bad_config', 'the law family has no positive stable amplitude', 'pde.paper');
  if (!recompute) calibrated.set(key, safe);
  return safe;
}

export interface PackTrajectories {
  readonly seed: string;
  /** The pack size S: one trajectory per task position. */
  readonly count: number;
  readonly amplitudeUpper: number;
  readonly shape: InitialShape;
}

/** The initial profile of trajectory `index` of a pack on grid `x`. */
export function trajectoryInitial(p: PackTrajectories, index: number, x: Float64Array): Float64Array {
  const amplitude = initialAmplitudes(p.seed, p.count, p.amplitudeUpper)[index];
  return initialProfile(x, amplitude, initialModes(p.seed, index, p.shape));
}

/** is_stable_reaction_candidate: every trajectory of the pack stays strictly inside the limit on the coarse grid. */
export function isStableLaw(law: Coefficients, p: PackTrajectories, limit: number): boolean {
  const x = linspace(0.0, 1.0, STABILITY_NX);
  const t = linspace(0.0, 1.0, STABILITY_NT);
  const dx = x[1] - x[0];
  const dt = t[1] - t[0];
  const solver = new ImplicitDiffusion(STABILITY_NX - 2, dt / (dx * dx));
  for (let k = 0; k < p.count; k++) {
    const u0 = trajectoryInitial(p, k, x);
    u0[0] = 0.0;
    u0[u0.length - 1] = 0.0;
    if (!u0.every(Number.isFinite)) return false;
    if (!staysInside(u0, law, solver, dt, STABILITY_NT - 1, limit, true)) return false;
  }
  return true;
}

/**
 * _ensure_hidden_reaction: draws until stable (the last draw after 128 tries); with a template index (a bench row's
 * ground_truth_template_index) every draw is of that eligible template.
 */
export function drawHiddenLaw(
  seed: string,
  eligible: readonly LawTemplate[],
  pack: PackTrajectories,
  limit: number,
  templateIndex?: number,
): HiddenLaw {
  if (
    templateIndex !== undefined &&
    !(Number.isInteger(templateIndex) && templateIndex >= 0 && templateIndex < eligible.length)
  ) {
    // sample_hidden_reaction's own check.
    throw new CodError(
      'bad_config',
      `ground_truth_template_index=${templateIndex} is outside the eligible template range [0, ${eligible.length - 1}]`,
      'pde.paper',
    );
  }
  const rng = Rng.of('pde-paper', seed, 'ground-truth');
  let law = sampleHiddenLaw(rng, eligible, templateIndex);
  for (let attempt = 0; attempt < GT_STABILITY_MAX_ATTEMPTS; attempt++) {
    if (attempt > 0) law = sampleHiddenLaw(rng, eligible, templateIndex);
    if (isStableLaw(law.coefficients, pack, limit)) break;
  }
  return law;
}
