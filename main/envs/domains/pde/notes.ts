/**
 * The PDE oracle's notes: which dictionary terms are known to be in the law, which are known not to be, how many
 * terms the law has, and the coefficients fitted once the support was confirmed.
 */
import { TERM_NAMES } from './dictionary.ts';

export interface PdeNotes {
  readonly inLaw: readonly string[];
  readonly notInLaw: readonly string[];
  readonly termCount: number | null;
  readonly coefficients: ReadonlyMap<string, number>;
}

export const EMPTY_NOTES: PdeNotes = { inLaw: [], notInLaw: [], termCount: null, coefficients: new Map() };

const IN_LAW = /^\s*[-*]\s*terms in the law:\s*(.+)$/im;
const NOT_IN_LAW = /^\s*[-*]\s*terms NOT in the law:\s*(.+)$/im;
const COUNT = /^\s*[-*]\s*number of terms in the law:\s*(\d{1,2})\b/im;
const COEF = /^\s*[-*]\s*coefficient of (\S+)\s*[:=]\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/gim;

function termList(m: RegExpExecArray | null): string[] {
  if (!m) return [];
  return m[1]
    .split(',')
    .map((s) => s.trim().replace(/`/g, ''))
    .filter((s) => TERM_NAMES.includes(s));
}

export function parsePdeNotes(body: string): PdeNotes {
  const inLaw = termList(IN_LAW.exec(body));
  const notInLaw = termList(NOT_IN_LAW.exec(body)).filter((t) => !inLaw.includes(t));
  const count = COUNT.exec(body);
  const coefficients = new Map<string, number>();
  for (const m of body.matchAll(COEF)) {
    const name = m[1].replace(/`/g, '');
    const v = Number(m[2]);
    if (TERM_NAMES.includes(name) && Number.isFinite(v)) coefficients.set(name, v);
  }
  const termCount = count ? Number(count[1]) : null;
  return { inLaw, notInLaw, termCount: termCount !== null && termCount >= 1 ? termCount : null, coefficients };
}

export type PdeFact =
  | { readonly kind: 'in'; readonly term: string }
  | { readonly kind: 'out'; readonly term: string }
  | { readonly kind: 'count'; readonly value: number }
  | { readonly kind: 'coef'; readonly term: string; readonly value: number };

export function factsOf(n: PdeNotes): PdeFact[] {
  return [
    ...n.inLaw.map((term): PdeFact => ({ kind: 'in', term })),
    ...n.notInLaw.map((term): PdeFact => ({ kind: 'out', term })),
    ...(n.termCount === null ? [] : [{ kind: 'count', value: n.termCount } as PdeFact]),
    ...[...n.coefficients].map(([term, value]): PdeFact => ({ kind: 'coef', term, value })),
  ];
}

export function notesOfFacts(facts: readonly PdeFact[]): PdeNotes {
  const inLaw: string[] = [];
  const notInLaw: string[] = [];
  let termCount: number | null = null;
  const coefficients = new Map<string, number>();
  for (const f of facts) {
    if (f.kind === 'in' && !inLaw.includes(f.term)) inLaw.push(f.term);
    else if (f.kind === 'out' && !notInLaw.includes(f.term)) notInLaw.push(f.term);
    else if (f.kind === 'count') termCount = f.value;
    else if (f.kind === 'coef') coefficients.set(f.term, f.value);
  }
  return { inLaw, notInLaw: notInLaw.filter((t) => !inLaw.includes(t)), termCount, coefficients };
}

/** Markdown bullet lines (without the leading "- "). */
export function noteLines(n: PdeNotes): string[] {
  const lines: string[] = [];
  if (n.inLaw.length > 0) lines.push(`terms in the law: ${n.inLaw.join(', ')}`);
  if (n.notInLaw.length > 0) lines.push(`terms NOT in the law: ${n.notInLaw.join(', ')}`);
  if (n.termCount !== null) lines.push(`number of terms in the law: ${n.termCount}`);
  for (const [term, v] of n.coefficients) lines.push(`coefficient of ${term}: ${v.toFixed(4)}`);
  return lines;
}
