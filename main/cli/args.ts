import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CodError } from '../base/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with strict checking; unknown flags become one clear CodError. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    throw new CodError('bad_input', (e as Error).message.replace(/\s*\n\s*/g, ' '));
  }
}

export function requireFlag(value: string | undefined, name: string): string {
  if (value === undefined || value === '') throw new CodError('bad_input', `missing required option --${name}`);
  return value;
}

export function intFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new CodError('bad_input', `--${name} must be an integer, got '${value}'`);
  return n;
}

export function numberFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new CodError('bad_input', `--${name} must be a number, got '${value}'`);
  return n;
}
