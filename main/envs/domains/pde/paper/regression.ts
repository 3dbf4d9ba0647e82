/**
 * The reference's sparse regression and its diagnostics text (agentscope-ai/Trinity-RFT @ 139d1c43,
 * connect_the_dots/pde_discovery/regression.py): sparse_regression_result enumerates every support of 1 to
 * max_reaction_terms terms of the given dictionary (or exactly the supports of the agent's candidate equations),
 * refits each with a 1e-8 ridge on the raw columns, drops coefficients under the threshold and refits, rounds to 3
 * decimals and re-reads the `.3g` equation it prints, scores each by its sampled-data max error, and reports the
 * best with its closest different-support rival; candidate_objective_diagnostics scores the equation an agent
 * finalises. effective_kappa is the condition number of the column-normalised design (capped at 1e12).
 *
 * The reference's thresholded-ridge screening pass is not run: its support is always one of the enumerated ones
 * (it has at most max_reaction_terms terms), so it never changes the candidates, their order or any printed value.
 */
import { leastSquares, solveLinear, svd, type Columns } from './linalg.ts';
import { pyFormatG, pyRound } from './py.ts';
import { candidateCoefficients, dictionaryMatrix, formatEquation, reactionValue } from './terms.ts';

export const KAPPA_CAP = 1e12;
const DEBIASED_REFIT_ALPHA = 1e-8;

const g3 = (x: number) => pyFormatG(x, 3);

export function maxAbsError(y: readonly number[], pred: readonly number[]): number {
  if (y.length === 0) return 1.0;
  let m = -Infinity;
  for (let i = 0; i < y.length; i++) {
    const e = Math.abs(y[i] - pred[i]);
    // numpy's max propagates NaN.
    if (Number.isNaN(e)) return NaN;
    m = Math.max(m, e);
  }
  return m;
}

export function relativeErrorMargin(secondBest: number, best: number): number {
  const gap = Math.max(0.0, secondBest - best);
  if (best > 0.0) return gap / best;
  return gap > 0.0 ? Infinity : 0.0;
}

const norm = (col: readonly number[]) => Math.sqrt(col.reduce((s, v) => s + v * v, 0));

/** effective_kappa: σ_max/σ_min of the design with unit-norm columns (near-zero columns left out), capped. */
export function effectiveKappa(u: readonly number[], dictionary: readonly string[]): number {
  const { columns } = dictionaryMatrix(u, dictionary);
  if (columns.length === 0) return KAPPA_CAP;
  const normalised = columns.filter((c) => norm(c) > 1e-12).map((c) => c.map((v) => v / norm(c)));
  if (normalised.length === 0) return KAPPA_CAP;
  const { s } = svd(normalised, u.length);
  if (s.length === 0) return KAPPA_CAP;
  const min = s[s.length - 1];
  if (!(min > 1e-12)) return KAPPA_CAP;
  return Math.min(s[0] / min, KAPPA_CAP);
}

export interface CandidateDiagnostic {
  readonly equation: string;
  readonly support: readonly string[];
  readonly trainingMaxError: number;
  readonly conditionPenalty: number;
  readonly relativeMargin: number;
  readonly secondBestEquation: string;
  readonly stepPenalty: number;
}

export interface RegressionResult {
  readonly support: readonly string[];
  readonly coefficients: ReadonlyMap<string, number>;
  readonly equation: string;
  readonly maxError: number;
  readonly conditionRatio: number;
  readonly relativeMargin: number;
  readonly secondBestMaxError: number;
  readonly secondBestEquation: string;
  readonly kappa: number;
  /** The step penalty: the best candidate's sampled-data max error (blind penalty added when no term is valid). */
  readonly penalty: number;
  readonly candidateDiagnostics: readonly CandidateDiagnostic[];
  readonly feedback: string;
}

export interface RegressionInput {
  readonly u: readonly number[];
  readonly y: readonly number[];
  readonly dictionary: readonly string[];
  readonly threshold: number;
  readonly maxReactionTerms: number;
  readonly blindPenalty: number;
  readonly kappaThreshold: number;
  /** candidate_equations mode: exactly these supports (terms); null = every support up to the cap. */
  readonly allowedSupports: readonly (readonly string[])[] | null;
}

interface Fit {
  readonly support: string[];
  readonly coefficients: Map<string, number>;
  readonly maxError: number;
  readonly conditionRatio: number;
  readonly kappa: number;
}

