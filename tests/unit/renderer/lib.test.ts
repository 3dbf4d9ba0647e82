import { describe, expect, it } from 'vitest';
import { diffLines } from '../../../renderer/src/lib/diff.ts';
import { groupMetrics } from '../../../renderer/src/lib/panels.ts';
import { axisDecimals, fmtAxis } from '../../../renderer/src/lib/format.ts';
import { smoothEma } from '../../../renderer/src/lib/smoothing.ts';

describe('smoothEma', () => {
  it('is debiased (a constant stays constant) and keeps gaps', () => {
    expect(smoothEma([2, 2, null, 2], 0.9)).toEqual(
      [2, 2, null, 2].map((v) => (v === null ? null : expect.closeTo(2, 12))),
    );
  });
  it('weight 0 is the raw series; a step is approached, not jumped', () => {
    expect(smoothEma([1, 5], 0)).toEqual([1, 5]);
    const s = smoothEma([0, 0, 10], 0.5) as number[];
    expect(s[2]).toBeGreaterThan(0);
    expect(s[2]).toBeLessThan(10);
  });
});

describe('diffLines', () => {
  it('marks kept, dropped and added lines in order', () => {
    expect(diffLines('a\nb\nc', 'a\nc\nd')).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'del', text: 'b' },
      { kind: 'same', text: 'c' },
      { kind: 'add', text: 'd' },
    ]);
    expect(diffLines('', 'x')).toEqual([{ kind: 'add', text: 'x' }]);
  });
});

describe('groupMetrics', () => {
  it("puts the trainer's metrics on their panels, positions in natural order, the rest under their own name", () => {
    const g = groupMetrics(['reward/pos10', 'reward/pos2', 'loss', 'grad_norm', 'red_temperature', 'hint/chars', 'kl']);
    const by = Object.fromEntries(g.map((x) => [x.panel.title, x.metrics]));
    expect(by['Reward by pack position']).toEqual(['reward/pos2', 'reward/pos10']);
    expect(by['Loss']).toEqual(['loss']);
    expect(by['Gradient norm']).toEqual(['grad_norm']);
    expect(by['RED temperature']).toEqual(['red_temperature']);
    expect(by['Hint length']).toEqual(['hint/chars']);
    expect(by['KL to the reference']).toEqual(['kl']);
    expect(g.find((x) => x.metrics[0] === 'kl')?.panel.unit).toBe('nats / token');
  });
});

describe('groupMetrics: eval suites', () => {
  it('gives each eval suite its own reward-by-position panel, never the training curves', () => {
    const g = groupMetrics([
      'reward/pos0',
      'reward/pos1',
      'eval/heldout/reward/pos1',
      'eval/heldout/reward/pos0',
      'eval/ood/reward/pos0',
      'eval/heldout/hint_chars',
      'hint/chars',
      'loss',
    ]);
    const by = Object.fromEntries(g.map((x) => [x.panel.title, x]));
    expect(by['Reward by pack position'].metrics).toEqual(['reward/pos0', 'reward/pos1']);
    expect(by['Eval heldout: reward by pack position'].metrics).toEqual([
      'eval/heldout/reward/pos0',
      'eval/heldout/reward/pos1',
    ]);
    expect(by['Eval heldout: reward by pack position'].panel.eval).toBe(true);
    expect(by['Eval ood: reward by pack position'].metrics).toEqual(['eval/ood/reward/pos0']);
    expect(by['Hint length'].metrics).toEqual(['hint/chars']);
    expect(by['Eval heldout: hint_chars'].metrics).toEqual(['eval/heldout/hint_chars']);
    // The eval panels follow the training reward panel.
    expect(g.slice(0, 3).map((x) => x.panel.title)).toEqual([
      'Reward by pack position',
      'Eval heldout: reward by pack position',
      'Eval ood: reward by pack position',
    ]);
    // Every metric is on exactly one panel.
    expect(g.flatMap((x) => x.metrics).sort()).toHaveLength(8);
  });

  it('shows eval panels before any training step (only eval metrics yet)', () => {
    const g = groupMetrics(['eval/heldout/reward/pos0', 'eval/heldout/reward/pos1']);
    expect(g.map((x) => x.panel.title)).toEqual(['Eval heldout: reward by pack position']);
  });
});

describe('axis labels', () => {
  /** Labels of evenly spaced ticks from lo to hi (what ECharts asks the formatter for). */
  const labels = (lo: number, hi: number, step: number) => {
    const out: string[] = [];
    for (let i = 0; lo + i * step <= hi + step / 2; i++) out.push(fmtAxis(Number((lo + i * step).toFixed(14)), lo, hi));
    return out;
  };

  it('never prints two ticks the same on a small range (the loss axis printed -0.01 four times)', () => {
    for (const [lo, hi, step] of [
      [-0.02, 0, 0.0025],
      [-0.02, 0, 0.005],
      [0.14, 0.24, 0.02],
      [0.999, 1.001, 0.0005],
      [1e-8, 3e-8, 5e-9],
      [0, 100_000, 20_000],
    ]) {
      const l = labels(lo, hi, step);
      expect(new Set(l).size, l.join(' ')).toBe(l.length);
    }
  });

  it('keeps labels short where the range allows, with no "-0"', () => {
    expect(labels(0, 1, 0.2)).toEqual(['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(labels(-0.02, 0, 0.005)).toEqual(['-0.020', '-0.015', '-0.010', '-0.005', '0.000']);
    expect(labels(0.034, 0.04, 0.002)).toEqual(['0.034', '0.036', '0.038', '0.040']);
    expect(fmtAxis(-1e-15, -0.02, 0)).toBe('0.000');
    expect(labels(0, 2000, 500)).toEqual(['0', '500', '1000', '1500', '2000']);
    expect(axisDecimals(5, 5)).toBe(1);
  });
});
