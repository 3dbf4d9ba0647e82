/**
 * Parser of committed equations: a signed sum of `coefficient*term` over the dictionary, e.g.
 * `0.8*u - 0.45*u^3`, `f(u) = 1.2 - 0.5*exp(-u)`, `-u + 0.3 u**2`. Hand-written scanner; never throws.
 */
import { DICTIONARY, termIndex, TERM_NAMES, type Coefficients } from './dictionary.ts';

export type EquationParse =
  { readonly ok: true; readonly coef: Coefficients } | { readonly ok: false; readonly error: string };

const MAX_EQUATION_CHARS = 500;
const MAX_COEFFICIENT = 1e6;
/** Longest names first so `u^2` is not read as `u`. '1' is only ever written as a bare number. */
const NAMES = TERM_NAMES.filter((n) => n !== '1').sort((a, b) => b.length - a.length);
const CONSTANT = termIndex('1');

function readNumber(s: string, p: number): number {
  let i = p;
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  while (digit(s[i])) i++;
  if (s[i] === '.') {
    i++;
    while (digit(s[i])) i++;
  }
  if (i === p || (i === p + 1 && s[p] === '.')) return p;
  if (s[i] === 'e' || s[i] === 'E') {
    let j = i + 1;
    if (s[j] === '+' || s[j] === '-') j++;
    if (digit(s[j])) {
      while (digit(s[j])) j++;
      i = j;
    }
  }
  return i;
}

export function parseEquation(text: string): EquationParse {
  if (typeof text !== 'string') return { ok: false, error: 'equation must be text' };
  if (text.length > MAX_EQUATION_CHARS)
    return { ok: false, error: `equation longer than ${MAX_EQUATION_CHARS} characters` };
  // Spaces are insignificant except between two numbers ("2 3" is not 23).
  if (/[\d.]\s+[\d.]/.test(text)) return { ok: false, error: 'two numbers in a row: write coefficient*term' };
  let s = text.replace(/\s+/g, '').replace(/\*\*/g, '^');
  const lhs = /^(f\(u\)|f)=/i.exec(s);
  if (lhs) s = s.slice(lhs[0].length);
  if (s === '') return { ok: false, error: 'empty equation' };
  const coef = new Array<number>(DICTIONARY.length).fill(0);
  let p = 0;
  while (p < s.length) {
    let sign = 1;
    if (s[p] === '+' || s[p] === '-') {
      sign = s[p] === '-' ? -1 : 1;
      p++;
    } else if (p > 0) {
      return { ok: false, error: `expected + or - at '${s.slice(p, p + 12)}'` };
    }
    const numEnd = readNumber(s, p);
    const hasNumber = numEnd > p;
    const value = hasNumber ? Number(s.slice(p, numEnd)) : 1;
    p = numEnd;
    let star = false;
    if (hasNumber && s[p] === '*') {
      star = true;
      p++;
    }
    let name = NAMES.find((n) => s.startsWith(n, p));
    // `c*1` names the constant term explicitly (as the regression report writes it).
    if (!name && star && s[p] === '1' && !/[0-9.eE]/.test(s[p + 1] ?? '')) name = '1';
    if (!name && (!hasNumber || star)) {
      return { ok: false, error: `expected a dictionary term (${TERM_NAMES.join(', ')}) at '${s.slice(p, p + 12)}'` };
    }
    if (name) p += name.length;
    if (s[p] === '*' || s[p] === '^' || s[p] === '/') {
      return {
        ok: false,
        error: `write each term as coefficient*term (unexpected '${s[p]}' after ${name ?? 'a number'})`,
      };
    }
    if (!Number.isFinite(value) || Math.abs(value) > MAX_COEFFICIENT) {
      return { ok: false, error: `coefficient out of range near '${s.slice(Math.max(0, p - 12), p)}'` };
    }
    coef[name ? termIndex(name) : CONSTANT] += sign * value;
  }
  return { ok: true, coef };
}
