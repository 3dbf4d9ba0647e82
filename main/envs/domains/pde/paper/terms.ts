/**
 * The reference's candidate library and equation text (agentscope-ai/Trinity-RFT @ 1d7fae4a,
 * connect_the_dots/pde_discovery/candidate.py): the 15-term DEFAULT_DICTIONARY and basis_values, format_equation
 * (`{coef:.3g}*term`, compound terms parenthesised), candidate_coefficients (the equation parse the reward and the
 * regression both go through), candidate_support, symbolic_coefficient_tokens and reaction_value. Coefficient maps
 * keep insertion order, as the reference's dicts do: it decides the order of terms in the printed equations and the
 * order of the sums.
 */
import { pyCollapseSpace, pyFloat, pyFormatG, pyStrip } from './py.ts';

export const PAPER_DICTIONARY = [
  'u',
  'u**2',
  'u**3',
  'u**4',
  'u**5',
  'u**7',
  'sin(u)',
  'sin(2*u)',
  'exp(u)-1',
  'log(1+u**2)',
  'tanh(u)',
  'u/(1+u**2)',
  'u**2/(1+u**2)',
  'u**4/(1+u**4)',
  'u/(1+u+u**2)',
] as const;

export type PaperTerm = (typeof PAPER_DICTIONARY)[number];

/** Term → coefficient, in insertion order (a Python dict). */
export type Coefficients = ReadonlyMap<string, number>;

export function isPaperTerm(term: string): term is PaperTerm {
  return (PAPER_DICTIONARY as readonly string[]).includes(term);
}

/**
 * basis_values for one u. numpy's `u**2` is a square and higher integer powers go through pow(); sin, expm1, log1p
 * and tanh are the C library's (JavaScript's agree to the last bit or within one).
 */
const BASIS: Readonly<Record<PaperTerm, (u: number) => number>> = {
  u: (u) => u,
  'u**2': (u) => u * u,
  'u**3': (u) => Math.pow(u, 3),
  'u**4': (u) => Math.pow(u, 4),
  'u**5': (u) => Math.pow(u, 5),
  'u**7': (u) => Math.pow(u, 7),
  'sin(u)': (u) => Math.sin(u),
  'sin(2*u)': (u) => Math.sin(2.0 * u),
  'exp(u)-1': (u) => Math.expm1(u),
  'log(1+u**2)': (u) => Math.log1p(u * u),
  'tanh(u)': (u) => Math.tanh(u),
  'u/(1+u**2)': (u) => u / (1.0 + u * u),
  'u**2/(1+u**2)': (u) => (u * u) / (1.0 + u * u),
  'u**4/(1+u**4)': (u) => Math.pow(u, 4) / (1.0 + Math.pow(u, 4)),
  'u/(1+u+u**2)': (u) => u / (1.0 + u + u * u),
};

export function basis(term: string, u: number): number {
  if (!isPaperTerm(term)) throw new Error(`Unsupported dictionary term: ${term}`);
  return BASIS[term](u);
}

/** reaction_value: Σ coef·basis in the map's order (numpy adds term by term, as here). */
export function reactionValue(u: number, coefficients: Coefficients): number {
  return compileReaction(coefficients)(u);
}

/** reaction_value as a function of u, for the simulator's inner loops (the same sum in the same order). */
export function compileReaction(coefficients: Coefficients): (u: number) => number {
  const pairs = [...coefficients].filter(([t]) => isPaperTerm(t)).map(([t, c]) => [c, BASIS[t as PaperTerm]] as const);
  if (pairs.length === 1) {
    const [c, f] = pairs[0];
    return (u) => 0 + c * f(u);
  }
  if (pairs.length === 2) {
    const [[c0, f0], [c1, f1]] = pairs;
    return (u) => 0 + c0 * f0(u) + c1 * f1(u);
  }
  return (u) => {
    let v = 0;
    for (const [c, f] of pairs) v = v + c * f(u);
    return v;
  };
}

/**
 * dictionary_matrix: the columns of the terms whose values are all finite on these u, and those terms. Columns are
 * returned column-major (one array per kept term).
 */
