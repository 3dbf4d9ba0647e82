/**
 * The context z ("hints") and its parsing from update-context responses (cod-method.md §1, §3).
 * z is always a string starting with "Hints: ". Parsing is total: never throws, always a defined z and r^z.
 */

export const HINTS_START = '--- Start of updated hints ---';
export const HINTS_END = '--- End of updated hints ---';
/** Headers of the update prompt's trajectory and closing sections (both renderings). */
export const TRAJECTORY_HEADER = '--- A new task-solving trajectory ---';
export const JOB_HEADER = '--- Your job ---';

/** z_0, and z of every task under the empty-context baseline (memory 'none'). */
export const HINTS_NULL = 'Hints: null';
/** z after an update response that could not be parsed. */
export const HINTS_UNAVAILABLE = 'Hints: no hint available.';
/** r^z of an update whose response could not be parsed. */
export const HINT_FORMAT_PENALTY = -0.1;

export type HintParse =
  | { readonly ok: true; readonly hints: string; readonly reward: number }
  | { readonly ok: false; readonly hints: string; readonly reward: number; readonly reason: string };

function occurrences(text: string, needle: string): number[] {
  const at: number[] = [];
  let from = 0;
  // Two hits are enough to know the format is broken.
  while (at.length < 2) {
    const i = text.indexOf(needle, from);
    if (i < 0) break;
    at.push(i);
    from = i + needle.length;
  }
  return at;
}

function failure(reason: string): HintParse {
  return { ok: false, hints: HINTS_UNAVAILABLE, reward: HINT_FORMAT_PENALTY, reason };
}

export interface HintParseOptions {
  /**
   * A block with nothing but whitespace between the delimiters is a parse failure (the paper protocol: cod_utils.py
   * @ 139d1c43, CoDPrompts.extract_hint, `if success and content.strip()`). Default false: the workbench's own
   * protocol takes it as an empty note.
   */
  readonly emptyIsFailure?: boolean;
}

export function parseHints(response: string, opts: HintParseOptions = {}): HintParse {
  if (typeof response !== 'string') return failure('response is not text');
  const starts = occurrences(response, HINTS_START);
  const ends = occurrences(response, HINTS_END);
  if (starts.length === 0) return failure('missing start delimiter');
  if (ends.length === 0) return failure('missing end delimiter');
  if (starts.length > 1) return failure('start delimiter appears more than once');
  if (ends.length > 1) return failure('end delimiter appears more than once');
  const from = starts[0] + HINTS_START.length;
  if (ends[0] < from) return failure('end delimiter comes before the start delimiter');
  const body = response.slice(from, ends[0]).trim();
  if (body === '' && opts.emptyIsFailure) return failure('empty hints block');
  return { ok: true, hints: 'Hints: ' + body, reward: 0 };
}

/** The body of z without the "Hints: " prefix ('' for z_0 / unavailable hints, which carry no content). */
export function hintBody(z: string): string {
  if (z === HINTS_NULL || z === HINTS_UNAVAILABLE) return '';
  return z.startsWith('Hints: ') ? z.slice('Hints: '.length) : z;
}

/** Whether z carries content worth showing as "previous hints" in an update prompt. */
export function hasHints(z: string): boolean {
  return hintBody(z).trim() !== '';
}
