import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { control } from '../../../main/envs/domains/control/index.ts';
import { controlDynamics } from '../../../main/envs/domains/control/instance.ts';
import { rollout } from '../../../main/envs/domains/control/rollout.ts';
import type { ControlTask } from '../../../main/envs/domains/control/task.ts';
import type { ControlView } from '../../../main/envs/domains/control/view.ts';
import { codnessTable } from '../../support/codness.ts';
import type { Rendering } from '../../../main/envs/sdk.ts';

const wrap = (e: string) => `<action_expression>${e}</action_expression>`;
const open = (
  seed = 'control-test',
  preset = 'train',
  rendering: Rendering = 'chat',
  options?: Record<string, unknown>,
) => control.openPack({ seed, preset, rendering, options });

describe('control: closed-loop rollout and loss', () => {
  it('matches a hand-computed two-step trajectory', () => {
    const task: ControlTask = { index: 0, horizon: 2, x0: 0, v0: 0, xTarget: 1, vTarget: 0, noise: [0, 0] };
    const r = rollout({ a: 0.9, b: 1 }, task, () => ({ ok: true, value: 0.5 }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // v1 = 0.5, x1 = 0.5; v2 = 0.9*0.5 + 0.5 = 0.95, x2 = 1.45.
    expect(r.rows.map((row) => [row.t, row.x, row.v, row.u])).toEqual([
      [0, 0, 0, 0.5],
      [1, 0.5, 0.5, 0.5],
      [2, 1.45, 0.95, null],
    ]);
    const L = 0.45 ** 2 + 2 * 0.95 ** 2 + 0.03 * (0.25 + 0.25);
    expect(r.loss.total).toBeCloseTo(L, 12);
    expect(r.reward).toBeCloseTo(1 / (1 + L), 12);
  });

  it('clips u to [-1, 1] and adds the noise to v', () => {
    const task: ControlTask = { index: 0, horizon: 1, x0: 1, v0: 2, xTarget: 0, vTarget: 0, noise: [0.1] };
    const r = rollout({ a: 0.5, b: -1 }, task, () => ({ ok: true, value: 7 }));
    if (!r.ok) throw new Error('rollout failed');
    expect(r.rows[0].u).toBe(1);
    expect(r.rows[1].v).toBeCloseTo(0.5 * 2 - 1 + 0.1, 12);
    expect(r.rows[1].x).toBeCloseTo(1 + 0.1, 12);
  });
});

describe('control: episodes', () => {
  it('scores a valid expression with reward 1/(1+L) and shows the table in the feedback', () => {
    const ep = open().startTask(0);
    expect(ep.maxTurns).toBe(1);
    const res = ep.step(wrap('clip(0.3*(x_target - x) - 0.5*v, -1, 1)'));
    expect(res.done).toBe(true);
    if (!res.done) return;
    const v = ep.view() as ControlView;
    expect(v.result?.status).toBe('ok');
    expect(res.reward).toBeCloseTo(1 / (1 + (v.result?.loss?.total ?? NaN)), 12);
    expect(res.reward).toBeGreaterThan(0);
    expect(res.feedback).toMatch(/t \| x \| v \| u/);
    expect(v.result?.rows.length).toBe(v.horizon + 1);
    expect(ep.turnsUsed()).toBe(1);
    // A finished episode stays finished.
    const again = ep.step(wrap('0'));
    expect(again.done && again.reward).toBe(res.reward);
  });

  it('parse failures score -0.1 (format_error); evaluation errors score 0', () => {
    for (const bad of [
      '0.5',
      '<action_expression>1 +</action_expression>',
      wrap('foo'),
      wrap(''),
      '</action_expression>x<action_expression>',
      wrap('1') + wrap('2'),
    ]) {
      const res = open().startTask(1).step(bad);
      expect(res.done && res.outcome).toBe('format_error');
      expect(res.done && res.reward).toBeCloseTo(-0.1, 12);
    }
    const ev = open().startTask(1).step(wrap('1 / (t - 3)'));
    expect(ev.done && ev.outcome).toBe('illegal_action');
    expect(ev.done && ev.reward).toBe(0);
    expect(ev.done && ev.feedback).toMatch(/division by zero/);
    const fe = open().startTask(2).formatError('no <answer> block');
    expect(fe.outcome).toBe('format_error');
    expect(fe.reward).toBeCloseTo(-0.1, 12);
  });

  it('text around the expression tags is ignored', () => {
    const a = open()
      .startTask(3)
      .step(`I will push gently: ${wrap('0.2')} done`);
    const b = open().startTask(3).step(wrap('0.2'));
    expect(a.done && b.done && a.reward === b.reward).toBe(true);
  });

  it('the show_previous option shows the last attempt of the pack', () => {
    const pack = open('prev', 'train', 'chat', { showPrevious: true });
    const first = pack.startTask(0);
    expect(first.observation()).not.toMatch(/Previous task/);
    first.step(wrap('0.25'));
    const second = pack.startTask(1);
    expect(second.observation()).toMatch(/Previous task: you submitted `0.25` \(ok\), reward/);
    expect((second.view() as ControlView).previous?.expression).toBe('0.25');
    const plain = open('prev', 'train', 'chat');
    plain.startTask(0).step(wrap('0.25'));
    expect(plain.startTask(1).observation()).not.toMatch(/Previous task/);
  });
});

describe('control: configuration', () => {
  it('ships train / easy / hard; hard is the spec preset', () => {
    expect(control.presets).toEqual(['train', 'easy', 'hard']);
    const v = open('p', 'hard').startTask(0).view() as ControlView;
    expect(v.horizon).toBe(12);
    expect(v.vTarget).toBe(0);
    for (let i = 0; i < 30; i++) {
      const w = open('p', 'hard').startTask(i).view() as ControlView;
      expect(Math.abs(w.x0)).toBeLessThanOrEqual(2);
      expect(Math.abs(w.v0)).toBeLessThanOrEqual(1.5);
      expect(Math.abs(w.xTarget)).toBeLessThanOrEqual(8);
    }
  });

  it('bad presets and options are one clear CodError', () => {
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof CodError ? `${e.code}:${e.message}` : 'other';
      }
      return 'none';
    };
    expect(codeOf(() => open('s', 'medium'))).toMatch(/^bad_config:.*unknown preset 'medium'/);
    expect(codeOf(() => open('s', 'train', 'chat', { horizon: 0 }))).toMatch(/^bad_config:.*horizon/);
    expect(codeOf(() => open('s', 'train', 'chat', { speed: 1 }))).toMatch(/^bad_config:.*unknown option 'speed'/);
    expect(codeOf(() => open('s', 'train', 'chat', { minTarget: 3, maxTarget: 1 }))).toMatch(/^bad_config:.*exceeds/);
    expect(codeOf(() => open('s', 'train', 'chat', { showPrevious: 'yes' }))).toMatch(/^bad_config:/);
  });

  it('hidden dynamics follow the spec ranges', () => {
    for (let k = 0; k < 200; k++) {
      const { a, b } = controlDynamics(`seed-${k}`);
      expect(a).toBeGreaterThanOrEqual(0.55);
      expect(a).toBeLessThanOrEqual(1.2);
      expect(Math.abs(b)).toBeGreaterThanOrEqual(0.35);
      expect(Math.abs(b)).toBeLessThanOrEqual(1.5);
    }
  });
});

