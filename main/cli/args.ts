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

type Valued<N extends string> = { [K in N]: { type: 'string' } };
type Switched<N extends string> = { [K in N]: { type: 'boolean' } };
type Listed<N extends string> = { [K in N]: { type: 'string'; multiple: true } };

/**
 * The option table of parseFlags from names: `valued` flags take a value, `switches` are booleans, `lists` may be
 * given more than once. Numbers and choices are read from the value by intFlag, numberFlag and choiceFlag.
 */
export function flagTable<const V extends string, const S extends string = never, const L extends string = never>(
  valued: readonly V[],
  switches: readonly S[] = [],
  lists: readonly L[] = [],
): Valued<V> & Switched<S> & Listed<L> {
  const table: Record<string, { type: 'string' | 'boolean'; multiple?: true }> = {};
  for (const n of valued) table[n] = { type: 'string' };
  for (const n of switches) table[n] = { type: 'boolean' };
  for (const n of lists) table[n] = { type: 'string', multiple: true };
  return table as Valued<V> & Switched<S> & Listed<L>;
}

/** One of a fixed set of words; the first is the default. */
export function choiceFlag<const C extends readonly [string, ...string[]]>(
  value: string | undefined,
  name: string,
  choices: C,
): C[number] {
  const v = value ?? choices[0];
  if (!choices.includes(v)) {
    const said = `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
    throw new CodError('bad_input', `--${name} must be ${said}, got '${v}'`);
  }
  return v;
}