/** Python's ordering of int tuples: element by element, a prefix first. */
function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** sparse_regression_result (the objective data are the fitted data, as in every call of the workflow). */
export function sparseRegression(input: RegressionInput): RegressionResult {
  const { u, y } = input;
  const theta = dictionaryMatrix(u, input.dictionary);
  if (theta.columns.length === 0) {
    const maxError = maxAbsError(
      y,
      y.map(() => 0),
    );
    const penalty = maxError + input.blindPenalty;
    return {
      support: [],
      coefficients: new Map(),
      equation: '0',
      maxError,
      conditionRatio: 1.0,
      relativeMargin: 0.0,
      secondBestMaxError: NaN,
      secondBestEquation: 'not evaluated: no valid dictionary terms',
      kappa: KAPPA_CAP,
      penalty,
      candidateDiagnostics: [],
      feedback: 'Sparse regression failed: no valid dictionary terms.',
    };
  }
  const dictionaryKappa = effectiveKappa(u, theta.terms);
  const keep = theta.columns.map((c) => norm(c) > 1e-12);
  const columns: Columns = theta.columns.filter((_, j) => keep[j]);
  const terms = theta.terms.filter((_, j) => keep[j]);
  const hardCap = Math.max(1, Math.min(input.maxReactionTerms, terms.length));
  const coefficientThreshold = Math.max(input.threshold, 0.0);

  const objective = (maxError: number, support: readonly string[]) => {
    const kappa = support.length > 0 ? effectiveKappa(u, support) : dictionaryKappa;
    return { kappa, conditionRatio: Math.max(0.0, Math.log10(kappa) - Math.log10(input.kappaThreshold)) };
  };

  const fitSupport = (indices: readonly number[]): Fit => {
    const support = [...new Set(indices)].sort((a, b) => a - b);
    const rounded = new Map<string, number>();
    if (support.length > 0) {
      const design = support.map((j) => columns[j]);
      const rhs = design.map((col) => col.reduce((s, v, i) => s + v * y[i], 0));
      const gram = design.map((ci, a) =>
        design.map((cj, b) => cj.reduce((s, v, i) => s + ci[i] * v, 0) + (a === b ? DEBIASED_REFIT_ALPHA : 0)),
      );
      // LAPACK's LinAlgError falls back to lstsq on the raw design; the ridge makes that path all but unreachable.
      const coef = solveLinear(gram, rhs) ?? leastSquares(design, y);
      const kept = support.filter((_, i) => Math.abs(coef[i]) >= coefficientThreshold);
      if (kept.length !== support.length) return fitSupport(kept);
      support.forEach((j, i) => rounded.set(terms[j], pyRound(coef[i], 3)));
    }
    // Score the same rounded equation exposed to the agent.
    const equation = formatEquation(rounded);
    const coefficients = candidateCoefficients(equation, terms);
    const pred = u.map((_, i) => terms.reduce((s, t, j) => s + columns[j][i] * (coefficients.get(t) ?? 0), 0));
    const maxError = maxAbsError(y, pred);
    const supportTerms = [...coefficients.keys()];
    return { support: supportTerms, coefficients, maxError, ...objective(maxError, supportTerms) };
  };

  const cache = new Map<string, Fit>();
  const cachedFit = (indices: readonly number[]): Fit => {
    const key = indices.join(',');
    let hit = cache.get(key);
    if (!hit) {
      hit = fitSupport(indices);
      cache.set(key, hit);
    }
    return hit;
  };

  const supports: number[][] = [];
  if (input.allowedSupports !== null) {
    const seen = new Set<string>();
    for (const s of input.allowedSupports) {
      const idx = [...new Set(s.map((t) => terms.indexOf(t)).filter((j) => j >= 0))].sort((a, b) => a - b);
      if (!seen.has(idx.join(','))) {
        seen.add(idx.join(','));
        supports.push(idx);
      }
    }
    supports.sort(compareTuples);
  } else {
    // Every combination of 1..hardCap indices, depth first: Python's sorted order of the tuples.
    const walk = (prefix: number[], from: number) => {
      for (let j = from; j < terms.length; j++) {
        const next = [...prefix, j];
        supports.push(next);
        if (next.length < hardCap) walk(next, j + 1);
      }
    };
    walk([], 0);
  }
  if (supports.length === 0) supports.push([]);
  const fits = supports.map(cachedFit);

  const scored = fits.map((fit) => {
    const key = fit.support.join('\u0000');
    let second: Fit | null = null;
    for (const other of fits) {
      if (other.support.join('\u0000') === key) continue;
      if (second === null || other.maxError < second.maxError) second = other;
    }
    const secondBestMaxError = second ? second.maxError : NaN;
    const secondBestEquation = second
      ? formatEquation(second.coefficients)
      : 'not evaluated: no alternative support supplied';
    const relativeMargin = second ? relativeErrorMargin(second.maxError, fit.maxError) : 0.0;
    return { ...fit, secondBestMaxError, secondBestEquation, relativeMargin, penalty: fit.maxError };
  });
  // Python's sort is stable; so is Array.prototype.sort. NaN keys are left where Python would leave them only
  // approximately (they do not arise: the errors are finite on finite data).
  scored.sort((a, b) => a.penalty - b.penalty);
  const best = scored[0];
  const equation = formatEquation(best.coefficients);
  const scope = input.allowedSupports !== null ? 'agent-specified refit set' : 'agent-specified dictionary';
  let selectionNote = ` Scored ${fits.length} support(s) from the ${scope}.`;
  if (new Set(fits.map((f) => f.support.join('\u0000'))).size < 2) {
    selectionNote += ' No different-support alternative was supplied, so relative_margin is reported as 0.';
  }
  const candidateDiagnostics: CandidateDiagnostic[] = scored.map((c) => ({
    equation: formatEquation(c.coefficients),
    support: c.support,
    trainingMaxError: c.maxError,
    conditionPenalty: c.conditionRatio,
    relativeMargin: c.relativeMargin,
    secondBestEquation: c.secondBestEquation,
    stepPenalty: c.maxError,
  }));
  const summary =
    `best equation=${equation}; sampled-data max error=${g3(best.maxError)}; ` +
    `condition penalty=${g3(best.conditionRatio)}; closest different-support candidate=${best.secondBestEquation}; ` +
    `relative margin=${g3(best.relativeMargin)}`;
  const feedback =
    'Sparse regression with thresholded ridge screening, hard-capped support enumeration, and debiased coefficient ' +
    `refit. Selected-support kappa = ${g3(best.kappa)}; full-dictionary kappa = ${g3(dictionaryKappa)}. ` +
    `Best fit: f(u) = ${equation}. sampled-data max error = ${g3(best.maxError)}. ` +
    `Coefficient threshold = ${g3(coefficientThreshold)}; Non-zero terms: ${best.support.length}. ` +
    `condition penalty term = ${g3(best.conditionRatio)}. Closest scored different-support equation ` +
    `${best.secondBestEquation} has max error = ${g3(best.secondBestMaxError)}; relative margin = ` +
    `${g3(best.relativeMargin)}. ${selectionNote} Candidate sampled-data diagnostics: ${summary}. This tool ` +
    'updates only the latest regression candidate; the scientific conclusion inherited by future tasks is set only ' +
    'by update_scientific_context.';
  return {
    support: best.support,
    coefficients: best.coefficients,
    equation,
    maxError: best.maxError,
    conditionRatio: best.conditionRatio,
    relativeMargin: best.relativeMargin,
    secondBestMaxError: best.secondBestMaxError,
    secondBestEquation: best.secondBestEquation,
    kappa: best.kappa,
    penalty: best.maxError,
    candidateDiagnostics,
    feedback,
  };
}

