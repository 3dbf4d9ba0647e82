/**
 * Input checks for everything the store writes. They run before a transaction starts, so bad input never reaches
 * SQLite and the error names the exact field (`where`).
 */
import { CodError } from '../base/errors.ts';
import type { JsonObject } from './types.ts';

export function badInput(where: string, message: string): never {
  throw new CodError('bad_input', message, where);
}

export function int(v: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    badInput(where, `expected an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

export function finite(v: unknown, where: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    badInput(where, `expected a finite number${min > -Infinity ? ` >= ${min}` : ''}, got ${String(v)}`);
  }
  return v;
}

/** Any number, NaN and infinities included (a diverged loss is still worth keeping). */
export function num(v: unknown, where: string): number {
  if (typeof v !== 'number') badInput(where, `expected a number, got ${typeof v}`);
  return v;
}

export function optNum(v: unknown, where: string): number | null {
  return v === undefined || v === null ? null : num(v, where);
}

export function text(v: unknown, where: string, maxLength = 1_000_000, allowEmpty = false): string {
  if (typeof v !== 'string') badInput(where, `expected a string, got ${typeof v}`);
  if (!allowEmpty && v.length === 0) badInput(where, 'must not be empty');
  if (v.length > maxLength) badInput(where, `longer than ${maxLength} characters`);
  return v;
}

export function optText(v: unknown, where: string): string | null {
  return v === undefined || v === null ? null : text(v, where, Number.MAX_SAFE_INTEGER, true);
}

/** A short name (metric, suite, domain, key): printable, no control characters. */
export function name(v: unknown, where: string, maxLength = 200): string {
  const s = text(v, where, maxLength);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(s)) badInput(where, 'must not contain control characters');
  return s;
}

export function oneOf<T extends string>(v: unknown, values: readonly T[], where: string): T {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    badInput(where, `expected one of ${values.join(', ')}, got ${String(v)}`);
  }
  return v as T;
}

export function array<T>(v: unknown, where: string): readonly T[] {
  if (!Array.isArray(v)) badInput(where, `expected an array, got ${typeof v}`);
  return v as readonly T[];
}

/** Serialise a JSON value; cycles, BigInts and other non-JSON values are bad input. */
export function toJson(v: unknown, where: string): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch (e) {
    badInput(where, `not JSON-serialisable (${(e as Error).message})`);
  }
  if (s === undefined) badInput(where, 'not JSON-serialisable');
  return s;
}

export function jsonObject(v: unknown, where: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) badInput(where, 'expected a JSON object');
  return v as JsonObject;
}

/** Rewards by position: numbers or null (not reached). NaN is kept as null by JSON, so say so up front. */
export function rewardList(v: unknown, where: string): (number | null)[] {
  return array<unknown>(v, where).map((x, i) => {
    if (x === null) return null;
    return finite(x, `${where}[${i}]`);
  });
}
