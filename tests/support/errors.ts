/** What a call threw, when the test expects the one clear CodError of bad input. */
import { CodError } from '../../main/base/errors.ts';

/** The CodError `fn` throws; fails the test when it throws nothing or something else. */
export function codError(fn: () => unknown): CodError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodError) return e;
    throw e;
  }
  throw new Error('expected a CodError');
}

/** The code of the CodError `fn` throws, or 'no error'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof CodError) return e.code;
    throw e;
  }
  return 'no error';
}