describe('control: renderings and public views', () => {
  it('chat and compact carry the same numbers and the same answer syntax', () => {
    const expr = wrap('clip(0.4*(x_target - x) - 0.6*v, -1, 1)');
    const chat = open('r', 'train', 'chat').startTask(5);
    const compact = open('r', 'train', 'compact').startTask(5);
    expect(chat.view()).toEqual({ ...compact.view() });
    for (const ep of [chat, compact]) expect(ep.rules()).toContain('<answer><action_expression>');
    chat.step(expr);
    compact.step(expr);
    const v = chat.view() as ControlView;
    const numbers = [v.x0, v.v0, v.xTarget, v.vTarget].map((x) => x.toFixed(3));
    for (const row of v.result?.rows ?? [])
      numbers.push(row.x.toFixed(4), row.v.toFixed(4), row.u === null ? '-' : row.u.toFixed(4));
    numbers.push((v.result?.reward ?? NaN).toFixed(3), (v.result?.loss?.total ?? NaN).toFixed(4));
    for (const n of numbers) {
      expect(chat.observation()).toContain(n);
      expect(compact.observation()).toContain(n);
    }
    expect(compact.observation().length).toBeLessThan(chat.observation().length);
    expect(compact.rules().length).toBeLessThan(chat.rules().length * 0.6);
  });

  it('views and texts never reveal a or b', () => {
    const seed = 'secret';
    const { a, b } = controlDynamics(seed);
    const ep = open(seed).startTask(0);
    const text = JSON.stringify(ep.view()) + ep.rules() + ep.observation();
    for (const digits of [a.toFixed(3), b.toFixed(3), a.toFixed(4), b.toFixed(4)]) expect(text).not.toContain(digits);
    expect(Object.keys(ep.view())).not.toContain('a');
    expect(Object.keys(ep.view())).not.toContain('b');
  });
});

describe('control: noisy notes (the CoD-ness check: conformance.test.ts)', () => {
  it('noisy notes hurt but do not break the oracle', async () => {
    const clean = await codnessTable(control, { preset: 'train', packs: 16, seedPrefix: 'control-noise' });
    const noisy = await codnessTable(control, {
      preset: 'train',
      packs: 16,
      seedPrefix: 'control-noise',
      noteNoise: 0.5,
    });
    const mean = (xs: number[]) => xs.slice(1).reduce((s, x) => s + x, 0) / (xs.length - 1);
    expect(mean(noisy.oracle)).toBeLessThan(mean(clean.oracle));
    expect(mean(noisy.oracle)).toBeGreaterThan(mean(noisy.empty));
  });
});
