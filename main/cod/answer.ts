/**
 * Action parsing for solve episodes (cod-method.md §2): the response must contain exactly one
 * `<answer>…</answer>` block — one opening tag, one closing tag, in that order. Anything else is a format error
 * with a reason the environment's "game over" feedback can show. Total on every string: never throws.
 */

export const ANSWER_OPEN = '<answer>';
export const ANSWER_CLOSE = '</answer>';

export type AnswerParse =
  { readonly ok: true; readonly answer: string } | { readonly ok: false; readonly reason: string };

/** Occurrences of `needle` in `text`, counting at most `limit` (we only need to tell 0, 1 and "more"). */
function countUpTo(text: string, needle: string, limit: number): number {
  let n = 0;
  let from = 0;
  while (n < limit) {
    const at = text.indexOf(needle, from);
    if (at < 0) break;
    n++;
    from = at + needle.length;
  }
  return n;
}

export function parseAnswer(response: string): AnswerParse {
  if (typeof response !== 'string') return { ok: false, reason: 'response is not text' };
  const opens = countUpTo(response, ANSWER_OPEN, 2);
  const closes = countUpTo(response, ANSWER_CLOSE, 2);
  if (opens === 0 && closes === 0) return { ok: false, reason: 'no <answer>…</answer> block in the response' };
  if (opens > 1) return { ok: false, reason: 'more than one <answer> tag in the response' };
  if (closes > 1) return { ok: false, reason: 'more than one </answer> tag in the response' };
  if (opens === 0) return { ok: false, reason: 'missing opening <answer> tag' };
  if (closes === 0) return { ok: false, reason: 'missing closing </answer> tag' };
  const start = response.indexOf(ANSWER_OPEN) + ANSWER_OPEN.length;
  const end = response.indexOf(ANSWER_CLOSE);
  if (end < start) return { ok: false, reason: '</answer> comes before <answer>' };
  const answer = response.slice(start, end).trim();
  if (answer === '') return { ok: false, reason: 'empty <answer> block' };
  return { ok: true, answer };
}
