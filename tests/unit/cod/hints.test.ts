import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HINT_FORMAT_PENALTY,
  HINTS_END,
  HINTS_NULL,
  HINTS_START,
  HINTS_UNAVAILABLE,
  hasHints,
  hintBody,
  parseHints,
} from '../../../main/cod/hints.ts';

const ok = (body: string) => `thinking...\n${HINTS_START}\n${body}\n${HINTS_END}`;

describe('parseHints', () => {
  it('takes the trimmed content between the delimiters, r^z = 0', () => {
    expect(parseHints(ok('- code 1 = Down\n- avoid holes  '))).toEqual({
      ok: true,
      hints: 'Hints: - code 1 = Down\n- avoid holes',
      reward: 0,
    });
    expect(parseHints(`${HINTS_START}${HINTS_END}`)).toEqual({ ok: true, hints: 'Hints: ', reward: 0 });
  });

  it.each([
    ['no delimiters', 'just some thoughts'],
    ['only start', `${HINTS_START}\n- a`],
    ['only end', `- a\n${HINTS_END}`],
    ['reversed', `${HINTS_END}\n- a\n${HINTS_START}`],
    ['start twice', `${HINTS_START}\n${HINTS_START}\n- a\n${HINTS_END}`],
    ['end twice', `${HINTS_START}\n- a\n${HINTS_END}\n${HINTS_END}`],
    ['nested blocks', `${HINTS_START}${HINTS_START}- a${HINTS_END}${HINTS_END}`],
    ['shortened opener', `--- Updated hints ---\n- a\n${HINTS_END}`],
  ])('%s → "no hint available" and r^z = -0.1', (_name, text) => {
    const r = parseHints(text);
    expect(r.ok).toBe(false);
    expect(r.hints).toBe(HINTS_UNAVAILABLE);
    expect(r.reward).toBe(HINT_FORMAT_PENALTY);
    if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
  });

  const soup = fc
    .array(fc.constantFrom(HINTS_START, HINTS_END, '- fact', '\n', '---', ' ', 'Start of updated hints'), {
      maxLength: 20,
    })
    .map((p) => p.join(''));

  it('is total: any string gives a defined z and r^z, ok iff each delimiter once and in order', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 }), soup), (s) => {
        const r = parseHints(s);
        expect(r.hints.startsWith('Hints: ')).toBe(true);
        const starts = s.split(HINTS_START).length - 1;
        const ends = s.split(HINTS_END).length - 1;
        const wellFormed =
          starts === 1 && ends === 1 && s.indexOf(HINTS_END) >= s.indexOf(HINTS_START) + HINTS_START.length;
        expect(r.ok).toBe(wellFormed);
        expect(r.reward).toBe(r.ok ? 0 : HINT_FORMAT_PENALTY);
        if (r.ok) expect(s).toContain(r.hints.slice('Hints: '.length));
        else expect(r.hints).toBe(HINTS_UNAVAILABLE);
      }),
      { numRuns: 1000 },
    );
  });

  it('handles huge inputs', () => {
    const body = '- fact\n'.repeat(500_000);
    const r = parseHints(ok(body));
    expect(r.ok).toBe(true);
    expect(r.hints.length).toBe('Hints: '.length + body.trim().length);
    expect(parseHints(HINTS_START.repeat(200_000)).ok).toBe(false);
  });
});

describe('hint bodies', () => {
  it('treats the null and unavailable contexts as empty', () => {
    expect(hintBody(HINTS_NULL)).toBe('');
    expect(hintBody(HINTS_UNAVAILABLE)).toBe('');
    expect(hasHints(HINTS_NULL)).toBe(false);
    expect(hintBody('Hints: - a')).toBe('- a');
    expect(hasHints('Hints: - a')).toBe(true);
    expect(hasHints('Hints: ')).toBe(false);
  });
});
