/**
 * The fixed dictionary of candidate reaction terms. Several are nearly collinear on small |u| (sin u ≈ u − u³/6,
 * exp(−u) ≈ 1 − u + u²/2 …), so a handful of noisy samples cannot tell them apart: that ambiguity is what the
 * commit feedback resolves and the notes carry across the pack.
 */

export interface DictionaryTerm {
  /** Canonical name, as written in actions and feedback. */
  readonly name: string;
  readonly f: (u: number) => number;
  /** Derivative, for the Newton solve of the implicit step. */
  readonly df: (u: number) => number;
}

export const DICTIONARY: readonly DictionaryTerm[] = [
  { name: '1', f: () => 1, df: () => 0 },
  { name: 'u', f: (u) => u, df: () => 1 },
  { name: 'u^2', f: (u) => u * u, df: (u) => 2 * u },
  { name: 'u^3', f: (u) => u * u * u, df: (u) => 3 * u * u },
  { name: 'sin(u)', f: (u) => Math.sin(u), df: (u) => Math.cos(u) },
  { name: 'exp(-u)', f: (u) => Math.exp(-u), df: (u) => -Math.exp(-u) },
];

export const TERM_NAMES: readonly string[] = DICTIONARY.map((t) => t.name);

/** Coefficients indexed like DICTIONARY (0 = term absent). */
export type Coefficients = readonly number[];

export function termIndex(name: string): number {
  return TERM_NAMES.indexOf(name);
}

export function reaction(coef: Coefficients): { f: (u: number) => number; df: (u: number) => number } {
  return {
    f: (u) => DICTIONARY.reduce((s, term, k) => (coef[k] === 0 ? s : s + coef[k] * term.f(u)), 0),
    df: (u) => DICTIONARY.reduce((s, term, k) => (coef[k] === 0 ? s : s + coef[k] * term.df(u)), 0),
  };
}

const fmt = (x: number) => String(Number(x.toFixed(4)));

/** "0.8*u - 0.5*u^3" (the commit syntax); "0" when no term is present. */
export function formatLaw(coef: Coefficients): string {
  const parts: string[] = [];
  coef.forEach((c, k) => {
    if (c === 0) return;
    const mag = fmt(Math.abs(c));
    const body = TERM_NAMES[k] === '1' ? mag : `${mag}*${TERM_NAMES[k]}`;
    parts.push(parts.length === 0 ? (c < 0 ? `-${body}` : body) : `${c < 0 ? '-' : '+'} ${body}`);
  });
  return parts.length === 0 ? '0' : parts.join(' ');
}

export function supportOf(coef: Coefficients): number[] {
  const out: number[] = [];
  coef.forEach((c, k) => {
    if (c !== 0) out.push(k);
  });
  return out;
}
