/**
 * Pack configuration checks shared by the built-in domains: preset lookup, typed option overrides and the
 * argument checks of openPack / startTask / scriptedAgent. Every failure is one CodError naming the bad field.
 */
import { CodError } from '../../../base/errors.ts';
import type { OpenPackArgs, Rendering, ScriptedAgentArgs, ScriptedAgentKind } from '../../sdk.ts';

export type OptionSpec =
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'number'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

type OptionValue<S extends OptionSpec> = S extends { kind: 'bool' }
  ? boolean
  : S extends { kind: 'enum'; values: readonly (infer V)[] }
    ? V
    : number;

export type OptionValues<T extends Record<string, OptionSpec>> = { -readonly [K in keyof T]?: OptionValue<T[K]> };

const RENDERINGS: readonly Rendering[] = ['chat', 'compact'];
const AGENT_KINDS: readonly ScriptedAgentKind[] = ['oracle', 'random'];

/** The preset's parameters, or CodError('bad_config') listing the known presets. */
export function choosePreset<P>(domain: string, presets: Readonly<Record<string, P>>, name: unknown): P {
  if (typeof name !== 'string' || !Object.hasOwn(presets, name)) {
    throw new CodError(
      'bad_config',
      `unknown preset '${String(name)}' (known: ${Object.keys(presets).join(', ')})`,
      `${domain}.preset`,
    );
  }
  return presets[name];
}

function describe(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'int':
      return `an integer in [${spec.min}, ${spec.max}]`;
    case 'number':
      return `a number in [${spec.min}, ${spec.max}]`;
    case 'bool':
      return 'true or false';
    case 'enum':
      return `one of ${spec.values.map((v) => `'${v}'`).join(', ')}`;
  }
}

function accepts(spec: OptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'int':
      return Number.isInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) && value >= spec.min && value <= spec.max;
    case 'bool':
      return typeof value === 'boolean';
    case 'enum':
      return typeof value === 'string' && spec.values.includes(value);
  }
}

/** Validate domain option overrides: unknown keys and out-of-range values are a CodError('bad_config'). */
export function readOptions<T extends Record<string, OptionSpec>>(
  domain: string,
  raw: unknown,
  specs: T,
): OptionValues<T> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CodError('bad_config', 'options must be an object', `${domain}.options`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(specs, key)) {
      throw new CodError(
        'bad_config',
        `unknown option '${key}' (known: ${Object.keys(specs).join(', ')})`,
        `${domain}.options`,
      );
    }
    const spec = specs[key];
    if (!accepts(spec, value)) {
      throw new CodError(
        'bad_config',
        `must be ${describe(spec)}, got ${JSON.stringify(value) ?? String(value)}`,
        `${domain}.options.${key}`,
      );
    }
    out[key] = value;
  }
  return out as OptionValues<T>;
}

/** A [lo, hi] range assembled from preset and overrides must not be inverted. */
export function checkRange(domain: string, name: string, lo: number, hi: number): void {
  if (lo > hi) throw new CodError('bad_config', `minimum ${lo} exceeds maximum ${hi}`, `${domain}.options.${name}`);
}

/** Every range the option specs name as a pair `minX` / `maxX` is checked in `params`, in the specs' order. */
export function checkRanges(domain: string, params: object, specs: Record<string, OptionSpec>): void {
  const values = params as Record<string, unknown>;
  for (const lo of Object.keys(specs)) {
    const hi = `max${lo.slice(3)}`;
    if (lo.startsWith('min') && Object.hasOwn(specs, hi)) {
      checkRange(domain, lo, values[lo] as number, values[hi] as number);
    }
  }
}

/** A preset's parameters with the validated option overrides applied and every min/max range checked. */
export function withOptions<T extends Record<string, OptionSpec>, P extends Required<OptionValues<T>>>(
  domain: string,
  base: P,
  raw: unknown,
  specs: T,
): P {
  const params: P = { ...base, ...readOptions(domain, raw, specs) };
  checkRanges(domain, params, specs);
  return params;
}

/** Seed and rendering of openPack, checked at runtime because they may come from JSON. */
export function checkPackArgs(domain: string, args: OpenPackArgs): void {
  if (typeof args !== 'object' || args === null) throw new CodError('bad_config', 'missing pack arguments', domain);
  if (typeof args.seed !== 'string' || args.seed === '') {
    throw new CodError('bad_config', 'seed must be a non-empty string', `${domain}.seed`);
  }
  if (args.packSize !== undefined && !(Number.isSafeInteger(args.packSize) && args.packSize >= 1)) {
    throw new CodError(
      'bad_config',
      `packSize must be a positive integer, got ${String(args.packSize)}`,
      `${domain}.packSize`,
    );
  }
  if (args.packIndex !== undefined && !(Number.isSafeInteger(args.packIndex) && args.packIndex >= 0)) {
    throw new CodError(
      'bad_config',
      `packIndex must be a non-negative integer, got ${String(args.packIndex)}`,
      `${domain}.packIndex`,
    );
  }
  if (!RENDERINGS.includes(args.rendering)) {
    throw new CodError(
      'bad_config',
      `unknown rendering '${String(args.rendering)}' (known: ${RENDERINGS.join(', ')})`,
      `${domain}.rendering`,
    );
  }
}

export function checkTaskIndex(domain: string, index: unknown): number {
  if (!Number.isSafeInteger(index) || (index as number) < 0) {
    throw new CodError('bad_input', `task index must be a non-negative integer, got ${String(index)}`, domain);
  }
  return index as number;
}

export function checkAgentArgs(domain: string, args: ScriptedAgentArgs): void {
  if (!AGENT_KINDS.includes(args.kind)) {
    throw new CodError(
      'bad_config',
      `unknown scripted agent '${String(args.kind)}' (known: ${AGENT_KINDS.join(', ')})`,
      `${domain}.agent.kind`,
    );
  }
  if (typeof args.seed !== 'string') throw new CodError('bad_config', 'seed must be a string', `${domain}.agent.seed`);
  if (typeof args.noteNoise !== 'number' || !(args.noteNoise >= 0 && args.noteNoise <= 1)) {
    throw new CodError(
      'bad_config',
      `noteNoise must be a number in [0, 1], got ${String(args.noteNoise)}`,
      `${domain}.agent.noteNoise`,
    );
  }
}