export interface ObjectiveDiagnostics {
  readonly support: readonly string[];
  readonly coefficients: ReadonlyMap<string, number>;
  readonly trainingMaxError: number;
  readonly conditionPenalty: number;
  readonly relativeMargin: number;
  readonly secondBestMaxError: number;
  readonly secondBestEquation: string;
  readonly stepPenalty: number;
}

/**
 * candidate_objective_diagnostics: the finalised equation's max error on the regression's data, its support among
 * the regression's dictionary (in that dictionary's order; compared with the scored supports as ordered tuples,
 * as the reference does), and its closest different-support candidate of the latest regression.
 */
export function candidateObjectiveDiagnostics(
  candidate: string,
  data: { readonly u: readonly number[]; readonly y: readonly number[] },
  dictionary: readonly string[],
  dictionaryTerms: readonly string[],
  lastCandidates: readonly CandidateDiagnostic[],
  kappaThreshold: number,
): ObjectiveDiagnostics {
  const coefficients = candidateCoefficients(candidate, dictionaryTerms);
  const support = dictionary.filter((t) => Math.abs(coefficients.get(t) ?? 0) > 0.0);
  const pred = data.u.map((v) => reactionValue(v, coefficients));
  const maxError = maxAbsError(data.y, pred);
  const kappa = support.length > 0 ? effectiveKappa(data.u, support) : KAPPA_CAP;
  const conditionPenalty = Math.max(0.0, Math.log10(kappa) - Math.log10(kappaThreshold));
  const key = support.join('\u0000');
  let second: CandidateDiagnostic | null = null;
  for (const item of lastCandidates) {
    if (item.support.join('\u0000') === key) continue;
    if (second === null || item.trainingMaxError < second.trainingMaxError) second = item;
  }
  return {
    support,
    coefficients,
    trainingMaxError: maxError,
    conditionPenalty,
    relativeMargin: second ? relativeErrorMargin(second.trainingMaxError, maxError) : 0.0,
    secondBestMaxError: second ? second.trainingMaxError : NaN,
    secondBestEquation: second ? second.equation : 'not evaluated: no alternative support supplied',
    stepPenalty: maxError,
  };
}
