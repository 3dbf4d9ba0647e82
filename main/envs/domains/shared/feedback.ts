/** Echoing a model's bad input back in feedback: short, quoted, and safe for any string. */
export function quoteInput(text: unknown): string {
  const s = typeof text === 'string' ? text : String(text);
  return JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s);
}
