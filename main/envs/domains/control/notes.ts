/** The Control oracle's notes: its estimate of a and b (with the sign of b spelled out) and their weight. */
import type { DynamicsEstimate } from './identify.ts';

export interface ControlNotes {
  readonly a: number | null;
  readonly b: number | null;
  readonly n: number;
}

const NUM = '(-?\\d+(?:\\.\\d+)?(?:e[-+]?\\d+)?)';
const A_LINE = new RegExp(`^\\s*[-*]\\s*a\\s*(?:=|≈)\\s*${NUM}`, 'im');
const B_LINE = new RegExp(`^\\s*[-*]\\s*b\\s*(?:=|≈)\\s*${NUM}`, 'im');
const N_LINE = /^\s*[-*].*?based on\s+(\d{1,6})\s+transitions/im;

export function parseControlNotes(body: string): ControlNotes {
  const a = A_LINE.exec(body);
  const b = B_LINE.exec(body);
  const n = N_LINE.exec(body);
  const num = (m: RegExpExecArray | null) => (m && Number.isFinite(Number(m[1])) ? Number(m[1]) : null);
  return { a: num(a), b: num(b), n: n ? Number(n[1]) : 0 };
}

/** The notes' estimate as one, when both constants are known. */
export function notesEstimate(notes: ControlNotes): DynamicsEstimate | null {
  if (notes.a === null || notes.b === null) return null;
  return { a: notes.a, b: notes.b, n: Math.max(1, notes.n) };
}

export function aLine(a: number): string {
  return `a = ${a.toFixed(4)} (velocity retention: v' = a*v + b*u)`;
}

export function bLine(b: number): string {
  const sign =
    b < 0 ? 'negative: a positive u DEcreases v, so push the opposite way' : 'positive: a positive u increases v';
  return `b = ${b.toFixed(4)} (${sign})`;
}

export function countLine(n: number): string {
  return `estimates based on ${n} transitions (least squares of v_{t+1} on v_t, u_t from the feedback tables)`;
}