export function dictionaryMatrix(
  u: readonly number[],
  dictionary: readonly string[],
): { columns: number[][]; terms: string[] } {
  const columns: number[][] = [];
  const terms: string[] = [];
  for (const term of dictionary) {
    if (!isPaperTerm(term)) continue;
    const col = u.map((x) => basis(term, x));
    if (col.every(Number.isFinite)) {
      columns.push(col);
      terms.push(term);
    }
  }
  return { columns, terms };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** term_pattern: `u` not followed by `**`; compound terms (with + or -) also in parentheses. */
export function termPattern(term: string): string {
  if (term === 'u') return 'u(?!\\*\\*)';
  const escaped = escapeRe(term);
  if (term.includes('+') || term.includes('-')) return `(?:${escaped}|\\(${escaped}\\))`;
  return escaped;
}

const SYMBOLIC = /(?<![A-Za-z0-9_])(?:c\d+|coef(?:ficient)?\d*|a|b|alpha|beta|gamma)(?![A-Za-z0-9_])/gi;

/** symbolic_coefficient_tokens: the distinct placeholder names, sorted. */
export function symbolicCoefficientTokens(equation: string): string[] {
  return [...new Set(equation.match(SYMBOLIC) ?? [])].sort();
}

/** format_equation: "0" for no term; else `{c:.3g}*term` joined by " + " / " - ". */
export function formatEquation(coefficients: Coefficients): string {
  if (coefficients.size === 0) return '0';
  const pieces = [...coefficients].map(([term, c]) => {
    const t = term.includes('+') || term.includes('-') ? `(${term})` : term;
    return `${pyFormatG(c, 3)}*${t}`;
  });
  return (
    pieces[0] +
    pieces
      .slice(1)
      .map((p) => ` ${p[0] !== '-' ? '+' : '-'} ${p.replace(/^-+/, '')}`)
      .join('')
  );
}

const COEF = '([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:e[+-]?\\d+)?)';

/** Python's sorted(terms, key=len, reverse=True): longest first, ties in their given order. */
function longestFirst(terms: readonly string[]): string[] {
  return terms
    .map((t, i) => ({ t, i }))
    .sort((a, b) => b.t.length - a.t.length || a.i - b.i)
    .map((x) => x.t);
}

/**
 * candidate_coefficients: an optional `f(u) =` then `coef*term` pieces, longest terms matched first, repeated terms
 * summed; anything left over but signs makes the whole parse empty; |coef| ≤ 1e-12 dropped.
 */
export function candidateCoefficients(candidate: string, dictionaryTerms: readonly string[]): Map<string, number> {
  let text = pyStrip(candidate);
  const eq = text.indexOf('=');
  if (eq >= 0) {
    if (!/^\s*f\s*\(\s*u\s*\)\s*$/i.test(text.slice(0, eq))) return new Map();
    text = text.slice(eq + 1);
  }
  const coefficients = new Map<string, number>();
  let remaining = pyCollapseSpace(text).replace(/ /g, '');
  for (const term of longestFirst(dictionaryTerms)) {
    const re = new RegExp(`${COEF}\\*${termPattern(term)}`, 'i');
    for (let m = re.exec(remaining); m; m = re.exec(remaining)) {
      coefficients.set(term, (coefficients.get(term) ?? 0) + (pyFloat(m[1]) ?? NaN));
      remaining = remaining.slice(0, m.index) + ' '.repeat(m[0].length) + remaining.slice(m.index + m[0].length);
    }
  }
  const left = remaining.replace(/ /g, '');
  if (left !== '' && left !== '+' && left !== '-') return new Map();
  return new Map([...coefficients].filter(([, c]) => Math.abs(c) > 1e-12));
}

/**
 * candidate_support: the parsed terms in `dictionary` order; when the coefficients do not parse (e.g. symbolic
 * ones), every term whose pattern occurs in the text, longest first, each match removed.
 */
export function candidateSupport(
  candidate: string,
  dictionary: readonly string[],
  dictionaryTerms: readonly string[],
): string[] {
  const parsed = candidateCoefficients(candidate, dictionaryTerms);
  if (parsed.size > 0) return dictionary.filter((t) => parsed.has(t));
  let compact = candidate.replace(/ /g, '');
  const found = new Set<string>();
  for (const term of longestFirst(dictionary)) {
    const re = new RegExp(termPattern(term), 'gi');
    if (re.test(compact)) {
      found.add(term);
      compact = compact.replace(new RegExp(termPattern(term), 'gi'), '');
    }
  }
  return dictionary.filter((t) => found.has(t));
}

/** sanitize_dictionary: the known terms of a list, deduplicated in its order; the fallback for anything else. */
export function sanitizeDictionary(dictionary: unknown, fallback: readonly string[]): string[] {
  if (!Array.isArray(dictionary) || dictionary.length === 0) return [...fallback];
  const out: string[] = [];
  for (const term of dictionary) {
    if (typeof term === 'string' && isPaperTerm(term) && !out.includes(term)) out.push(term);
  }
  return out.length > 0 ? out : [...fallback];
}
