import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAnswer } from '../../../main/cod/answer.ts';

describe('parseAnswer', () => {
  it('extracts the inner text of exactly one block, trimmed, with text around it allowed', () => {
    expect(parseAnswer('<answer>Direction 2</answer>')).toEqual({ ok: true, answer: 'Direction 2' });
    expect(parseAnswer('I think so.\n<answer>  e1 + e2 \n</answer>')).toEqual({ ok: true, answer: 'e1 + e2' });
    expect(parseAnswer('<answer>x</answer> trailing')).toEqual({ ok: true, answer: 'x' });
  });

  it.each([
    ['', 'no <answer>'],
    ['Direction 2', 'no <answer>'],
    ['<answer>Direction 2', 'missing closing'],
    ['Direction 2</answer>', 'missing opening'],
    ['</answer>x<answer>', 'comes before'],
    ['<answer>a</answer><answer>b</answer>', 'more than one <answer>'],
    ['<answer><answer>a</answer>', 'more than one <answer>'],
    ['<answer>a</answer></answer>', 'more than one </answer>'],
    ['<answer>   </answer>', 'empty'],
    ['<ANSWER>a</ANSWER>', 'no <answer>'],
  ])('rejects %j with a reason', (text, reason) => {
    const r = parseAnswer(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  const tagSoup = fc
    .array(fc.constantFrom('<answer>', '</answer>', 'x', ' ', '<', '>', '/', 'answer', '\n', '<answer'), {
      maxLength: 30,
    })
    .map((parts) => parts.join(''));

  it('is total on random and adversarial strings: never throws, ok iff exactly one ordered pair of tags', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 200 }), tagSoup), (s) => {
        const r = parseAnswer(s);
        const opens = s.split('<answer>').length - 1;
        const closes = s.split('</answer>').length - 1;
        const ordered = opens === 1 && closes === 1 && s.indexOf('</answer>') > s.indexOf('<answer>');
        if (r.ok) {
          expect(ordered).toBe(true);
          expect(r.answer).toBe(r.answer.trim());
          expect(r.answer.length).toBeGreaterThan(0);
          expect(s).toContain(`<answer>`);
        } else {
          expect(typeof r.reason).toBe('string');
          expect(r.reason.length).toBeGreaterThan(0);
          if (ordered) expect(r.reason).toContain('empty');
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trips any answer text without tags in it', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1 })
          .filter((a) => !a.includes('<answer>') && !a.includes('</answer>') && a.trim() !== ''),
        fc.string().filter((p) => !p.includes('<answer>') && !p.includes('</answer>')),
        (a, prefix) => {
          expect(parseAnswer(`${prefix}<answer>${a}</answer>`)).toEqual({ ok: true, answer: a.trim() });
        },
      ),
    );
  });

  it('handles huge inputs in linear time', () => {
    const huge = 'x'.repeat(5_000_000) + '<answer>7</answer>' + 'y'.repeat(5_000_000);
    const t0 = performance.now();
    expect(parseAnswer(huge)).toEqual({ ok: true, answer: '7' });
    expect(parseAnswer('<answer>'.repeat(1_000_000)).ok).toBe(false);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('returns a format error for non-string input instead of throwing', () => {
    expect(parseAnswer(undefined as unknown as string).ok).toBe(false);
  });
});
