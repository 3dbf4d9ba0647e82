import { describe, expect, it } from 'vitest';
import { diffLines } from '../../../renderer/src/lib/diff.ts';
import { groupMetrics } from '../../../renderer/src/lib/panels.ts';
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
    expect(by['kl']).toEqual(['kl']);
  });
});
