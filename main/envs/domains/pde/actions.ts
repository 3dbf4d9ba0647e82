/**
 * The PDE tool-call syntax (one per turn, inside <answer>):
 *   sample (x, t) (x, t) …
 *   evidence
 *   regress [terms=a,b,…] [threshold=0.05] [max_terms=k] [scope=task|pack]
 *   commit <equation>
 * Parsed by hand; anything else is a format error with a message saying what was expected. Never throws.
 */
import { parseEquation } from './equation.ts';
import { termIndex, TERM_NAMES, type Coefficients } from './dictionary.ts';

export type Scope = 'task' | 'pack';

export type PdeAction =
  | { readonly kind: 'sample'; readonly points: readonly (readonly [number, number])[] }
  | { readonly kind: 'evidence' }
  | {
      readonly kind: 'regress';
      readonly terms: readonly number[] | null;
      readonly threshold: number;
      readonly maxTerms: number | null;
      readonly scope: Scope;
    }
  | { readonly kind: 'commit'; readonly coef: Coefficients };

export type ActionParse =
  { readonly ok: true; readonly action: PdeAction } | { readonly ok: false; readonly error: string };

export const DEFAULT_THRESHOLD = 0.05;
const MAX_ACTION_CHARS = 2000;
const MAX_POINTS = 50;
const NUMBER = '[-+]?(?:\\d{1,12}(?:\\.\\d{0,12})?|\\.\\d{1,12})(?:[eE][-+]?\\d{1,3})?';
/** Anchored, bounded repetitions only: no catastrophic backtracking on any input. */
const POINT = new RegExp(`^\\(\\s*(${NUMBER})\\s*,\\s*(${NUMBER})\\s*\\)`);
const REGRESS_KEYS = ['terms', 'threshold', 'max_terms', 'scope'] as const;

const fail = (error: string): ActionParse => ({ ok: false, error });

function parseSample(rest: string): ActionParse {
  const points: Array<[number, number]> = [];
  let s = rest.trim();
  if (s === '') return fail('sample needs at least one point, e.g. sample (0.3, 0.5)');
  while (s !== '') {
    const m = POINT.exec(s);
    if (!m) return fail(`expected a point like (0.3, 0.5) at '${s.slice(0, 20)}'`);
    points.push([Number(m[1]), Number(m[2])]);
    if (points.length > MAX_POINTS) return fail(`at most ${MAX_POINTS} points per sample action`);
    s = s.slice(m[0].length).replace(/^[\s,;]*/, '');
  }
  return { ok: true, action: { kind: 'sample', points } };
}

function parseTerms(value: string): number[] | string {
  const names = value.split(',').map((x) => x.trim().replace(/\s+/g, '').replace(/\*\*/g, '^'));
  const out: number[] = [];
  for (const n of names) {
    const k = termIndex(n);
    if (k < 0) return `unknown term '${n.slice(0, 20)}' (dictionary: ${TERM_NAMES.join(', ')})`;
    if (!out.includes(k)) out.push(k);
  }
  return out;
}

function parseRegress(rest: string): ActionParse {
  // Split "key=value" pairs: a value runs until the next known key.
  const keyAt = new RegExp(`(?:^|\\s)(${REGRESS_KEYS.join('|')})\\s*=`, 'g');
  const found: Array<{ key: string; start: number; valueStart: number }> = [];
  for (let m = keyAt.exec(rest); m; m = keyAt.exec(rest)) {
    found.push({ key: m[1], start: m.index, valueStart: m.index + m[0].length });
  }
  const lead = rest.slice(0, found.length > 0 ? found[0].start : rest.length).trim();
  if (lead !== '')
    return fail(`unexpected '${lead.slice(0, 20)}' after regress (options: ${REGRESS_KEYS.join('=, ')}=)`);
  let terms: number[] | null = null;
  let threshold = DEFAULT_THRESHOLD;
  let maxTerms: number | null = null;
  let scope: Scope = 'task';
  const seen = new Set<string>();
  for (let i = 0; i < found.length; i++) {
    const { key, valueStart } = found[i];
    const value = rest.slice(valueStart, i + 1 < found.length ? found[i + 1].start : rest.length).trim();
    if (seen.has(key)) return fail(`regress option '${key}' given twice`);
    seen.add(key);
    if (key === 'terms') {
      const t = parseTerms(value);
      if (typeof t === 'string') return fail(t);
      terms = t;
    } else if (key === 'threshold') {
      const v = Number(value);
      if (!/^\d*\.?\d+(?:[eE][-+]?\d{1,3})?$/.test(value) || !(v >= 0 && v <= 100)) {
        return fail(`threshold must be a number in [0, 100], got '${value.slice(0, 20)}'`);
      }
      threshold = v;
    } else if (key === 'max_terms') {
      if (!/^\d{1,2}$/.test(value) || Number(value) < 1)
        return fail(`max_terms must be a positive integer, got '${value.slice(0, 20)}'`);
      maxTerms = Number(value);
    } else {
      if (value !== 'task' && value !== 'pack') return fail(`scope must be task or pack, got '${value.slice(0, 20)}'`);
      scope = value;
    }
  }
  return { ok: true, action: { kind: 'regress', terms, threshold, maxTerms, scope } };
}

export function parsePdeAction(text: string): ActionParse {
  if (typeof text !== 'string') return fail('the action is not text');
  if (text.length > MAX_ACTION_CHARS) return fail(`the action is longer than ${MAX_ACTION_CHARS} characters`);
  const s = text.trim();
  const m = /^([A-Za-z_]+)/.exec(s);
  const verb = m ? m[1].toLowerCase() : '';
  const rest = s.slice(verb.length);
  switch (verb) {
    case 'sample':
      return parseSample(rest);
    case 'evidence':
      return rest.trim() === '' ? { ok: true, action: { kind: 'evidence' } } : fail('evidence takes no arguments');
    case 'regress':
      return parseRegress(rest);
    case 'commit': {
      const eq = parseEquation(rest);
      return eq.ok
        ? { ok: true, action: { kind: 'commit', coef: eq.coef } }
        : fail(`cannot parse the equation: ${eq.error}`);
    }
    default:
      return fail(`unknown action '${s.slice(0, 20)}' (expected sample, evidence, regress or commit)`);
  }
}
