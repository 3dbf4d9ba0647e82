/** What a call threw, when the test expects the one clear CodError of bad input. */
import { CodError } from '../../main/base/errors.ts';

/** The CodError `fn` throws, or undefined when it throws nothing; anything else it throws propagates. */
function thrownCodError(fn: () => unknown): CodError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodError) return e;
    throw e;
  }
  return undefined;
}

/** The CodError `fn` throws; fails the test when it throws nothing or something else. */
export function codError(fn: () => unknown): CodError {
  const e = thrownCodError(fn);
  if (!e) throw new Error('expected a CodError');
  return e;
}

/** The code of the CodError `fn` throws, or 'no error'. */
export function codeOf(fn: () => unknown): string {
  return thrownCodError(fn)?.code ?? 'no error';
}
