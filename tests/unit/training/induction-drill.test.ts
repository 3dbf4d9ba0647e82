/** Induction drills: the repeat really repeats, the budget holds, and only the predictable targets are scored. */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../main/envs/seed.ts';
import {
  inductionBatch,
  InductionStageClock,
  InductionStageStateSchema,
  packInductionBatch,
  SHORT_INDUCTION,
} from '../../../main/training/induction-drill.ts';

describe('induction drills', () => {
  it('short form: 2 × span tokens per sequence, the span repeated after the gap, exactly the budget', () => {
    const b = inductionBatch(new Rng('t'), SHORT_INDUCTION, { lo: 4, hi: 511 }, 1024);
    expect(b.width).toBe(64);
    expect(b.sequences).toHaveLength(16);
    for (const [i, s] of b.sequences.entries()) {
      expect(s).toHaveLength(64);
      expect(b.scoreFrom[i]).toBe(32);
      for (const t of s) expect(t >= 4 && t <= 511).toBe(true);
      // Some gap g in 0..31 makes the second half the span's first 32 - g tokens.
      const g = [...Array(32).keys()].find((g) => s.slice(32 + g).every((t, j) => t === s[j]));
      expect(g, `sequence ${i}`).toBeDefined();
    }
  });

  it('long form: the whole span repeated after up to maxGap tokens, scored after the repeat starts', () => {
    const form = { span: 16, maxGap: 300, long: true };
    const b = inductionBatch(new Rng('t'), form, { lo: 10, hi: 400 }, 4096);
    expect(b.width).toBe(1024);
    const used = b.sequences.reduce((a, s) => a + s.length, 0);
    expect(used).toBeLessThanOrEqual(4096);
    expect(used).toBeGreaterThan(4096 - (2 * 16 + 300));
    for (const [i, s] of b.sequences.entries()) {
      const gap = s.length - 32;
      expect(gap >= 0 && gap <= 300).toBe(true);
      expect(s.slice(16 + gap)).toEqual(s.slice(0, 16));
      expect(b.scoreFrom[i]).toBe(16 + gap);
    }
  });

  it('weights sum to 1 and sit only on positions predicting a repeat token after its first', () => {
    const form = { span: 8, maxGap: 40, long: true };
    const b = inductionBatch(new Rng('w'), form, { lo: 4, hi: 50 }, 2048);
    const { packed: p, weights: w } = packInductionBatch(b, 2048, 0);
    expect(w.reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
    const scored = new Set<number>();
    p.placements.forEach(({ row, offset }, i) => {
      // Positions span+gap .. len-2 predict the repeat's tokens 2..span: span - 1 of them.
      for (let t = b.scoreFrom[i]; t < b.sequences[i].length - 1; t++) scored.add(row * p.width + offset + t);
      expect(b.sequences[i].length - 1 - b.scoreFrom[i]).toBe(7);
    });
    w.forEach((x, k) => expect(x > 0).toBe(scored.has(k)));
  });

  it('refuses a short form whose gap would swallow the repeat', () => {
    expect(() => inductionBatch(new Rng('x'), { span: 8, maxGap: 8, long: false }, { lo: 0, hi: 9 }, 64)).toThrow(
      /bad induction form/,
    );
  });

  it('the stage clock ends the stage once the windowed loss is below target, else at the maximum', () => {
    const run = (losses: (step: number) => number, clock: InductionStageClock, from = 0): number => {
      let step = from;
      for (; clock.inStage(step); step++) clock.record(step, losses(step));
      return step;
    };
    // Never below 3: the maximum ends it.
    const capped = new InductionStageClock(50, 3, 5);
    expect(run(() => 6, capped)).toBe(50);
    expect(capped.end).toBe(50);
    // Loss 6 until step 29, then 2: the mean of the last 5 first drops below 3 after step 33 (steps 29-33:
    // 6,2,2,2,2 = 2.8; steps 28-32: 6,6,2,2,2 = 3.6), so step 34 is the first after the stage.
    const drop = (s: number) => (s < 30 ? 6 : 2);
    const early = new InductionStageClock(100, 3, 5);
    expect(run(drop, early)).toBe(34);
    expect(early.end).toBe(34);
    // Stopped mid-stage and rebuilt from its saved state (through JSON), it ends at the same step.
    const first = new InductionStageClock(100, 3, 5);
    for (let s = 0; s < 32; s++) {
      expect(first.inStage(s)).toBe(true);
      first.record(s, drop(s));
    }
    const saved = InductionStageStateSchema.parse(JSON.parse(JSON.stringify(first.state())));
    expect(run(drop, new InductionStageClock(100, 3, 5, saved), 32)).toBe(34);
    // No stage at all.
    expect(new InductionStageClock(0, 3).inStage(0)).toBe(false);
    expect(InductionStageStateSchema.safeParse({ end: -1, recent: [] }).success).toBe(false);
  });
});
