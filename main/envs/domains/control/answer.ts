/** Extracting the expression from `<action_expression>…</action_expression>` inside the answer text. */

export const OPEN_TAG = '<action_expression>';
export const CLOSE_TAG = '</action_expression>';

export type Extracted =
  { readonly ok: true; readonly expression: string } | { readonly ok: false; readonly error: string };

/** Exactly one opening and one closing tag, in that order; text around them is ignored. Never throws. */
export function extractExpression(answer: string): Extracted {
  if (typeof answer !== 'string') return { ok: false, error: 'the answer is not text' };
  const open = answer.indexOf(OPEN_TAG);
  const close = answer.indexOf(CLOSE_TAG);
  if (open < 0 || close < 0) return { ok: false, error: `missing ${open < 0 ? OPEN_TAG : CLOSE_TAG} tag` };
  if (answer.indexOf(OPEN_TAG, open + 1) >= 0 || answer.indexOf(CLOSE_TAG, close + 1) >= 0) {
    return { ok: false, error: 'more than one action_expression block' };
  }
  if (close < open) return { ok: false, error: `${CLOSE_TAG} comes before ${OPEN_TAG}` };
  const expression = answer.slice(open + OPEN_TAG.length, close).trim();
  if (expression === '') return { ok: false, error: 'the action_expression is empty' };
  return { ok: true, expression };
}
