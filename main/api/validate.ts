/**
 * Checking a request at a boundary: an unknown method or parameters outside the method's schema become one
 * CodError('bad_input') that names the method and the first offending field, before any handler runs.
 */
import type { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { isMethodName, paramSchemas, type MethodName } from './methods.ts';

function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    '',
  );
}

/** The clearest single line for a zod failure: union failures report the branch that got furthest. */
function describe(issues: readonly z.core.$ZodIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid parameters';
  if (first.code === 'invalid_union' && first.errors.length > 0) {
    const best = [...first.errors].sort((a, b) => a.length - b.length)[0];
    if (best && best.length > 0) return describe(best);
  }
  const field = fieldOf(first.path);
  return field ? `${field}: ${first.message}` : first.message;
}

export function checkRequest<M extends MethodName>(method: M, params: unknown): z.output<(typeof paramSchemas)[M]>;
export function checkRequest(method: unknown, params: unknown): unknown;
export function checkRequest(method: unknown, params: unknown): unknown {
  if (!isMethodName(method)) throw new CodError('bad_input', `unknown method '${String(method).slice(0, 80)}'`, 'api');
  const r = paramSchemas[method].safeParse(params ?? {});
  if (!r.success) throw new CodError('bad_input', describe(r.error.issues), method);
  return r.data;
}
